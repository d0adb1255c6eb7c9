"""CSV/formula injection: text a spreadsheet would run as a formula is refused where people type
it (admin forms, workflow reasons) with the Chinese message and nothing saved; text that got in
anyway (entered before the rule, or written past entry) comes out inert in every CSV the product
writes (table downloads, the published T01…T14 zip, the open-data package, the stored budget CSV
and the public bulk CSV of a year, even from a file stored before the rule), and is never a
formula in any workbook. The shared rules of `units.formula_text` and the one CSV writer
(`tables.document.render.csv`) are tested on their own first."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from performance.framework import default_framework
from performance.models import Indicator, IndicatorCategory, ProjectTarget
from performance.services import targets_export_workbook
from tables.document.build import document_build
from tables.document.render import csv as csv_render
from tables.document.render.xlsx import disclosure_workbook
from tables.figures.registry import BUILDERS
from tables.models import FileKind, PublishedFile
from tables.publication import opendata, opendata_fields
from tables.publication.services import submission_publish
from tests.admin_forms import change_form_data, prefix_of
from tests.factories import (
    budget_unit_create,
    project_target_create,
    submission_create,
    synthetic_budget,
    user_with,
)
from units.budget_import import budget_export_workbook
from units.formula_text import csv_cell_neutralise, formula_text_error, validate_not_formula
from units.models import (
    BudgetLine,
    BudgetUnit,
    ClassificationCode,
    Department,
    Project,
    SubmissionStatus,
    SubmissionText,
)
from units.permissions import ADMIN, FILLER, REVIEWER
from units.services import (
    TransitionRefused,
    submission_texts_initialise,
    submission_transition,
)

HYPERLINK = '=HYPERLINK("http://x","y")'
#: what a spreadsheet evaluates at the start of a cell
FORMULA_INITIALS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
REFUSED = "开头（电子表格会把它当作公式执行）"


# --- helpers -------------------------------------------------------------------------------------


def csv_cells(content: bytes) -> list[str]:
    """Every cell of a UTF-8 CSV (BOM or not), read back with the csv module."""
    text = bytes(content).decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def live_cells(cells) -> list[str]:
    """Cells a spreadsheet would evaluate: beginning with = + - @ tab CR, not a plain number."""
    return [c for c in cells if c.startswith(FORMULA_INITIALS) and not PLAIN_NUMBER.fullmatch(c)]


def assert_inert(cells: list[str], *hostile: str) -> None:
    assert live_cells(cells) == []
    for value in hostile:
        assert "'" + value in cells, value


def workbook_formulas(content: bytes) -> list[str]:
    """Coordinates of formula cells in an .xlsx, read back with openpyxl."""
    workbook = load_workbook(io.BytesIO(bytes(content)))
    return [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def workbook_texts(content: bytes) -> set[str]:
    workbook = load_workbook(io.BytesIO(bytes(content)))
    return {
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }


def stored(version, kind) -> bytes:
    return bytes(version.files.get(kind=kind).content)


def zip_files(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def hostile_data(submission) -> dict[str, str]:
    """Formula-like text written past entry (queryset updates skip validation) into the names
    the CSVs carry: a project, a second project, the unit, its department and the 功能科目 of
    a budget line. Returns what was written, by place."""
    projects = list(
        Project.objects.filter(submission=submission, lines__isnull=False)
        .distinct()
        .order_by("position", "id")
    )
    line = BudgetLine.objects.filter(submission=submission).order_by("id").first()
    values = {
        "project": HYPERLINK,
        "project_cr": "\r=cmd|' /C calc'!A0",
        "unit": "-2+3",
        "department": "@SUM(1+1)",
        "code": "\t=1+1",
    }
    Project.objects.filter(pk=projects[0].pk).update(name=values["project"])
    Project.objects.filter(pk=projects[1].pk).update(name=values["project_cr"])
    BudgetUnit.objects.filter(pk=submission.unit_id).update(name=values["unit"])
    Department.objects.filter(pk=submission.unit.department_id).update(name=values["department"])
    ClassificationCode.objects.filter(pk=line.func_code_id).update(name=values["code"])
    submission.unit.refresh_from_db()
    return values


# --- units.formula_text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (HYPERLINK, "“=”"),
        ("+86 10 1234", "“+”"),
        ("@SUM(A1)", "“@”"),
        ("\t=1+1", "制表符"),
        ("\r=1+1", "回车符"),
    ],
)
def test_formula_text_error_names_the_refused_first_character(value, named):
    """Text beginning with = + @ tab or CR is refused, the message naming that character."""
    error = formula_text_error(value)
    assert error is not None and error.startswith(f"不能以{named}开头") and REFUSED in error
    with pytest.raises(ValidationError) as raised:
        validate_not_formula(value)
    assert raised.value.code == "formula_text" and raised.value.messages == [error]


@pytest.mark.parametrize(
    "value", ["项目名称", "-", "—说明", "-12.50", "1=1", "", " =x", "'=x", None, 12, Decimal("-1")]
)
def test_ordinary_text_is_allowed_at_entry(value):
    """Ordinary text, a leading "-" (ordinary Chinese text), a formula sign later in the text and
    non-text values pass the entry rule."""
    assert formula_text_error(value) is None
    validate_not_formula(value)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+1", "+1"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("-", "'-"),
        ("-1e5", "'-1e5"),
        ("-１", "'-１"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-12.50", "-12.50"),
        ("12.50", "12.50"),
        ("'=x", "'=x"),
        ("a=b", "a=b"),
        ("", ""),
        (None, None),
        (Decimal("-1.50"), Decimal("-1.50")),
    ],
)
def test_csv_cell_neutralise(value, written):
    """A cell beginning with = + - @ tab CR gets an apostrophe unless it is a plain decimal
    number; anything else, an already neutralised cell included, is unchanged."""
    assert csv_cell_neutralise(value) == written


# --- the one CSV writer --------------------------------------------------------------------------


def test_writer_writes_ordinary_data_as_the_csv_module_does():
    """For ordinary data the writer's bytes are csv.writer's / csv.DictWriter's (CRLF, minimal
    quoting), header, BOM and missing dict keys included; unknown keys are an error."""
    rows = [["表一", "1,175.95", 'a "q"', "两行\r\n文字", None, -3, "-12.50"], ["", "x"]]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    assert csv_render.csv_bytes(rows, bom=True) == ("\ufeff" + buffer.getvalue()).encode()

    dicts = [{"a": "1", "b": "名称"}, {"a": "2"}]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["a", "b"], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(dicts)
    assert csv_render.csv_bytes(dicts, fieldnames=["a", "b"]) == buffer.getvalue().encode()
    with pytest.raises(ValueError, match="c"):
        csv_render.csv_bytes([{"a": "1", "c": "2"}], fieldnames=["a", "b"])


_cell_text = st.text(alphabet=st.sampled_from(list("=+-@\t\r\n,\"'a1. 名")), max_size=6)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(_cell_text, min_size=2, max_size=4), min_size=1, max_size=4))
def test_rewriting_a_stored_csv_equals_writing_it_now(rows):
    """A CSV written without the rule, re-written by `csv_neutralised`, is byte for byte what the
    writer writes now and has no live cell; when nothing needed the apostrophe the same bytes
    come back."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    old = buffer.getvalue().encode()
    assert csv_render.csv_neutralised(old) == csv_render.csv_bytes(rows)
    assert live_cells(csv_cells(csv_render.csv_neutralised(old))) == []
    assert csv_render.csv_neutralised(b"\xef\xbb\xbf" + old) == csv_render.csv_bytes(rows, bom=True)
    if csv_cells(old) == [csv_cell_neutralise(c) for c in csv_cells(old)]:
        assert csv_render.csv_neutralised(old) == old


# --- entry refuses formula-like text ---------------------------------------------------------


@pytest.fixture
def draft(db):
    """A synthetic draft with projects and texts, and its 填报人."""
    submission = submission_create(unit=budget_unit_create(name="录入单位"))
    synthetic_budget(submission, 12)
    submission_texts_initialise(submission=submission)
    return submission, user_with(FILLER, [submission.unit])


FREE_TEXT_FIELDS = {
    "units.ClassificationCode": ["name"],
    "units.Department": ["name"],
    "units.BudgetUnit": ["name", "duties", "organisation"],
    "units.Project": ["name", "allocation_note"],
    "units.BudgetLine": ["note"],
    "units.ProcurementItem": ["name"],
    "units.PurchasedService": ["project_name", "content", "quantity"],
    "units.SubmissionText": [
        f.name for f in SubmissionText._meta.fields if f.get_internal_type() == "TextField"
    ],
    "units.GlossaryTerm": ["term", "definition"],
    "units.StatusChange": ["reason"],
    "performance.IndicatorFramework": ["name"],
    "performance.IndicatorCategory": ["name"],
    "performance.UnitTarget": ["strategic_goal", "annual_goal", "leader", "handler", "phone"],
    "performance.KeyTask": ["function", "tasks"],
    "performance.ProjectTarget": [
        "implementer",
        "overview",
        "basis",
        "necessity",
        "measures",
        "plan",
        "goal_period",
        "goal_year",
        "leader",
        "handler",
        "phone",
    ],
    "performance.Indicator": ["name", "text"],
}


@pytest.mark.parametrize("label", sorted(FREE_TEXT_FIELDS))
def test_every_free_text_field_refuses_formula_text(label):
    """Each typed free-text field of the models (and of their history) refuses "\t=1" with the
    Chinese message, so every model form and every full_clean does."""
    from django.apps import apps

    model = apps.get_model(label)
    history = getattr(model, "history", None)
    for name in FREE_TEXT_FIELDS[label]:
        with pytest.raises(ValidationError, match="不能以制表符开头"):
            model._meta.get_field(name).run_validators("\t=1")
        if history is not None:
            with pytest.raises(ValidationError, match="不能以“=”开头"):
                history.model._meta.get_field(name).run_validators("=1")


def test_admin_refuses_a_formula_project_name_and_saves_nothing(client, draft):
    """=HYPERLINK(…) typed as a project name on the submission page is refused with the Chinese
    message on the field; nothing is saved, not even the valid change posted with it."""
    submission, filler = draft
    client.force_login(filler)
    url = reverse("admin:units_submission_change", args=[submission.pk])
    data = change_form_data(client, url)
    projects = prefix_of(data, "projects")
    texts = prefix_of(data, "texts")
    data[f"{projects}-0-name"] = HYPERLINK
    data[f"{texts}-0-other_notes"] = "改过的说明"
    before = list(Project.objects.filter(submission=submission).values_list("name", flat=True))

    response = client.post(url, data)
    assert response.status_code == 200
    assert "不能以“=”开头（电子表格会把它当作公式执行）" in response.content.decode()
    assert list(Project.objects.filter(submission=submission).values_list("name", flat=True)) == (
        before
    )
    assert SubmissionText.objects.get(submission=submission).other_notes != "改过的说明"


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("revenue_change_reason", "+5%，主要是人员增加", "“+”"),
        ("duties", "@负责本单位工作", "“@”"),
        # the form strips the leading tab; what is left is still refused
        ("other_notes", "\t=1+1", "“=”"),
    ],
)
def test_admin_refuses_formula_texts(client, draft, field, value, named):
    """情况说明 texts beginning with + @ or (after a tab) = are refused with the message naming
    the character."""
    submission, filler = draft
    client.force_login(filler)
    url = reverse("admin:units_submission_change", args=[submission.pk])
    data = change_form_data(client, url)
    data[f"{prefix_of(data, 'texts')}-0-{field}"] = value
    response = client.post(url, data)
    assert response.status_code == 200
    assert f"不能以{named}开头" in response.content.decode()
    assert getattr(SubmissionText.objects.get(submission=submission), field) != value


def test_target_admin_refuses_formula_texts_and_indicators(client, draft):
    """On the project target page, an overview "@x" and a new indicator "=HYPERLINK(…)" / "=5个"
    are refused in Chinese; nothing is saved."""
    submission, filler = draft
    project = Project.objects.filter(submission=submission, allocation_of=None).first()
    target = project_target_create(project)
    client.force_login(filler)
    url = reverse("admin:performance_projecttarget_change", args=[target.pk])
    response = client.get(url)
    year_prefix = next(
        inline.formset.prefix
        for inline in response.context["inline_admin_formsets"]
        if inline.opts.verbose_name == "年度指标"
    )
    data = change_form_data(client, url)
    data["overview"] = "@x"
    index = int(data[f"{year_prefix}-TOTAL_FORMS"])
    data[f"{year_prefix}-TOTAL_FORMS"] = str(index + 1)
    quantity = IndicatorCategory.objects.get(
        framework=default_framework(), parent__name="产出指标", name="数量指标"
    )
    data |= {
        f"{year_prefix}-{index}-category": str(quantity.pk),
        f"{year_prefix}-{index}-name": HYPERLINK,
        f"{year_prefix}-{index}-text": "=5个",
        f"{year_prefix}-{index}-position": "1",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "不能以“@”开头" in content and content.count("不能以“=”开头") >= 2
    target.refresh_from_db()
    assert target.overview == "概况" and not Indicator.objects.filter(project_target=target)


def test_a_formula_reason_is_refused_by_the_workflow(demo_approved):
    """退回 with a reason beginning with "=" is refused with the Chinese message; the
    submission stays 已审核 and no status change is recorded."""
    submission, people = demo_approved
    changes = submission.status_changes.count()
    with pytest.raises(TransitionRefused, match="原因不能以“=”开头"):
        submission_transition(
            submission_id=submission.pk,
            actor=people[REVIEWER],
            to_status=SubmissionStatus.RETURNED,
            reason=HYPERLINK,
        )
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.APPROVED
    assert submission.status_changes.count() == changes


# --- every CSV: what got in comes out inert --------------------------------------------------------


def test_formula_text_comes_out_inert_in_every_csv(demo_approved, client, fast_pdf):
    """Formula-like names written past entry (=, -, @, tab, CR) come out with the apostrophe, and
    no cell a spreadsheet would evaluate, in the table CSV downloads, the published T01…T14 zip,
    the three open-data CSVs, the stored budget CSV and the bulk CSV of the year; the package
    and the year's datapackage.json document the rule and still validate."""
    submission, people = demo_approved
    hostile = hostile_data(submission)
    in_tables = (hostile["project"], hostile["project_cr"], hostile["unit"], hostile["code"])

    client.force_login(people[ADMIN])
    downloaded = []
    for code in sorted(BUILDERS):
        response = client.get(
            reverse("tables:table_csv", kwargs={"pk": submission.pk, "code": code})
        )
        assert response.status_code == 200, code
        downloaded += csv_cells(response.content)
    assert_inert(downloaded, *in_tables)

    version = submission_publish(submission_id=submission.pk, actor=people[ADMIN])
    tables_zip = zip_files(stored(version, FileKind.CSV))
    assert sorted(tables_zip) == [f"{code}.csv" for code in sorted(BUILDERS)]
    assert_inert([c for content in tables_zip.values() for c in csv_cells(content)], *in_tables)

    package = zip_files(stored(version, FileKind.OPENDATA))
    descriptor = json.loads(package.pop("datapackage.json"))
    assert opendata.schema_errors(opendata_fields.DATAPACKAGE_SCHEMA_NAME, descriptor) == []
    assert opendata_fields.FORMULA_ESCAPE_NOTE in descriptor["description"]
    resources = {r["name"]: r for r in descriptor["resources"]}
    for resource in resources.values():
        assert resource["formulaEscape"]["prefix"] == "'"
        assert resource["formulaEscape"]["initials"] == list(FORMULA_INITIALS)
        assert "单引号" in resource["description"]
    every = hostile.values()
    assert_inert(csv_cells(package[resources["budget"]["path"]]), *every)
    assert_inert(
        csv_cells(package[resources["table_cells"]["path"]]),
        hostile["unit"],
        hostile["department"],
        hostile["project"],
    )
    assert_inert(
        csv_cells(package[resources["narrative_figures"]["path"]]),
        hostile["unit"],
        hostile["department"],
    )
    assert stored(version, FileKind.DATA_CSV) == package[resources["budget"]["path"]]
    assert_inert(csv_cells(stored(version, FileKind.DATA_CSV)), *every)

    client.logout()
    response = client.get(reverse("public:year_csv", args=[2025]))
    assert response.status_code == 200
    assert_inert(csv_cells(b"".join(response.streaming_content)), *every)
    year = client.get(reverse("public:year_datapackage", args=[2025])).json()
    assert opendata.schema_errors(opendata_fields.DATAPACKAGE_SCHEMA_NAME, year) == []
    assert year["resources"][0]["formulaEscape"]["prefix"] == "'"


def test_bulk_csv_neutralises_a_file_stored_before_the_rule(db, fast_pdf, client, monkeypatch):
    """A budget CSV stored before formula-like cells were neutralised (simulated by publishing
    with the apostrophe switched off) stays as stored, and the bulk CSV serves its rows with the
    apostrophe; the other unit's ordinary rows come through byte for byte."""
    admin = user_with(ADMIN, name="publisher")
    old_submission, plain_submission = (
        submission_create(
            unit=budget_unit_create(code=code, name=name), status=SubmissionStatus.APPROVED
        )
        for code, name in (("701", "旧规则单位"), ("702", "普通单位"))
    )
    for submission in (old_submission, plain_submission):
        synthetic_budget(submission, 8)
    first = Project.objects.filter(submission=old_submission).order_by("id").first()
    Project.objects.filter(pk=first.pk).update(name=HYPERLINK)

    with monkeypatch.context() as patch:
        patch.setattr(csv_render, "csv_cell_neutralise", lambda value: value)
        old = submission_publish(submission_id=old_submission.pk, actor=admin)
    plain = submission_publish(submission_id=plain_submission.pk, actor=admin)
    old_file = old.files.get(kind=FileKind.DATA_CSV)
    assert HYPERLINK in csv_cells(old_file.content) and live_cells(csv_cells(old_file.content))

    response = client.get(reverse("public:year_csv", args=[2025]))
    content = b"".join(response.streaming_content)
    assert_inert(csv_cells(content), HYPERLINK)
    assert opendata.csv_body(stored(plain, FileKind.DATA_CSV)) in content
    unchanged = PublishedFile.objects.get(pk=old_file.pk)
    assert bytes(unchanged.content) == bytes(old_file.content)
    assert unchanged.sha256 == old_file.sha256


# --- workbooks: never a formula ----------------------------------------------------------------


def test_no_workbook_holds_a_formula(demo_approved, fast_pdf):
    """With formula-like names, target texts and indicator values in the data, openpyxl finds no
    formula cell in the disclosure workbook (draft and published), the budget export or the
    targets export, and the hostile texts are there as text."""
    submission, people = demo_approved
    hostile_data(submission)
    target = ProjectTarget.objects.filter(project__submission=submission).order_by("id").first()
    ProjectTarget.objects.filter(pk=target.pk).update(
        overview="=1+1", basis="+1", necessity="@x", measures="\t=2", plan="-1+1"
    )
    indicator = Indicator.objects.filter(project_target=target).order_by("id").first()
    Indicator.objects.filter(pk=indicator.pk).update(name=HYPERLINK, text="=5个")

    draft_workbook = disclosure_workbook(document_build(submission=submission))
    budget_workbook = budget_export_workbook(submission=submission)
    targets_workbook = targets_export_workbook(submission=submission)
    version = submission_publish(submission_id=submission.pk, actor=people[ADMIN])
    published_workbook = stored(version, FileKind.XLSX)

    for content in (draft_workbook, budget_workbook, targets_workbook, published_workbook):
        assert workbook_formulas(content) == []
        assert HYPERLINK in workbook_texts(content)
    assert {"=1+1", "+1", "@x", "=5个"} <= workbook_texts(targets_workbook)
