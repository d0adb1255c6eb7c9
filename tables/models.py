"""Published versions of a disclosure and batch publishing.

A `PublishedVersion` is what a submission looked like when it was published as version n: a
frozen JSON snapshot of its data (every table's typed and displayed cells, the narrative
figures, the budget lines, projects and targets as exact decimals) and the files rendered once
from it (`PublishedFile`: HTML, PDF, XLSX, JSON and a zip of the table CSVs), each with its
SHA-256. Both are insert-only (`units.immutability.ImmutableModel`): a correction (更正) is
published as version n+1, and version n stays as stored. The public pages serve the stored
bytes; nothing is rendered again.

Files are kept in the database (`BinaryField`): they are written in the same transaction as the
status change, so a failed publication leaves nothing behind, and they are covered by the same
backups and guards as the rest. A disclosure's files are a few MB at most.

`PublicationBatch` records a bureau's "publish every approved submission of a year" request and
the progress of each of its items (the tasks of `tables.tasks`); it is ordinary, mutable state.

`TaskAttempt` is one run of a background task by one worker process, with the lease that worker
renews while it runs (`tables.publication.worker`): a task whose worker died is found by its stale lease and
run again, and every attempt stays as history.

`SubmissionCheckCounts` caches how many 错误/警告/提示 a submission's checks found, with the
fingerprint of the data they were counted from, so that the bureau's 年度总览 lists hundreds of
units without running their checks (`tables.desk.check_counts`).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from units.immutability import ImmutableModel
from units.models import Submission


class PublishedVersion(ImmutableModel):
    """Version n of one submission's disclosure, as published (never changed or deleted)."""

    submission = models.ForeignKey(
        Submission,
        verbose_name="填报",
        on_delete=models.PROTECT,
        related_name="published_versions",
    )
    version = models.PositiveIntegerField("版本")
    published_at = models.DateTimeField("发布时间", default=timezone.now, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField("更正原因", blank=True)
    #: 预算 or 决算, as the submission was when published (`units.models.SubmissionKind`)
    kind = models.CharField("公开类型", max_length=8, default="budget", db_index=True)
    # As published: the unit's name may change later, the disclosure keeps the one it printed.
    year = models.PositiveSmallIntegerField("预算年度", db_index=True)
    unit_code = models.CharField("单位编码", max_length=20)
    unit_name = models.CharField("单位名称", max_length=100, db_index=True)
    department_code = models.CharField("主管部门编码", max_length=20)
    department_name = models.CharField("主管部门", max_length=100)
    approval_date = models.DateField("批复日期", null=True, blank=True)
    # What the unit was when published, so the public pages never follow a later change of
    # the unit's flags: a 部门预算 (its 部门汇总单位) or the 部门's 本级.
    is_department = models.BooleanField("部门预算", default=False)
    is_headquarters = models.BooleanField("部门本级", default=False)
    #: the frozen snapshot (`tables.publication.artifacts.publication_snapshot`); also stored as the JSON file
    data_json = models.JSONField("数据快照")

    class Meta:
        verbose_name = "已发布版本"
        verbose_name_plural = "已发布版本"
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "version"], name="uniq_published_version")
        ]
        # a unit over the years, its 公民预算 and the API read a unit's versions by code
        indexes = [models.Index(fields=["unit_code", "year"], name="tables_pubver_unit_year")]

    def __str__(self):
        kind = "决算" if self.is_final else ""
        return f"{self.unit_name} {self.year}年{kind} 第{self.version}版"

    @property
    def kind_label(self) -> str:
        """预算 or 决算, as the version's pages and files name it."""
        return "决算" if self.kind == "final" else "预算"

    @property
    def is_final(self) -> bool:
        return self.kind == "final"


class FileKind(models.TextChoices):
    HTML = "html", "HTML"
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel"
    JSON = "json", "JSON 数据"
    CSV = "csv", "CSV 表格（zip）"
    #: the OpenSpending Fiscal Data Package: datapackage.json + CSV resources (`tables.publication.opendata`)
    OPENDATA = "opendata", "开放数据包（zip）"
    #: the package's budget CSV alone (one row per amount), concatenated into the bulk CSV of a
    #: year; a 决算's holds its lines' 年初预算, 调整预算 and 决算数
    DATA_CSV = "datacsv", "明细数据 CSV"


class PublishedFile(ImmutableModel):
    """One rendered file of a published version: the bytes as served, with their SHA-256."""

    version = models.ForeignKey(
        PublishedVersion, verbose_name="版本", on_delete=models.PROTECT, related_name="files"
    )
    kind = models.CharField("格式", max_length=8, choices=FileKind.choices)
    file_name = models.CharField("文件名", max_length=255)
    content_type = models.CharField("内容类型", max_length=100)
    content = models.BinaryField("内容")
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)

    class Meta:
        verbose_name = "已发布文件"
        verbose_name_plural = "已发布文件"
        ordering = ["version", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["version", "kind"], name="uniq_published_file_kind")
        ]

    def __str__(self):
        return self.file_name


class PublicationBatch(models.Model):
    """A request to publish approved submissions of one year (all of them, or those chosen)."""

    year = models.PositiveSmallIntegerField("预算年度")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField("发起时间", default=timezone.now)

    class Meta:
        verbose_name = "批量发布"
        verbose_name_plural = "批量发布"
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.year}年批量发布 #{self.pk}"


class ItemState(models.TextChoices):
    PENDING = "pending", "等待中"
    DONE = "done", "已发布"
    FAILED = "failed", "失败"


class PublicationBatchItem(models.Model):
    """One submission of a batch: waiting, published (with its version) or failed (with why)."""

    batch = models.ForeignKey(
        PublicationBatch, verbose_name="批次", on_delete=models.CASCADE, related_name="items"
    )
    submission = models.ForeignKey(
        Submission,
        verbose_name="填报",
        on_delete=models.CASCADE,
        related_name="publication_items",
    )
    state = models.CharField(
        "状态", max_length=8, choices=ItemState.choices, default=ItemState.PENDING
    )
    error = models.TextField("错误", blank=True)
    version = models.ForeignKey(
        PublishedVersion,
        verbose_name="发布版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    task_id = models.CharField("任务编号", max_length=64, blank=True)
    #: the tasks of earlier tries of this item (a 重试 enqueues a new task), oldest first
    previous_task_ids = models.JSONField("此前的任务编号", default=list, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "批量发布明细"
        verbose_name_plural = "批量发布明细"
        ordering = ["batch", "submission__unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "submission"], name="uniq_batch_submission")
        ]

    def __str__(self):
        return f"{self.batch} {self.submission_id}"


class AttemptOutcome(models.TextChoices):
    RUNNING = "running", "运行中"
    SUCCEEDED = "succeeded", "成功"
    FAILED = "failed", "失败"
    EXPIRED = "expired", "工作进程失联"
    HANDED_BACK = "handed_back", "已交还队列"


class TaskAttempt(models.Model):
    """One run of a background task (a `django_tasks_db` task result) by one worker process.

    The worker renews `heartbeat_at` while the task runs; an attempt still running whose
    heartbeat is older than the lease (`TASK_LEASE_SECONDS`) belongs to a dead worker."""

    task_id = models.UUIDField("任务编号", db_index=True)
    number = models.PositiveSmallIntegerField("第几次")
    worker_id = models.CharField("工作进程", max_length=64)
    hostname = models.CharField("主机", max_length=255, blank=True)
    pid = models.PositiveIntegerField("进程号", null=True, blank=True)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    heartbeat_at = models.DateTimeField("最近心跳", default=timezone.now)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    outcome = models.CharField(
        "结果", max_length=12, choices=AttemptOutcome.choices, default=AttemptOutcome.RUNNING
    )
    error = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "任务执行记录"
        verbose_name_plural = "任务执行记录"
        ordering = ["task_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["task_id", "number"], name="uniq_task_attempt")
        ]
        indexes = [models.Index(fields=["outcome", "heartbeat_at"], name="task_attempt_lease")]

    def __str__(self):
        return f"{self.task_id} 第{self.number}次"


class SubmissionCheckCounts(models.Model):
    """The counts of one submission's check findings as last computed, and the fingerprint of the
    recorded changes they were computed from (`tables.desk.activity`): when the submission's
    fingerprint differs now, the counts are stale and are computed again in the background.
    A cache: deleting every row loses nothing but time."""

    submission = models.OneToOneField(
        Submission, verbose_name="填报", on_delete=models.CASCADE, related_name="check_counts"
    )
    errors = models.PositiveIntegerField("错误", default=0)
    warnings = models.PositiveIntegerField("警告", default=0)
    notices = models.PositiveIntegerField("提示", default=0)
    checked_at = models.DateTimeField("检查时间", default=timezone.now)
    fingerprint = models.CharField("数据指纹", max_length=64, blank=True)

    class Meta:
        verbose_name = "检查结果计数"
        verbose_name_plural = "检查结果计数"

    def __str__(self):
        return f"{self.submission_id}：错误{self.errors} 警告{self.warnings} 提示{self.notices}"


class YearSettings(models.Model):
    """The bureau's choices for one budget year: which table set its disclosures use
    (`tables.figures.tablesets`), and the county's resident population, which the public
    county overview and 公民预算 divide by (人均) when it has been entered."""

    year = models.PositiveSmallIntegerField("预算年度", unique=True)
    table_set = models.CharField("公开表样式", max_length=40, default="shanxi-2025")
    population = models.PositiveIntegerField(
        "常住人口（人）",
        null=True,
        blank=True,
        help_text="用于公开页面的人均数；不填则不显示人均数。",
    )
    #: when these settings last changed: part of the public pages' cache generation
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "年度设置"
        verbose_name_plural = "年度设置"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}年度设置"


class FigureDimension(models.TextChoices):
    """What a `PublishedFigure` adds up (`tables.publication.figures`)."""

    TOTAL = "total", "合计"
    REVENUE = "revenue", "收入来源"
    FUND = "fund", "资金性质"
    FUNCTION = "function", "支出功能分类"
    ECONOMIC = "economic", "部门经济分类"
    KIND = "kind", "基本支出与项目支出"
    SANGONG = "sangong", "“三公”经费"
    OPERATING = "operating", "机关运行经费"


class PublishedFigure(ImmutableModel):
    """One figure of a published version, summed once from its snapshot when it is published
    (`tables.publication.figures.snapshot_figures`): the public comparisons over years, the
    county overview and the API add these rows up in SQL instead of reading thousands of
    snapshots. Insert-only like the version it belongs to.

    `code` is what the dimension is keyed by (a fund, a 功能分类/经济分类 code at 类, 款 or
    项 level, a 三公 item …); `level` is 1, 2 or 3 for 类/款/项 (1 otherwise); `amount` is in
    exact 分."""

    version = models.ForeignKey(
        PublishedVersion,
        verbose_name="已发布版本",
        on_delete=models.PROTECT,
        related_name="figures",
    )
    dimension = models.CharField("维度", max_length=12, choices=FigureDimension.choices)
    code = models.CharField("编码", max_length=20)
    name = models.CharField("名称", max_length=100, blank=True)
    level = models.PositiveSmallIntegerField("层级", default=1)
    amount = models.BigIntegerField("金额（分）")

    class Meta:
        verbose_name = "已发布数字"
        verbose_name_plural = "已发布数字"
        ordering = ["version", "dimension", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "dimension", "code"], name="uniq_published_figure"
            )
        ]
        indexes = [models.Index(fields=["dimension", "code"], name="tables_figure_dim_code")]

    def __str__(self):
        return f"{self.version_id} {self.dimension} {self.code}"


class SearchAlias(models.Model):
    """A common short form of a word in unit names (人大 for 人民代表大会), kept by the bureau:
    the public search finds a unit by either form, and by the pinyin initials of either
    (`tables.publication.search`)."""

    short = models.CharField("简称", max_length=30, unique=True)
    full = models.CharField("全称", max_length=60)
    #: when this 简称 last changed: part of the public pages' cache generation
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "检索简称"
        verbose_name_plural = "检索简称"
        ordering = ["short"]

    def __str__(self):
        return f"{self.short} = {self.full}"


class PublishedSearchEntry(models.Model):
    """The text the public search matches for one published version: its unit code, its name
    and the name's variants with each alias applied, and their pinyin (initials and whole),
    lower-case, one per line (`tables.publication.search.search_text`). Rebuilt when the
    aliases change; on PostgreSQL a pg_trgm GIN index serves the substring search."""

    version = models.OneToOneField(
        PublishedVersion,
        verbose_name="已发布版本",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_entry",
    )
    text = models.TextField("检索文本")

    class Meta:
        verbose_name = "检索条目"
        verbose_name_plural = "检索条目"

    def __str__(self):
        return str(self.version_id)
