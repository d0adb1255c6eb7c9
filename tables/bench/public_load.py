"""Synthetic published disclosures for the public-page benchmark (`manage.py benchmark_public`),
and the pieces of that command that need no server: the wrk script and its output parser.

`synthetic_disclosures_create(count=10_000)` bulk-inserts, in one transaction, everything the
public pages read: 主管部门, budget units with Chinese names built from a few dozen word parts,
submissions of 2–3 budget years each (status 已发布), their published versions (about one in
twelve also has a version 2, a 更正 with its reason) and the stored files of every version.
Nothing is rendered: the files are blobs of the right kind and name, and the data snapshot is a
small stub, since the public list and version pages never read it (`data_json` is deferred).

File sizes: a real disclosure's PDF is about 1 MB and its workbook about 100 KB, but storing
that for every one of 10,000 disclosures would make an 11 GB database for no gain: the list
pages never read a file, and a download reads one row. So the first `LARGE_FILES` disclosures
get files of realistic size (the benchmark downloads one of those PDFs) and the others small
ones. The blobs are random bytes (a PDF's streams are compressed, so they do not compress
either), deterministic per disclosure.

Rows are keyed by unit code (`BP00001`, …) and year, so running it again only adds what is
missing: a benchmark database can be reused.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
from dataclasses import dataclass

from django.db import connection, transaction

from tables.models import FileKind, PublishedFile, PublishedVersion
from tables.publication.artifacts import ARTIFACTS, SNAPSHOT_SCHEMA, file_stem
from tables.publication.search import search_entries_write
from units.models import BudgetUnit, Department, Submission, SubmissionStatus, UnitKind

UNIT_PREFIX = "BP"
DEPARTMENT_PREFIX = "BP-D"
YEARS = (2025, 2024, 2023)
#: one submission in this many has a version 2 (更正)
CORRECTION_EVERY = 12
#: the first this many disclosures get files of realistic size
LARGE_FILES = 10
LARGE_SIZES = {FileKind.PDF: 1_000_000, FileKind.XLSX: 100_000, FileKind.HTML: 300_000}
SMALL_SIZES = {FileKind.PDF: 4_000, FileKind.XLSX: 1_500, FileKind.HTML: 2_000}
OTHER_SIZE = 800
BATCH = 1000

COUNTIES = (
    "阳城县", "沁水县", "陵川县", "高平市", "泽州县", "晋城市城区", "长治市潞州区", "襄垣县",
    "屯留区", "平顺县", "黎城县", "壶关县", "长子县", "武乡县", "沁县", "沁源县",
    "左权县", "和顺县", "昔阳县", "寿阳县", "榆社县", "太谷区", "祁县", "平遥县",
    "灵石县", "介休市", "孝义市", "汾阳市", "文水县", "交城县", "兴县", "临县",
    "柳林县", "石楼县", "岚县", "方山县", "中阳县", "交口县", "离石区", "阳曲县",
)  # fmt: skip
#: 主管部门 (name without the county) → the names of its units (its own office first)
DEPARTMENTS = (
    ("教育局", ("教育局机关", "第一中学", "第二中学", "第三中学", "实验小学", "职业中学",
               "教师进修学校", "幼儿园", "特殊教育学校", "教育局电化教育馆")),
    ("卫生健康局", ("卫生健康局机关", "人民医院", "中医院", "疾病预防控制中心", "妇幼保健院",
                   "卫生健康综合行政执法队", "乡镇卫生院管理中心")),
    ("农业农村局", ("农业农村局机关", "农业技术推广中心", "畜牧兽医服务中心", "农业机械化服务中心",
                   "农村经济经营管理站", "植保植检站")),
    ("财政局", ("财政局机关", "国库集中支付中心", "财政投资评审中心", "非税收入管理中心")),
    ("人力资源和社会保障局", ("人力资源和社会保障局机关", "社会保险中心", "就业服务中心",
                             "劳动保障监察大队", "人事考试中心")),
    ("住房和城乡建设局", ("住房和城乡建设局机关", "住房保障中心", "市政设施服务中心",
                         "园林绿化服务中心", "建设工程质量安全监督站")),
    ("文化和旅游局", ("文化和旅游局机关", "图书馆", "文化馆", "博物馆", "文物保护中心",
                     "旅游服务中心")),
    ("交通运输局", ("交通运输局机关", "公路段", "交通运输综合行政执法队", "农村公路管理站")),
    ("民政局", ("民政局机关", "社会福利院", "殡仪馆", "婚姻登记处", "救助管理站")),
    ("自然资源局", ("自然资源局机关", "不动产登记中心", "土地储备中心", "测绘服务中心")),
    ("水利局", ("水利局机关", "水资源管理中心", "河道管理站", "水土保持站")),
    ("市场监督管理局", ("市场监督管理局机关", "检验检测中心", "消费者权益保护中心")),
)  # fmt: skip
CORRECTION_REASONS = (
    "表十二项目名称有误，予以更正。",
    "表十 三公经费预算数填报有误，予以更正。",
    "情况说明中机关运行经费变动原因表述不准确，予以更正。",
)


@dataclass(frozen=True)
class Disclosure:
    """One planned synthetic disclosure (a unit's year), before anything is stored."""

    index: int
    unit_index: int
    year: int
    versions: int


#: (主管部门 index, unit name without the county) of every unit of one county, in order
_COUNTY_UNITS = tuple(
    (department, name) for department, (_, names) in enumerate(DEPARTMENTS) for name in names
)


def unit_name(unit_index: int) -> tuple[str, int]:
    """(the unit's Chinese name, its 主管部门's index) of synthetic unit `unit_index`."""
    per_round = len(_COUNTY_UNITS) * len(COUNTIES)
    county = COUNTIES[(unit_index // len(_COUNTY_UNITS)) % len(COUNTIES)]
    department, name = _COUNTY_UNITS[unit_index % len(_COUNTY_UNITS)]
    round_ = unit_index // per_round
    suffix = f"（第{round_ + 1}片区）" if round_ else ""
    return f"{county}{name}{suffix}", department


def disclosures_plan(count: int) -> list[Disclosure]:
    """`count` disclosures: units in order, each with 3 budget years (every fourth unit 2)."""
    plan = []
    unit_index = 0
    while len(plan) < count:
        years = YEARS[:2] if unit_index % 4 == 3 else YEARS
        for year in years:
            if len(plan) == count:
                break
            index = len(plan)
            versions = 2 if index % CORRECTION_EVERY == 5 else 1
            plan.append(Disclosure(index, unit_index, year, versions))
        unit_index += 1
    return plan


def _blob(rng: random.Random, kind: str, size: int) -> bytes:
    head = {
        FileKind.PDF: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        FileKind.XLSX: b"PK\x03\x04",
        FileKind.CSV: b"PK\x03\x04",
        FileKind.HTML: b"<!doctype html>\n",
        FileKind.JSON: b'{"schema": "' + SNAPSHOT_SCHEMA.encode() + b'"}\n',
    }.get(kind, b"")
    return head + rng.randbytes(max(0, size - len(head)))


def _published_at(disclosure: Disclosure, version: int) -> datetime.datetime:
    """Published in the first quarter of the budget year; a correction some weeks later."""
    start = datetime.datetime(disclosure.year, 1, 10, 9, tzinfo=datetime.UTC)
    minutes = (disclosure.index * 7919) % (80 * 24 * 60)
    return start + datetime.timedelta(minutes=minutes, days=30 * (version - 1))


def synthetic_disclosures_create(*, count: int, large_files: int = LARGE_FILES) -> int:
    """Store `count` synthetic published disclosures (those already stored are kept); returns
    how many were added. Bulk inserts in batches, one transaction."""
    plan = disclosures_plan(count)
    with transaction.atomic():
        departments = _departments_ensure()
        units = _units_ensure({d.unit_index for d in plan}, departments)
        existing = set(
            Submission.objects.filter(unit__code__startswith=UNIT_PREFIX).values_list(
                "unit__code", "year"
            )
        )
        todo = [d for d in plan if (units[d.unit_index].code, d.year) not in existing]
        for start in range(0, len(todo), BATCH):
            _disclosures_store(todo[start : start + BATCH], units, large_files)
    if connection.vendor == "postgresql" and connection.get_autocommit():
        # what autovacuum would have done by the time a real site has this many rows: planner
        # statistics, and the visibility map that lets index-only scans skip the table
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return len(todo)


def _departments_ensure() -> list[Department]:
    wanted = [
        Department(code=f"{DEPARTMENT_PREFIX}{i + 1:02d}", name=f"县{name}")
        for i, (name, _) in enumerate(DEPARTMENTS)
    ]
    Department.objects.bulk_create(wanted, ignore_conflicts=True)
    by_code = {d.code: d for d in Department.objects.filter(code__startswith=DEPARTMENT_PREFIX)}
    return [by_code[d.code] for d in wanted]


def _units_ensure(indexes: set[int], departments: list[Department]) -> dict[int, BudgetUnit]:
    new = []
    for index in sorted(indexes):
        name, department = unit_name(index)
        new.append(
            BudgetUnit(
                code=f"{UNIT_PREFIX}{index + 1:05d}",
                name=name,
                kind=UnitKind.ADMINISTRATIVE if name.endswith("机关") else UnitKind.INSTITUTION,
                department=departments[department],
                duties="合成单位职责。",
            )
        )
    BudgetUnit.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
    by_code = {
        u.code: u
        for u in BudgetUnit.objects.filter(code__startswith=UNIT_PREFIX).select_related(
            "department"
        )
    }
    return {index: by_code[f"{UNIT_PREFIX}{index + 1:05d}"] for index in indexes}


def _disclosures_store(plan: list[Disclosure], units, large_files: int) -> None:
    submissions = Submission.objects.bulk_create(
        [
            Submission(
                unit=units[d.unit_index],
                year=d.year,
                status=SubmissionStatus.PUBLISHED,
                version=d.versions,
                approval_date=datetime.date(d.year, 1, 5),
            )
            for d in plan
        ]
    )
    versions = []
    for d, submission in zip(plan, submissions, strict=True):
        unit = units[d.unit_index]
        for n in range(1, d.versions + 1):
            versions.append(
                PublishedVersion(
                    submission=submission,
                    version=n,
                    published_at=_published_at(d, n),
                    reason=CORRECTION_REASONS[d.index % len(CORRECTION_REASONS)] if n > 1 else "",
                    year=d.year,
                    unit_code=unit.code,
                    unit_name=unit.name,
                    department_code=unit.department.code,
                    department_name=unit.department.name,
                    approval_date=submission.approval_date,
                    data_json={"schema": SNAPSHOT_SCHEMA, "synthetic": True},
                )
            )
    versions = PublishedVersion.objects.bulk_create(versions)
    search_entries_write(versions)  # what the public search matches, as publishing writes it
    plan_of = {s.pk: d for d, s in zip(plan, submissions, strict=True)}
    files = []
    for version in versions:
        d = plan_of[version.submission_id]
        rng = random.Random(d.index * 10 + version.version)
        sizes = LARGE_SIZES if d.index < large_files else SMALL_SIZES
        stem = file_stem(unit_name=version.unit_name, year=version.year, version=version.version)
        for kind, (content_type, suffix) in ARTIFACTS.items():
            content = _blob(rng, kind, sizes.get(kind, OTHER_SIZE))
            files.append(
                PublishedFile(
                    version=version,
                    kind=kind,
                    file_name=stem + suffix,
                    content_type=content_type,
                    content=content,
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                )
            )
    PublishedFile.objects.bulk_create(files, batch_size=200)


def benchmark_targets() -> dict:
    """What the benchmark requests: a version page and its large PDF (the first disclosure), a
    search term, and a year + 主管部门 filter that match some of the synthetic rows."""
    first = (  # disclosure 0: among the large ones
        PublishedVersion.objects.filter(unit_code=f"{UNIT_PREFIX}00001", year=YEARS[0])
        .defer("data_json")
        .order_by("-version")
        .first()
    )
    if first is None:
        raise ValueError("没有合成的已公开单位预算。")
    pdf = first.files.defer("content").get(kind=FileKind.PDF)
    return {
        "version_id": first.pk,
        "file_id": pdf.pk,
        "file_name": pdf.file_name,
        "file_size": pdf.size,
        "search": "卫生健康",
        "year": YEARS[1],
        "department": f"{DEPARTMENT_PREFIX}02",
    }


# --- wrk ---------------------------------------------------------------------------------------

RESULT_TAG = "WRK_RESULT "
#: wrk's `done` hook: one machine-readable line with the figures (latencies in microseconds).
#: wrk counts a response with status > 399 as a status error; 3xx is ruled out by the warm-up.
WRK_SCRIPT = """\
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,'
    .. '"max_us":%d,"mean_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,'
    .. '"timeouts":%d,"status_errors":%d}\\n',
    "RESULT_TAG", summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, e.connect, e.read, e.write, e.timeout, e.status))
end
""".replace("RESULT_TAG", RESULT_TAG)


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    bytes: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    timeouts: int
    status_errors: int

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def mib_per_second(self) -> float:
        return self.bytes / self.seconds / 2**20 if self.seconds else 0.0

    @property
    def failed(self) -> bool:
        return bool(self.socket_errors or self.timeouts or self.status_errors)


def wrk_result_parse(output: str) -> WrkResult:
    """The figures of one wrk run from its output (the line our `done` hook printed)."""
    for line in output.splitlines():
        if line.startswith(RESULT_TAG):
            data = json.loads(line[len(RESULT_TAG) :])
            break
    else:
        raise ValueError(f"wrk 输出中没有结果行（{RESULT_TAG.strip()}）：\n{output}")
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        bytes=data["bytes"],
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        socket_errors=data["connect_errors"] + data["read_errors"] + data["write_errors"],
        timeouts=data["timeouts"],
        status_errors=data["status_errors"],
    )
