"""The 导入/导出 Excel section of a submission (budget lines and 绩效目标)."""

from django.http import HttpResponse
from django.urls import path


def excel(request, pk: int):  # placeholder until the section lands
    return HttpResponse("导入/导出")


urlpatterns = [path("excel/", excel, name="excel")]
