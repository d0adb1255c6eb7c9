"""The operations of the open API, thin: a selector (`tables.api.selectors`, the public insight
functions), then a response schema (`tables.api.schemas`). Each operation's summary and
description are what the generated documentation shows."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import Http404
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from tables.api import schemas, selectors
from tables.models import FileKind
from tables.public.addresses import public_absolute_url
from tables.public.cache import generation_memo
from tables.public.insight import (
    publication_ledger,
    version_figures,
    year_figures,
)
from units.models import SubmissionKind
from units.workflow import DISCLOSURE_DAYS

router = Router()

#: the bounds of numbers a client sends: beyond them a database would refuse the value (a
#: 500) rather than find nothing
MIN_YEAR, MAX_YEAR = 1900, 9999
MAX_ID = 2**63 - 1
MAX_PAGE = 100_000
#: the path parameters, described
VersionId = Annotated[int, Path(ge=1, le=MAX_ID, description="版本编号")]
UnitCode = Annotated[str, Path(max_length=20, description="单位编码")]
Year = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR, description="预算年度，如 2025")]
TableCode = Annotated[str, Path(max_length=20, description="表格编码，如 T01（决算为 F01）")]

#: rows per page unless asked, and at most
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
NOT_FOUND = {404: schemas.ErrorOut}
#: the `dimension` parameters (module-level: their descriptions are computed)
DIMENSION_OPTIONAL = Query(None, description=f"只取一个维度：{schemas.DIMENSIONS_TEXT}")
DIMENSION_REQUIRED = Query(..., description=f"维度：{schemas.DIMENSIONS_TEXT}")
#: a str with a pattern, not `schemas.Kind`: a paginated view's annotations are resolved
#: where ninja's paginator is defined, which does not know our schemas
KIND_QUERY = Query(
    "budget",
    pattern="^(budget|final)$",
    description="公开类型：budget（预算，默认）或 final（决算）",
)
ERRORS = {404: schemas.ErrorOut, 422: schemas.ValidationErrorOut, 429: schemas.ThrottledOut}


class Pages(PageNumberPagination):
    """ninja's page-number pagination with Chinese parameter descriptions and a maximum page
    size that is refused (422) rather than silently lowered."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从 1 开始")
        page_size: int = Field(
            PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"每页条数，最多 {MAX_PAGE_SIZE}"
        )

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="符合条件的总条数")

    def __init__(self, **kwargs):
        super().__init__(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)


def _absolute(request, path: str) -> str:
    return public_absolute_url(request, path)


def _version_out(request, version) -> dict:
    return {
        "id": version.pk,
        "kind": version.kind,
        "unit_code": version.unit_code,
        "unit_name": version.unit_name,
        "department_code": version.department_code,
        "department_name": version.department_name,
        "year": version.year,
        "version": version.version,
        "published_at": version.published_at,
        "approval_date": version.approval_date,
        "is_department": version.is_department,
        "is_headquarters": version.is_headquarters,
        "reason": version.reason,
        "page_url": _absolute(request, reverse("public:disclosure", args=[version.pk])),
    }


def _table_set(version) -> str:
    """The budget table set a budget version printed; "" for a 决算 (决算公开表1–9, the
    财政部 template, whatever the year's budget set)."""
    return "" if version.kind == SubmissionKind.FINAL else (version.table_set or "")


def _brief(version, latest_id: int) -> dict:
    return {
        "id": version.pk,
        "version": version.version,
        "published_at": version.published_at,
        "reason": version.reason,
        "is_latest": version.pk == latest_id,
    }


def _figure(figure) -> dict:
    return {
        "code": figure.code,
        "name": figure.name,
        "level": figure.level,
        "amount": str(figure.amount),
    }


# --- units ------------------------------------------------------------------------------------


@router.get(
    "/units",
    response={200: list[schemas.UnitOut], 422: schemas.ValidationErrorOut},
    tags=["单位"],
    summary="已公开预算的单位",
    description="有已公开预算的单位，按单位编码排序；可按年度、主管部门筛选，按名称、简称、拼音或编码检索。",
    url_name="units",
    operation_id="units_list",
)
@paginate(Pages)
def units_list(
    request,
    year: int | None = Query(
        None, ge=MIN_YEAR, le=MAX_YEAR, description="只列该年度有公开预算的单位"
    ),
    department: str = Query("", max_length=20, description="主管部门编码"),
    q: str = Query(
        "", max_length=100, description="检索：单位名称的一部分、简称、拼音首字母或单位编码"
    ),
    **kwargs,
):
    codes = selectors.api_unit_codes(year=year, department=department.strip(), q=q)
    return selectors.Batched(codes, selectors.api_units)


def _years(versions) -> list[dict]:
    """Versions (newest year first, newest version first) grouped by year, each marked
    whether it is the newest of its submission."""
    latest_of_submission: dict[int, tuple[int, int]] = {}
    for version in versions:
        current = latest_of_submission.get(version.submission_id)
        if current is None or version.version > current[0]:
            latest_of_submission[version.submission_id] = (version.version, version.pk)
    years: dict[int, dict] = {}
    for version in versions:
        latest_id = latest_of_submission[version.submission_id][1]
        entry = years.setdefault(
            version.year, {"year": version.year, "latest_version_id": latest_id, "versions": []}
        )
        entry["versions"].append(_brief(version, latest_id))
    return list(years.values())


@router.get(
    "/units/{unit_code}",
    response={200: schemas.UnitDetailOut, **ERRORS},
    tags=["单位"],
    summary="单位的各年度与版本",
    description="一个单位已公开预算的各年度，每个年度的全部公开版本（最新在前）；已公开决算的年度及其版本另列。",
    url_name="unit",
    operation_id="unit_detail",
)
def unit_detail(request, unit_code: UnitCode):
    versions = selectors.api_unit_versions(unit_code=unit_code)
    budgets = [v for v in versions if v.kind == SubmissionKind.BUDGET]
    # named as its newest budget says (as the unit list does), or its newest 决算 without one
    newest = budgets[0] if budgets else versions[0]
    return {
        "code": newest.unit_code,
        "name": newest.unit_name,
        "department_code": newest.department_code,
        "department_name": newest.department_name,
        "is_department": newest.is_department,
        "years": _years(budgets),
        "final_years": _years([v for v in versions if v.kind == SubmissionKind.FINAL]),
    }


# --- versions ---------------------------------------------------------------------------------


@router.get(
    "/versions",
    response={200: list[schemas.VersionOut], 422: schemas.ValidationErrorOut},
    tags=["版本"],
    summary="已公开的版本",
    description="每个单位每个年度的最新公开版本，最近发布的在前；默认列预算，kind=final 列决算；可按年度、主管部门、单位、是否部门预算筛选。",
    url_name="versions",
    operation_id="versions_list",
)
@paginate(Pages)
def versions_list(
    request,
    year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR, description="预算年度"),
    department: str = Query("", max_length=20, description="主管部门编码"),
    unit_code: str = Query("", max_length=20, description="单位编码"),
    is_department: bool | None = Query(None, description="true 只列部门预算，false 只列单位预算"),
    kind: str = KIND_QUERY,
    **kwargs,
):
    versions = selectors.api_versions(
        year=year,
        department=department.strip(),
        unit_code=unit_code.strip(),
        is_department=is_department,
        kind=kind,
    )
    return selectors.Batched(versions, lambda rows: [_version_out(request, v) for v in rows])


@router.get(
    "/versions/{version_id}",
    response={200: schemas.VersionDetailOut, **ERRORS},
    tags=["版本"],
    summary="一个版本",
    description="版本的基本信息、同一单位同一年度的全部版本，以及发布时保存的文件（含 SHA-256 校验值和下载地址）。",
    url_name="version",
    operation_id="version_detail",
)
def version_detail(request, version_id: VersionId):
    version = selectors.api_version_get(version_id=version_id)
    history = selectors.api_version_history(version=version)
    latest_id = history[0].pk
    current = next(v for v in history if v.pk == version.pk)
    labels = dict(FileKind.choices)
    return {
        **_version_out(request, version),
        "submission_versions": [_brief(v, latest_id) for v in history],
        "latest_version_id": latest_id,
        "table_set": _table_set(version),
        "files": [
            {
                "kind": f.kind,
                "label": labels.get(f.kind, f.kind),
                "file_name": f.file_name,
                "content_type": f.content_type,
                "size": f.size,
                "sha256": f.sha256,
                "url": _absolute(request, reverse("public:file", args=[f.pk, f.file_name])),
            }
            for f in current.files.all()
        ],
    }


def _table_out(table: dict) -> dict:
    return {
        "code": table.get("code", ""),
        "number": table.get("number", 0),
        "label": table.get("label", ""),
        "title": table.get("title", ""),
        "unit_name": table.get("unit_name", ""),
        "money_unit": table.get("money_unit", ""),
        "note": table.get("note") or "",
        "is_empty": bool(table.get("is_empty")),
        "statutory": table["statutory"],
        "columns": table.get("columns") or [],
        "header": table.get("header") or [],
        "rows": [
            {
                "level": row.get("level", 0),
                "code": row.get("code") or "",
                "values": [None if value is None else str(value) for value in row["values"]],
                "display": row.get("display") or [],
            }
            for row in table.get("rows") or ()
        ],
    }


@router.get(
    "/versions/{version_id}/tables",
    response={200: schemas.TablesOut, **ERRORS},
    tags=["版本"],
    summary="一个版本的表格",
    description="发布时保存的数据快照中的全部表格；金额为元的精确小数字符串，显示文字与公开表格一致。",
    url_name="version_tables",
    operation_id="version_tables",
)
def version_tables(request, version_id: VersionId):
    version = selectors.api_version_get(version_id=version_id, with_snapshot=True)
    return {
        "version_id": version.pk,
        "table_set": _table_set(version),
        "tables": [_table_out(t) for t in selectors.api_version_tables(version=version)],
    }


@router.get(
    "/versions/{version_id}/tables/{code}",
    response={200: schemas.TableOut, **ERRORS},
    tags=["版本"],
    summary="一个版本的一张表格",
    description="按表格编码（如 T01）取一张表格。",
    url_name="version_table",
    operation_id="version_table",
)
def version_table(request, version_id: VersionId, code: TableCode):
    version = selectors.api_version_get(version_id=version_id, with_snapshot=True)
    for table in selectors.api_version_tables(version=version):
        if table.get("code") == code:
            return _table_out(table)
    raise Http404("该版本没有这张表格")


@router.get(
    "/versions/{version_id}/figures",
    response={200: schemas.VersionFiguresOut, **ERRORS},
    tags=["版本"],
    summary="一个版本的汇总数字",
    description=(
        "发布时由数据快照汇总的数字：合计、收入来源、资金性质、支出功能分类（类款项）、"
        "部门经济分类（类款）、基本支出与项目支出、“三公”经费、机关运行经费。"
    ),
    url_name="version_figures",
    operation_id="version_figures",
)
def version_figures_get(
    request,
    version_id: VersionId,
    dimension: schemas.Dimension | None = DIMENSION_OPTIONAL,
):
    version = selectors.api_version_get(version_id=version_id, budget_only=True)
    dimensions = (dimension,) if dimension else ()
    figures = version_figures(version_ids=[version.pk], dimensions=dimensions).get(version.pk, {})
    return {
        "version_id": version.pk,
        "dimension": dimension,
        "figures": {key: [_figure(f) for f in rows] for key, rows in figures.items()},
    }


# --- years ------------------------------------------------------------------------------------


@router.get(
    "/years/{year}/figures",
    response={200: schemas.YearFiguresOut, **ERRORS},
    tags=["年度"],
    summary="全县一个年度的汇总数字",
    description="一个维度的数字，按该年度各已公开单位（各取最新版本，不含部门预算）合计；可限于一个主管部门、一个编码前缀（如功能分类的类）。",
    url_name="year_figures",
    operation_id="year_figures",
)
def year_figures_get(
    request,
    year: Year,
    dimension: schemas.Dimension = DIMENSION_REQUIRED,
    department: str = Query("", max_length=20, description="主管部门编码"),
    prefix: str = Query("", max_length=20, description="编码前缀，如 201 只取该类下的款与项"),
):
    selectors.api_year_exists(year=year)
    figures = generation_memo(
        "api_year_figures",
        year,
        dimension,
        department.strip(),
        prefix.strip(),
        compute=lambda: year_figures(
            year=year,
            dimension=dimension,
            department_code=department.strip(),
            prefix=prefix.strip(),
        ),
    )
    return {
        "year": year,
        "dimension": dimension,
        "department": department.strip(),
        "prefix": prefix.strip(),
        "figures": [_figure(f) for f in figures],
    }


@router.get(
    "/years/{year}/overview",
    response={200: schemas.YearOverviewOut, **ERRORS},
    tags=["年度"],
    summary="全县一个年度的总览",
    description="已公开单位数，支出合计、财政拨款、上年结转，按资金性质、按支出功能分类（类）和按主管部门的支出（不含部门预算）。",
    url_name="year_overview",
    operation_id="year_overview",
)
def year_overview(request, year: Year):
    selectors.api_year_exists(year=year)
    overview = generation_memo(
        "api_year_overview", year, compute=lambda: selectors.api_year_overview(year=year)
    )
    return {
        "year": overview.year,
        "units": overview.units,
        "totals": [_figure(f) for f in overview.totals],
        "funds": [_figure(f) for f in overview.funds],
        "functions": [_figure(f) for f in overview.functions],
        "departments": [
            {
                "department_code": d.code,
                "department_name": d.name,
                "units": d.units,
                "expenditure": str(d.expenditure),
            }
            for d in overview.departments
        ],
    }


@router.get(
    "/years/{year}/ledger",
    response={200: schemas.LedgerOut, **ERRORS},
    tags=["年度"],
    summary="一个年度的公开情况",
    description=f"各单位（含部门预算）的批复日期、首次公开日期、所用天数、是否在批复后 {DISCLOSURE_DAYS} 日内公开、是否更正及版本数。",
    url_name="year_ledger",
    operation_id="year_ledger",
)
def year_ledger(request, year: Year):
    selectors.api_year_exists(year=year)
    return {
        "year": year,
        "disclosure_days": DISCLOSURE_DAYS,
        "rows": [
            {
                "version_id": row.version_id,
                "unit_code": row.unit_code,
                "unit_name": row.unit_name,
                "department_code": row.department_code,
                "department_name": row.department_name,
                "is_department": row.is_department,
                "approval_date": row.approval_date,
                "first_published": row.first_published,
                "latest_published": row.latest_published,
                "days": row.days,
                "on_time": row.on_time,
                "corrected": row.corrected,
                "versions": row.versions,
            }
            for row in generation_memo(
                "api_year_ledger", year, compute=lambda: publication_ledger(year=year)
            )
        ],
    }
