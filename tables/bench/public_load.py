"""Synthetic published disclosures for the public-page benchmark (`manage.py benchmark_public`),
and the pieces of that command that need no server: the wrk script and its output parser.

`synthetic_disclosures_create(count=10_000)` bulk-inserts, in one transaction, everything the
public pages read: 主管部门, budget units with Chinese names built from a few dozen word parts,
submissions of 2–3 budget years each (status 已发布), their published versions (about one in
twelve also has a version 2, a 更正 with its reason) and the stored files of every version.
Nothing is rendered: the files are blobs of the right kind and name, and the data snapshot is a
small stub, since the public list and version pages never read it (`data_json` is deferred).

What the public insight pages read is stored as publishing stores it, for every version: its
`PublishedFigure` rows and its `PublishedSearchEntry`. The figures are summed by the product's own
`tables.publication.figures.snapshot_figures` over a synthetic budget (`synthetic_budget`: a few
dozen lines per unit with real 功能分类/部门经济分类 codes for its 主管部门 — 人员经费, 公用经费
with 三公 items, projects, sometimes 上年结转 and 单位资金), so every total, fund, 类/款/项,
三公 and 机关运行经费 row adds up as on a real disclosure (about 45 rows per version). A unit's
budget grows a little from year to year, and a 更正 (version 2) changes one project's amount, so
the comparisons over years and between versions have something to show. The search entries are
`tables.publication.search.search_text` with the bureau's aliases (as migrated). Each unit has
2023–2025 (every fourth unit 2024–2025). The 批复日期 lies a few days before the first
publication, for one disclosure in eight more than the statutory 20 days (late), and one in
`NO_APPROVAL_EVERY` has none, so the 公开情况 ledger has days, late units and blanks.

File sizes: a real disclosure's PDF is about 1 MB and its workbook about 100 KB, but storing
that for every one of 10,000 disclosures would make an 11 GB database for no gain: the list
pages never read a file, and a download reads one row. So the first `LARGE_FILES` disclosures
get files of realistic size (the benchmark downloads one of those PDFs) and the others small
ones. The blobs are random bytes (a PDF's streams are compressed, so they do not compress
either), deterministic per disclosure.

Rows are keyed by unit code (`BP00001`, …) and year, so running it again only adds what is
missing: a benchmark database can be reused (versions stored before the figures existed get
their figures and search entries then).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from tables.figures.types import (
    FUND_GENERAL,
    FUND_GOV,
    FUND_UNIT,
    KIND_PERSONNEL,
    KIND_PROJECT,
    KIND_PUBLIC,
)
from tables.models import (
    FileKind,
    PublishedFigure,
    PublishedFile,
    PublishedSearchEntry,
    PublishedVersion,
)
from tables.publication.artifacts import ARTIFACTS, SNAPSHOT_SCHEMA, file_stem
from tables.publication.figures import figure_rows
from tables.publication.search import search_aliases, search_text
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
#: figure rows per INSERT (about 45 per version)
FIGURE_BATCH = 5000
#: one disclosure in this many has no 批复日期; one in LATE_EVERY was published late
NO_APPROVAL_EVERY = 25
LATE_EVERY = 8

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

#: 功能分类 names (类, 款 and 项) of the synthetic budgets
FUNC_NAMES = {
    "201": "一般公共服务支出", "20106": "财政事务", "2010601": "行政运行",
    "2010607": "信息化建设", "2010650": "事业运行", "20138": "市场监督管理事务",
    "2013801": "行政运行", "2013812": "药品事务",
    "205": "教育支出", "20501": "教育管理事务", "2050101": "行政运行", "20502": "普通教育",
    "2050202": "小学教育", "2050203": "初中教育", "2050204": "高中教育",
    "207": "文化旅游体育与传媒支出", "20701": "文化和旅游", "2070101": "行政运行",
    "2070104": "图书馆", "2070109": "群众文化", "20702": "文物", "2070204": "文物保护",
    "208": "社会保障和就业支出", "20801": "人力资源和社会保障管理事务", "2080101": "行政运行",
    "2080109": "社会保险经办机构", "20802": "民政管理事务", "2080201": "行政运行",
    "20805": "行政事业单位养老支出", "2080505": "机关事业单位基本养老保险缴费支出",
    "20807": "就业补助", "2080701": "就业创业服务补贴", "20810": "社会福利",
    "2081002": "老年福利",
    "210": "卫生健康支出", "21001": "卫生健康管理事务", "2100101": "行政运行",
    "21002": "公立医院", "2100201": "综合医院", "21004": "公共卫生",
    "2100409": "重大公共卫生服务", "21011": "行政事业单位医疗", "2101101": "行政单位医疗",
    "2101102": "事业单位医疗",
    "212": "城乡社区支出", "21201": "城乡社区管理事务", "2120101": "行政运行",
    "21203": "城乡社区公共设施", "2120399": "其他城乡社区公共设施支出",
    "213": "农林水支出", "21301": "农业农村", "2130101": "行政运行", "2130104": "事业运行",
    "2130108": "病虫害控制", "21303": "水利", "2130301": "行政运行",
    "2130306": "水利工程运行与维护",
    "214": "交通运输支出", "21401": "公路水路运输", "2140101": "行政运行",
    "2140106": "公路养护",
    "220": "自然资源海洋气象等支出", "22001": "自然资源事务", "2200101": "行政运行",
    "2200106": "自然资源利用与保护",
    "221": "住房保障支出", "22102": "住房改革支出", "2210201": "住房公积金",
}  # fmt: skip
#: 部门经济分类 names (类 and 款)
DEPT_ECON_NAMES = {
    "301": "工资福利支出", "30101": "基本工资", "30102": "津贴补贴", "30103": "奖金",
    "30108": "机关事业单位基本养老保险缴费", "30110": "职工基本医疗保险缴费",
    "30113": "住房公积金",
    "302": "商品和服务支出", "30201": "办公费", "30211": "差旅费", "30212": "因公出国（境）费用",
    "30216": "培训费", "30217": "公务接待费", "30226": "劳务费", "30227": "委托业务费",
    "30228": "工会经费", "30231": "公务用车运行维护费",
    "310": "资本性支出", "31002": "办公设备购置", "31013": "公务用车购置",
}  # fmt: skip
#: per 主管部门 (DEPARTMENTS order): (its 行政运行 项, its 事业运行 or service 项, project 项…)
DEPARTMENT_FUNCS = (
    ("2050101", "2050203", "2050202", "2050204"),
    ("2100101", "2100201", "2100409"),
    ("2130101", "2130104", "2130108"),
    ("2010601", "2010650", "2010607"),
    ("2080101", "2080109", "2080701"),
    ("2120101", "2120399", "2120399"),
    ("2070101", "2070104", "2070109", "2070204"),
    ("2140101", "2140106", "2140106"),
    ("2080201", "2081002", "2081002"),
    ("2200101", "2200106", "2200106"),
    ("2130301", "2130306", "2130306"),
    ("2013801", "2013812", "2013812"),
)
#: 部门经济分类 款 → 政府经济分类 款 (机关; 事业单位 get 50501/50502 for 301/302)
GOV_ECON = {"301": "50101", "302": "50201", "310": "50601"}
PROJECT_ECON = ("30227", "30226", "30216", "31002")


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


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    """An amount in 元 from `low` to `high`, in whole 百元 mostly, sometimes to the 分."""
    cents = rng.randrange(low // 100, high // 100) * 10_000
    if rng.random() < 0.3:
        cents += rng.randrange(1, 10_000)
    return Decimal(cents).scaleb(-2)


def synthetic_budget(disclosure: Disclosure, version: int = 1) -> dict:
    """The `budget` part of a snapshot for one synthetic disclosure (what `snapshot_figures`
    reads): the unit and about two dozen lines. The shape (which codes, how large) depends on
    the unit only; each year after 2023 grows it by the unit's rate, with a little noise; a
    version 2 adds to one project's amount (the 更正)."""
    name, department = unit_name(disclosure.unit_index)
    is_admin = name.endswith("机关")
    shape = random.Random(disclosure.unit_index)
    noise = random.Random(disclosure.unit_index * 10_000 + disclosure.year)
    scale = shape.choice((1, 1, 2, 3, 5))
    growth = Decimal(shape.randrange(97, 109)) / 100
    years = disclosure.year - min(YEARS)
    funcs = DEPARTMENT_FUNCS[department]
    own = funcs[0] if is_admin else funcs[1]
    institution_econ = {"301": "50501", "302": "50502", "310": "50601"}
    lines = []

    def add(func, dept, kind, amount, *, fund=FUND_GENERAL, carryover=False, project=None):
        factor = growth**years * Decimal(noise.randrange(98, 103)) / 100
        lines.append(
            {
                "func_code": func,
                "dept_code": dept,
                "gov_code": (GOV_ECON if is_admin else institution_econ)[dept[:3]],
                "expense_kind": kind,
                "fund": fund,
                "is_carryover": carryover,
                "project_id": project,
                "amount": str((amount * scale * factor).quantize(Decimal("0.01"))),
            }
        )

    for dept, low, high in (("30101", 300, 900), ("30102", 200, 700), ("30103", 50, 200)):
        add(own, dept, KIND_PERSONNEL, _money(shape, low * 1000, high * 1000))
    add("2080505", "30108", KIND_PERSONNEL, _money(shape, 80_000, 200_000))
    add(
        "2101101" if is_admin else "2101102",
        "30110",
        KIND_PERSONNEL,
        _money(shape, 40_000, 120_000),
    )
    add("2210201", "30113", KIND_PERSONNEL, _money(shape, 50_000, 150_000))
    for dept, low, high in (
        ("30201", 20_000, 300_000),
        ("30211", 20_000, 150_000),
        ("30228", 10_000, 80_000),
        ("30217", 5_000, 50_000),
    ):
        add(own, dept, KIND_PUBLIC, _money(shape, low, high))
    if shape.random() < 0.4:
        add(own, "30231", KIND_PUBLIC, _money(shape, 30_000, 120_000))
    if shape.random() < 0.05:
        add(own, "30212", KIND_PUBLIC, _money(shape, 50_000, 200_000))
    projects = []
    for number in range(shape.randrange(1, 4)):
        func = funcs[1 + number % (len(funcs) - 1)]
        fund = FUND_GOV if shape.random() < 0.15 else FUND_GENERAL
        projects.append({"id": number + 1, "name": f"{FUNC_NAMES[func]}项目{number + 1}"})
        amount = _money(shape, 200_000, 4_000_000)
        add(func, shape.choice(PROJECT_ECON), KIND_PROJECT, amount, fund=fund, project=number + 1)
    if shape.random() < 0.1:
        add(own, "31013", KIND_PROJECT, _money(shape, 150_000, 300_000))
    if shape.random() < 0.25:
        amount = _money(shape, 100_000, 800_000)
        add(funcs[-1], "30227", KIND_PROJECT, amount, carryover=True, project=1)
    if not is_admin and shape.random() < 0.5:
        add(own, "30201", KIND_PUBLIC, _money(shape, 50_000, 500_000), fund=FUND_UNIT)
    if version > 1:
        last = next(line for line in reversed(lines) if line["expense_kind"] == KIND_PROJECT)
        last["amount"] = str(Decimal(last["amount"]) + _money(noise, 1_000, 50_000))

    unit = {
        "code": f"{UNIT_PREFIX}{disclosure.unit_index + 1:05d}",
        "name": name,
        "kind": UnitKind.ADMINISTRATIVE if is_admin else UnitKind.INSTITUTION,
        "department_code": f"{DEPARTMENT_PREFIX}{department + 1:02d}",
        "department_name": f"县{DEPARTMENTS[department][0]}",
        "has_operating_costs": is_admin,
    }
    used_funcs = {line["func_code"][:n] for line in lines for n in (3, 5, 7)}
    used_econ = {line["dept_code"][:n] for line in lines for n in (3, 5)}
    return {
        "unit": unit,
        "year": disclosure.year,
        "lines": lines,
        "projects": projects,
        "code_names": {
            "func": {code: FUNC_NAMES[code] for code in sorted(used_funcs)},
            "dept_econ": {code: DEPT_ECON_NAMES[code] for code in sorted(used_econ)},
        },
    }


def _approval_date(disclosure: Disclosure) -> datetime.date | None:
    """A few days before the first publication; more than the statutory 20 days for one
    disclosure in `LATE_EVERY`; none for one in `NO_APPROVAL_EVERY`."""
    if disclosure.index % NO_APPROVAL_EVERY == NO_APPROVAL_EVERY - 1:
        return None
    published = _published_at(disclosure, 1).date()
    spread = (disclosure.index * 31) % 17
    days = 22 + spread if disclosure.index % LATE_EVERY == LATE_EVERY - 1 else 2 + spread
    # approved in the budget year itself (after the 人代会), whatever the days
    return max(published - datetime.timedelta(days=days), datetime.date(disclosure.year, 1, 2))


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
        _insight_rows_backfill(plan)
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
                approval_date=_approval_date(d),
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
    _insight_rows_create([(version, plan_of[version.submission_id]) for version in versions])


def _insight_rows_create(versions: list[tuple[PublishedVersion, Disclosure]]) -> None:
    """The figures and the search entry of each (version, its disclosure), as publishing
    writes them (`figures_create`, `search_entry_create`), in bulk."""
    aliases = search_aliases()
    texts: dict[tuple[str, str], str] = {}  # a unit's name is the same every year
    figures, entries = [], []
    for version, disclosure in versions:
        snapshot = {"budget": synthetic_budget(disclosure, version.version)}
        figures += figure_rows(version, snapshot)
        key = (version.unit_code, version.unit_name)
        if key not in texts:
            texts[key] = search_text(code=key[0], name=key[1], aliases=aliases)
        entries.append(PublishedSearchEntry(version=version, text=texts[key]))
        if len(figures) >= FIGURE_BATCH:
            PublishedFigure.objects.bulk_create(figures)
            figures = []
    PublishedFigure.objects.bulk_create(figures, batch_size=FIGURE_BATCH)
    PublishedSearchEntry.objects.bulk_create(entries, batch_size=BATCH)


def _insight_rows_backfill(plan: list[Disclosure]) -> None:
    """Figures and search entries for the synthetic versions stored without them (by an
    earlier run of this module, before they existed)."""
    by_key = {(f"{UNIT_PREFIX}{d.unit_index + 1:05d}", d.year): d for d in plan}
    missing = (
        PublishedVersion.objects.filter(unit_code__startswith=UNIT_PREFIX)
        .filter(~Exists(PublishedFigure.objects.filter(version=OuterRef("pk"))))
        .defer("data_json")
        .order_by("pk")
    )
    todo = [(v, by_key[(v.unit_code, v.year)]) for v in missing if (v.unit_code, v.year) in by_key]
    PublishedSearchEntry.objects.filter(version__in=[v for v, _ in todo]).delete()
    for start in range(0, len(todo), BATCH):
        _insight_rows_create(todo[start : start + BATCH])


def benchmark_targets() -> dict:
    """What the benchmark requests: a version page and its large PDF (the first disclosure), a
    search term, and a year + 主管部门 filter that match some of the synthetic rows; and for the
    insight pages (not loaded yet): a unit published for every year of `YEARS`
    (`history_unit_code`), a year with a full ledger (`ledger_year`) and a pinyin search
    (`search_pinyin`, the initials of 卫生健康局)."""
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
        "history_unit_code": first.unit_code,
        "ledger_year": YEARS[0],
        "search_pinyin": "wsjkj",
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
