from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from performance.framework import (
    DEFAULT_FRAMEWORK_CODE,
    DEFAULT_FRAMEWORK_FILE,
    DEFAULT_FRAMEWORK_NAME,
    framework_load,
)


class Command(BaseCommand):
    help = "导入绩效指标体系（CSV：code,name,level,parent_code）；可按地区设置不同体系。"

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT_FRAMEWORK_FILE))
        parser.add_argument("--code", default=DEFAULT_FRAMEWORK_CODE)
        parser.add_argument("--name", default=DEFAULT_FRAMEWORK_NAME)
        parser.add_argument("--default", action="store_true", help="设为默认指标体系")

    def handle(self, *args, **options):
        try:
            framework = framework_load(
                path=options["file"],
                code=options["code"],
                name=options["name"],
                make_default=options["default"],
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        except OSError as exc:
            raise CommandError(f"无法读取文件：{exc}") from None
        count = framework.categories.count()
        flag = "（默认）" if framework.is_default else ""
        self.stdout.write(f"指标体系 {framework.code}{flag}：{count} 个一级/二级指标")
