"""Admin for publishing (财政管理员 only): published versions and files, read-only (nothing can
be added, changed or deleted here; `units.immutability` refuses it on every ORM path too), and
batch publishing: a page to publish the approved submissions of a year (all, or those ticked)
and a progress page that refreshes itself (meta refresh, no JavaScript) until no item waits.

Access is by role (`units.permissions`), not by model permissions: every view here checks that
the user is 财政管理员 (or a superuser, who acts as one).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from tables.models import (
    ItemState,
    PublicationBatch,
    PublishedFile,
    PublishedVersion,
    SearchAlias,
)
from tables.public.cache import public_pages_clear
from tables.publication.batches import (
    NO_WORKER,
    publication_batch_progress,
    publication_batch_start,
    publication_item_retry,
)
from tables.publication.leases import lease_seconds
from tables.publication.search import search_entries_rebuild
from tables.publication.views import published_file_response
from units.formula_text import validate_not_formula
from units.models import Submission, SubmissionKind, SubmissionStatus
from units.permissions import ADMIN, user_roles
from units.services import TransitionRefused

#: seconds between refreshes of the progress page while items are waiting
PROGRESS_REFRESH_SECONDS = 3


def _is_admin(request) -> bool:
    return ADMIN in user_roles(request.user)


class AdminRoleOnly:
    """Visible to 财政管理员 only; nothing can be added, changed or deleted."""

    def has_module_permission(self, request):
        return _is_admin(request)

    def has_view_permission(self, request, obj=None):
        return _is_admin(request)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def history_view(self, request, object_id, extra_context=None):
        # Django's history_view looks the object up first: refuse before that, so that others
        # cannot tell which ids exist (403 for every id).
        if not _is_admin(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)


def _file_url(file: PublishedFile) -> str:
    return reverse("admin:tables_publishedfile_download", args=[file.pk])


class PublishedFileInline(AdminRoleOnly, admin.TabularInline):
    model = PublishedFile
    extra = 0
    can_delete = False
    fields = ["download", "kind", "content_type", "size", "sha256"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    @admin.display(description="文件")
    def download(self, obj):
        return format_html('<a href="{}">{}</a>', _file_url(obj), obj.file_name)


@admin.register(PublishedVersion)
class PublishedVersionAdmin(AdminRoleOnly, admin.ModelAdmin):
    list_display = [
        "unit_name",
        "year",
        "kind",
        "version",
        "published_at",
        "published_by",
        "reason",
    ]
    list_filter = ["year", "kind"]
    list_select_related = ["published_by"]
    search_fields = ["unit_code", "unit_name"]
    date_hierarchy = "published_at"
    fields = [
        "submission",
        "version",
        "unit_code",
        "unit_name",
        "department_name",
        "year",
        "kind",
        "approval_date",
        "published_at",
        "published_by",
        "reason",
    ]
    readonly_fields = fields
    inlines = [PublishedFileInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("data_json")


@admin.register(PublishedFile)
class PublishedFileAdmin(AdminRoleOnly, admin.ModelAdmin):
    list_display = ["file_name", "kind", "version", "size", "sha256"]
    list_filter = ["kind", "version__year"]
    list_select_related = ["version"]
    search_fields = ["file_name", "sha256"]
    fields = ["version", "kind", "download", "content_type", "size", "sha256"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    @admin.display(description="文件")
    def download(self, obj):
        return format_html('<a href="{}">{}</a>', _file_url(obj), obj.file_name)

    def get_urls(self):
        return [
            path(
                "<int:file_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="tables_publishedfile_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, file_id: int):
        """The stored bytes, as the download pages serve them."""
        if not _is_admin(request):
            raise PermissionDenied
        file = self.get_queryset(request).filter(pk=file_id).first()
        if file is None:
            raise Http404("没有这个已发布文件")
        return published_file_response(request, file)


@admin.register(PublicationBatch)
class PublicationBatchAdmin(AdminRoleOnly, admin.ModelAdmin):
    list_display = ["__str__", "year", "started_by", "started_at", "summary", "progress"]
    list_filter = ["year"]
    list_select_related = ["started_by"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_done=Count("items", filter=Q(items__state=ItemState.DONE)),
                n_failed=Count("items", filter=Q(items__state=ItemState.FAILED)),
                n_pending=Count("items", filter=Q(items__state=ItemState.PENDING)),
            )
        )

    @admin.display(description="进度")
    def summary(self, obj):
        return f"已发布 {obj.n_done}，失败 {obj.n_failed}，等待 {obj.n_pending}"

    @admin.display(description="详情")
    def progress(self, obj):
        url = reverse("admin:tables_publicationbatch_progress", args=[obj.pk])
        return format_html('<a href="{}">查看进度</a>', url)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("start/", view(self.start_view), name="tables_publicationbatch_start"),
            path(
                "<int:batch_id>/progress/",
                view(self.progress_view),
                name="tables_publicationbatch_progress",
            ),
            path(
                "<int:batch_id>/items/<int:item_id>/retry/",
                view(self.retry_view),
                name="tables_publicationbatch_retry",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # the progress page is the batch's page
        return redirect("admin:tables_publicationbatch_progress", batch_id=object_id)

    def _context(self, request, title):
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title}

    def start_view(self, request):
        """GET ?year=: the approved budget submissions of the year, all ticked; POST: start the
        batch (a year's batch publishes budgets: `publication_batch_start`)."""
        if not _is_admin(request):
            raise PermissionDenied
        approved = Submission.objects.filter(
            status=SubmissionStatus.APPROVED, kind=SubmissionKind.BUDGET
        )
        years = sorted(set(approved.values_list("year", flat=True)), reverse=True)
        source = request.POST if request.method == "POST" else request.GET
        try:
            year = int(source.get("year") or (years[0] if years else 0))
        except ValueError:
            year = 0
        if request.method == "POST":
            try:
                ids = [int(pk) for pk in request.POST.getlist("submission")]
            except ValueError:
                ids = []
            if not ids:
                self.message_user(request, "请至少选择一个填报。", messages.ERROR)
            else:
                try:
                    batch = publication_batch_start(
                        year=year, actor=request.user, submission_ids=ids
                    )
                except TransitionRefused as exc:
                    self.message_user(request, "；".join(exc.messages), messages.ERROR)
                else:
                    self.message_user(
                        request,
                        f"已开始发布 {year} 年的 {batch.items.count()} 个填报。",
                        messages.SUCCESS,
                    )
                    return redirect("admin:tables_publicationbatch_progress", batch_id=batch.pk)
        submissions = approved.filter(year=year).select_related("unit").order_by("unit__code")
        return TemplateResponse(
            request,
            "admin/tables/publication_start.html",
            {
                **self._context(request, "批量发布"),
                "years": years,
                "year": year,
                "submissions": submissions,
            },
        )

    def retry_view(self, request, batch_id: int, item_id: int):
        """POST: publish a failed item again (a new task); back to the progress page."""
        if not _is_admin(request):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:tables_publicationbatch_progress", batch_id=batch_id)
        if not PublicationBatch.objects.filter(pk=batch_id, items__pk=item_id).exists():
            raise Http404("没有这个发布明细")
        try:
            item = publication_item_retry(item_id=item_id, actor=request.user)
        except TransitionRefused as exc:
            self.message_user(request, "；".join(exc.messages), messages.ERROR)
        else:
            self.message_user(
                request, f"已重新提交「{item.submission}」的发布任务。", messages.SUCCESS
            )
        return redirect("admin:tables_publicationbatch_progress", batch_id=batch_id)

    def progress_view(self, request, batch_id: int):
        """Done / failed / waiting items of a batch, with retries, stuck items and a 重试 button
        for failed ones; refreshed until none waits."""
        if not _is_admin(request):
            raise PermissionDenied
        try:
            progress = publication_batch_progress(batch_id=batch_id)
        except PublicationBatch.DoesNotExist:
            raise Http404("没有这个发布批次") from None
        return TemplateResponse(
            request,
            "admin/tables/publication_progress.html",
            {
                **self._context(request, f"{progress.batch}：发布进度"),
                "progress": progress,
                "counts": {
                    "done": progress.counts.get(ItemState.DONE, 0),
                    "failed": progress.counts.get(ItemState.FAILED, 0),
                    "pending": progress.pending,
                },
                "refresh_seconds": None if progress.finished else PROGRESS_REFRESH_SECONDS,
                "lease_seconds": lease_seconds(),
                "no_worker": NO_WORKER,
            },
        )


# --- 检索简称 (the public search's short forms) ---------------------------------------------


class SearchAliasForm(forms.ModelForm):
    """A short form and its full form: both given, different, without spaces (a typed query
    loses its spaces, so a form with one could never be matched), and not beginning like a
    spreadsheet formula (the rule for all entered text, `units.formula_text`)."""

    class Meta:
        model = SearchAlias
        fields = ["short", "full"]
        help_texts = {
            "short": "人们常用的简称，例如“人大常委会”。",
            "full": "单位名称中出现的全称，例如“人民代表大会常务委员会”。",
        }

    def _form_clean(self, name: str) -> str:
        value = self.cleaned_data[name]
        validate_not_formula(value)
        if any(character.isspace() for character in value):
            raise forms.ValidationError("不能包含空格。", code="space")
        return value

    def clean_short(self):
        return self._form_clean("short")

    def clean_full(self):
        return self._form_clean("full")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("short") and cleaned.get("short") == cleaned.get("full"):
            self.add_error("full", "全称与简称相同：这样的简称不起作用。")
        return cleaned


@admin.register(SearchAlias)
class SearchAliasAdmin(admin.ModelAdmin):
    """The bureau's list of short forms (人大 = 人民代表大会 …), 财政管理员 only. Every save
    or delete rewrites the search entries of all published versions
    (`tables.publication.search.search_entries_rebuild`) in the same transaction and drops the
    cached public pages (this process's, or all when the cache is shared; other processes'
    expire within `PUBLIC_PAGE_CACHE_SECONDS`), so the public search finds units by the new
    list; the message says how many entries were rewritten."""

    form = SearchAliasForm
    list_display = ["short", "full"]
    search_fields = ["short", "full"]

    def has_module_permission(self, request):
        return _is_admin(request)

    def has_view_permission(self, request, obj=None):
        return _is_admin(request)

    def has_add_permission(self, request):
        return _is_admin(request)

    def has_change_permission(self, request, obj=None):
        return _is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return _is_admin(request)

    def history_view(self, request, object_id, extra_context=None):
        # refuse before the lookup, so that others cannot tell which ids exist
        if not _is_admin(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def _entries_rebuild(self, request) -> None:
        count = search_entries_rebuild()
        # the cached public pages show the old results: drop them once the new entries commit
        transaction.on_commit(public_pages_clear)
        self.message_user(
            request, f"已按新的检索简称重建 {count} 个已公开版本的检索条目。", messages.SUCCESS
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._entries_rebuild(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._entries_rebuild(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._entries_rebuild(request)
