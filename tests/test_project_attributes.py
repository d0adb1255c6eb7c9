"""项目类别 and 项目属性 are needed only by a table set that prints them (shanxi-2025's 表十二 and
表十三): under shanghai or mof-department a project may leave them blank — in a workbook imported
on the desk, on the desk's forms — and its tables derive; under shanxi-2025 the import and the
forms refuse a blank one, naming it, and R13 reports a project that slipped in another way."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tables.desk.import_kinds import BUDGET, KINDS, budget_import_for_year
from tables.document.disclosure import disclosure_derive
from tables.figures.tablesets import SHANGHAI, SHANXI
from tables.models import YearSettings
from tests.budget_workbooks import column_of, state
from tests.factories import user_with
from units.budget_excel import SHEET_LINES
from units.budget_import import budget_import
from units.models import Project
from units.permissions import FILLER
from units.selectors import submission_queryset

pytestmark = pytest.mark.django_db


def _blank_attributes(data: bytes) -> bytes:
    """The workbook with every 项目类别 and 项目属性 cell of 预算明细 emptied."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[SHEET_LINES]
    for header in ("项目类别", "项目属性"):
        column = column_of(sheet, header)
        for row in range(2, sheet.max_row + 1):
            sheet.cell(row, column).value = None
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _choose(year: int, table_set: str) -> None:
    YearSettings.objects.update_or_create(year=year, defaults={"table_set": table_set})


def _fresh(submission):
    return submission_queryset().get(pk=submission.pk)


def test_the_sets_say_whether_they_need_the_attributes():
    assert SHANXI.needs_project_attributes is True
    assert SHANGHAI.needs_project_attributes is False
    assert KINDS[BUDGET].run is budget_import_for_year


def test_shanghai_year_imports_blank_attributes_and_its_tables_derive(demo, exported):
    _choose(demo.year, "shanghai")
    report = budget_import_for_year(submission=demo, file=_blank_attributes(exported))
    assert report.lines == 53 and len(report.projects_updated) == 24
    projects = Project.objects.filter(submission=demo)
    assert set(projects.values_list("category", "recurrence")) == {("", "")}
    derived = disclosure_derive(submission=_fresh(demo))
    assert derived.table_set.name == "shanghai"
    assert list(derived.set_tables) == list(SHANGHAI.codes)
    assert not [f for f in derived.findings if f.rule_id == "R13"]
    # the Shanxi derivations the checks read still build, printing the blank as ""
    assert derived.tables["T12"].rows


def test_shanxi_year_refuses_the_same_workbook_naming_the_row(demo, exported):
    data = _blank_attributes(exported)
    before = state(demo)
    with pytest.raises(ValidationError) as info:
        budget_import_for_year(submission=demo, file=data)
    assert state(demo) == before
    messages = info.value.messages
    first = Project.objects.filter(submission=demo).order_by("position", "id").first()
    assert any(
        "第" in m
        and "行" in m
        and f"项目「{first.name}」" in m
        and "没有填写项目类别、项目属性" in m
        for m in messages
    ), messages
    # the units layer's own default (admin page, import_budget) stays strict
    with pytest.raises(ValidationError):
        budget_import(submission=demo, file=data)
    assert state(demo) == before


def test_units_import_accepts_blank_when_told(demo, exported):
    report = budget_import(
        submission=demo, file=_blank_attributes(exported), project_attributes_required=False
    )
    assert report.lines == 53


def test_desk_upload_of_a_shanghai_year_previews_and_confirms(
    client, demo, exported, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _choose(demo.year, "shanghai")
    client.force_login(user_with(FILLER, [demo.unit]))
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = reverse("desk:excel_upload", kwargs={"pk": demo.pk, "kind": "budget"})
    response = client.post(
        upload, {"file": SimpleUploadedFile("预算.xlsx", _blank_attributes(exported))}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response.url)
    assert page.status_code == 200 and page.context["preview"].ok
    token = response.url.rstrip("/").split("/")[-1]
    confirm = reverse("desk:excel_confirm", kwargs={"pk": demo.pk, "token": token})
    assert client.post(confirm, {"digest": page.context["preview"].digest}).status_code == 302
    assert not Project.objects.filter(submission=demo).exclude(category="").exists()


def _one_blank(demo) -> Project:
    project = Project.objects.filter(submission=demo).order_by("position", "id").first()
    Project.objects.filter(pk=project.pk).update(recurrence="")
    return project


def test_r13_fires_for_a_blank_attribute_under_shanxi(demo):
    project = _one_blank(demo)
    findings = [
        f for f in disclosure_derive(submission=_fresh(demo)).findings if f.rule_id == "R13"
    ]
    assert len(findings) == 1
    assert findings[0].severity == "错误"
    assert f"项目「{project.name}」没有填写项目属性" in findings[0].message
    assert "补填" in findings[0].message


def test_r13_is_silent_under_shanghai(demo):
    _one_blank(demo)
    _choose(demo.year, "shanghai")
    assert not [
        f for f in disclosure_derive(submission=_fresh(demo)).findings if f.rule_id == "R13"
    ]
    # a set asked for by name decides too
    named = disclosure_derive(submission=_fresh(demo), table_set="shanghai")
    assert not [f for f in named.findings if f.rule_id == "R13"]


def test_no_blank_attribute_no_set_lookup(demo):
    """The set is looked up only when a project lacks an attribute: the usual derive asks
    nothing more."""
    fresh = _fresh(demo)
    with CaptureQueriesContext(connection) as queries:
        disclosure_derive(submission=fresh)
    assert not [q for q in queries if "tables_yearsettings" in q["sql"]]
    _one_blank(demo)
    fresh = _fresh(demo)
    with CaptureQueriesContext(connection) as queries:
        derived = disclosure_derive(submission=fresh)
        assert derived.table_set.name == SHANXI.name  # resolved once, not again
    assert len([q for q in queries if "tables_yearsettings" in q["sql"]]) == 1


# --- the desk's project forms ------------------------------------------------------------------


def _new_project(client, demo, **fields):
    client.force_login(user_with(FILLER, [demo.unit]))
    return client.post(
        reverse("desk:projects", kwargs={"pk": demo.pk}),
        {"name": "新的项目", "period_years": "1", **fields},
    )


def test_project_page_requires_the_attributes_under_shanxi(client, demo):
    response = _new_project(client, demo, category="", recurrence="")
    assert response.status_code == 200
    text = response.content.decode()
    assert "请选择项目类别" in text and "请选择项目属性" in text
    assert not Project.objects.filter(name="新的项目").exists()


def test_project_page_leaves_them_optional_under_shanghai(client, demo):
    _choose(demo.year, "shanghai")
    response = _new_project(client, demo, category="", recurrence="")
    assert response.status_code == 302
    project = Project.objects.get(name="新的项目")
    assert (project.category, project.recurrence) == ("", "")
    page = client.get(reverse("desk:projects", kwargs={"pk": demo.pk}))
    assert page.status_code == 200 and "新的项目" in page.content.decode()


def _line_with_new_project(client, demo, **fields):
    line = demo.lines.exclude(project=None).select_related("func_code", "dept_econ_code").first()
    client.force_login(user_with(FILLER, [demo.unit]))
    return client.post(
        reverse("desk:lines", kwargs={"pk": demo.pk}),
        {
            "func": f"{line.func_code.code} {line.func_code.name}",
            "dept": line.dept_econ_code.code,
            "gov": "",
            "expense_kind": line.expense_kind,
            "fund_source": line.fund_source,
            "amount": "100",
            "note": "新增",
            "project": "new",
            "new_project_name": "线上新建项目",
            **fields,
        },
    )


def test_line_form_new_project_follows_the_set(client, demo):
    refused = _line_with_new_project(client, demo, new_project_category="operating")
    assert refused.status_code == 422
    assert "请选择项目属性" in refused.content.decode()
    assert not Project.objects.filter(name="线上新建项目").exists()
    _choose(demo.year, "shanghai")
    assert _line_with_new_project(client, demo).status_code == 302
    project = Project.objects.get(name="线上新建项目")
    assert (project.category, project.recurrence) == ("", "")


def test_narrative_splits_by_category_only_what_has_one(demo, exported):
    """Section 十 says 「其中：其他运转类…」 only for projects with a 项目类别: none with one, no
    split; some without, counted apart."""
    from performance.derive import performance_figures
    from performance.selectors import target_data_load
    from tables.document.build import target_summary
    from tables.document.narrative.entered_sections import performance_section
    from tables.figures.load import budget_data_load

    def section_text():
        fresh = _fresh(demo)
        data = budget_data_load(submission=fresh)
        summary = target_summary(performance_figures(data, target_data_load(submission=fresh)))
        return repr(performance_section(year=2025, unit="本单位", targets=summary))

    assert "其中：其他运转类项目" in section_text()
    one = Project.objects.filter(submission=demo, allocation_of=None).order_by("position").first()
    Project.objects.filter(pk=one.pk).update(category="")
    assert "未填项目类别的项目1个" in section_text()
    Project.objects.filter(submission=demo).update(category="")
    text = section_text()
    assert "纳入绩效目标管理的二级项目" in text and "其中：" not in text and "项目0个" not in text
