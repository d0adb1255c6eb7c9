"""Codes that never block a real file: a well-formed code missing from the year's table, given as
`code##name`, is listed in the import preview (the rest of the file still checked and previewed);
a 财政管理员 accepts it into the year's table (audited: 接收人, 接收时间), after which the same
file imports; a 填报人 is told to ask the bureau and cannot accept (nor can a POST of theirs);
the import stays all or nothing while codes are unknown; the command and the admin page name
the unknown codes."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from tests.factories import submission_create, user_with
from units.budget_excel import LINE_COLUMNS, SHEET_LINES
from units.budget_import import UnknownCodesError, budget_import
from units.decisions import code_accept_refusal
from units.models import BudgetLine, ClassificationCode, CodeScheme
from units.permissions import ADMIN, FILLER, REVIEWER
from units.reference import CodeToAccept
from units.reference_defaults import load_default_reference
from units.services import classification_codes_accept

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = {c.key: c.header for c in LINE_COLUMNS}
FUNC = CodeScheme.FUNCTIONAL
NEW_CODE, NEW_NAME = "2010198", "人大新设事务"
ORPHAN = "2990101"  # its 类 299 is in no table


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def submission():
    load_default_reference(year=2025)
    assert not ClassificationCode.objects.filter(year=2025, code=NEW_CODE).exists()
    return submission_create(year=2025)


@pytest.fixture
def bureau_admin():
    return user_with(ADMIN)


@pytest.fixture
def filler(submission):
    return user_with(FILLER, [submission.unit])


def workbook(rows: list[dict]) -> bytes:
    """A hand-made 预算明细 workbook (no identity): row n of `rows` is sheet row n + 2."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_LINES
    keys = list(HEADERS)
    sheet.append([HEADERS[k] for k in keys])
    for row in rows:
        sheet.append([row.get(k) for k in keys])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def line(func="2010101##行政运行", amount="100.00", dept="30101", kind="基本支出-人员", **extra):
    return {"func": func, "dept": dept, "kind": kind, "amount": amount, **extra}


#: Three lines, two of them (sheet rows 3 and 4) with the unknown code.
WITH_UNKNOWN = [
    line(),
    line(func=f"{NEW_CODE}##{NEW_NAME}", amount="200.00"),
    line(func=f"{NEW_CODE}##{NEW_NAME}", amount="300.00", note="第二笔"),
]


def url(name, submission, **kwargs):
    return reverse(f"desk:{name}", kwargs={"pk": submission.pk, **kwargs})


def previewed(client, submission, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        url("excel_upload", submission, kind="budget"),
        {"file": SimpleUploadedFile("预算.xlsx", data, content_type=XLSX)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    token = response.url.rstrip("/").split("/")[-1]
    page = client.get(response.url)
    assert page.status_code == 200
    return page, token


def accepted_codes():
    return list(
        ClassificationCode.objects.filter(accepted_at__isnull=False).values_list(
            "scheme", "year", "code", "name", "level", "parent_code"
        )
    )


# --- the decision and the service --------------------------------------------------------------


def test_only_a_bureau_admin_may_accept_codes(submission, bureau_admin, filler):
    """财政管理员: allowed; 填报人 and 审核人: told to ask the bureau."""
    assert code_accept_refusal(bureau_admin) is None
    for user in (filler, user_with(REVIEWER, [submission.unit])):
        assert "请联系财政局接收这些科目" in code_accept_refusal(user)


def test_service_creates_codes_with_level_parent_and_audit(submission, bureau_admin):
    """Level and parent come from the code's length; who and when are recorded."""
    created = classification_codes_accept(
        year=2025,
        codes=[
            CodeToAccept(FUNC, NEW_CODE, NEW_NAME),
            CodeToAccept(CodeScheme.GOV_ECONOMIC, "50304", "某机关资本性支出"),
        ],
        user=bureau_admin,
    )

    assert len(created) == 2
    code = ClassificationCode.objects.get(scheme=FUNC, year=2025, code=NEW_CODE)
    assert (code.name, code.level, code.parent_code, code.is_active) == (NEW_NAME, 3, "20101", True)
    assert code.accepted_by == bureau_admin and code.accepted_at is not None
    gov = ClassificationCode.objects.get(scheme=CodeScheme.GOV_ECONOMIC, year=2025, code="50304")
    assert (gov.level, gov.parent_code) == (2, "503")
    assert not ClassificationCode.objects.filter(year=2024, code=NEW_CODE).exists()


def test_service_refuses_a_filler_and_creates_nothing(submission, filler):
    """The service itself refuses anyone but a 财政管理员."""
    with pytest.raises(ValidationError) as info:
        classification_codes_accept(
            year=2025, codes=[CodeToAccept(FUNC, NEW_CODE, NEW_NAME)], user=filler
        )
    assert "请联系财政局接收这些科目" in " ".join(info.value.messages)
    assert accepted_codes() == []


@pytest.mark.parametrize(
    ("code", "name", "reason"),
    [
        (ORPHAN, "无上级的科目", "上级科目“29901”不在2025年科目表中"),
        ("20101981", "位数不对", "级次无法识别"),
        ("2010101", "行政运行", "已在2025年科目表中"),
        ("201019８", "全角数字", "不是纯数字"),
        (NEW_CODE, "=HYPERLINK(1)", "科目名称"),
    ],
)
def test_service_refuses_a_bad_code_and_creates_nothing(
    submission, bureau_admin, code, name, reason
):
    """A code that is malformed, already there or under an unknown 类/款 is refused with a clear
    Chinese message, and the good code beside it is not created either (all or nothing)."""
    with pytest.raises(ValidationError) as info:
        classification_codes_accept(
            year=2025,
            codes=[
                CodeToAccept(CodeScheme.DEPT_ECONOMIC, "30198", "某工资"),
                CodeToAccept(FUNC, code, name),
            ],
            user=bureau_admin,
        )
    assert reason in " ".join(info.value.messages)
    assert accepted_codes() == []


# --- the import --------------------------------------------------------------------------------


def test_import_lists_unknown_codes_and_still_checks_every_other_row(submission):
    """The import is refused (nothing written) with the unknown code and its rows listed, and
    the other rows' own errors are reported in the same refusal."""
    rows = [*WITH_UNKNOWN, line(amount="-5")]
    with pytest.raises(UnknownCodesError) as info:
        budget_import(submission=submission, file=workbook(rows))

    (unknown,) = info.value.unknown
    assert (unknown.scheme, unknown.code, unknown.name, unknown.rows) == (
        FUNC,
        NEW_CODE,
        NEW_NAME,
        (3, 4),
    )
    text = " ".join(info.value.messages)
    assert f"功能科目「{NEW_CODE} {NEW_NAME}」不在2025年支出功能分类科目表中" in text
    assert "请财政管理员在导入预览中接收这个科目" in text
    assert "第5行" in text and "金额不能为负数" in text
    assert not BudgetLine.objects.filter(submission=submission).exists()


def test_unknown_codes_of_a_refusal_are_accepted_and_the_file_then_imports(
    submission, bureau_admin
):
    """The unknown codes a refusal lists are what the service takes; then the same file imports
    (a 项 under 21305, and a 政府经济 款 under 504 at once)."""
    data = workbook(
        [
            line(func="2130599##其他农业农村支出"),
            line(dept="30999##其他基本建设支出", gov="50499##其他资本性支出", kind="项目支出")
            | {"project": "某项目", "category": "特定目标类", "recurrence": "经常性项目"},
        ]
    )
    ClassificationCode.objects.filter(scheme=CodeScheme.GOV_ECONOMIC, code="50499").delete()
    with pytest.raises(UnknownCodesError) as info:
        budget_import(submission=submission, file=data)
    assert [(c.code, c.rows) for c in info.value.unknown] == [("2130599", (2,)), ("50499", (3,))]

    classification_codes_accept(year=2025, codes=info.value.unknown, user=bureau_admin)

    assert budget_import(submission=submission, file=data).lines == 2
    assert ClassificationCode.objects.get(code="50499").parent_code == "504"


def test_bare_or_malformed_unknown_code_is_an_ordinary_error(submission):
    """Without a name (`2010198`), or at a level a line cannot use, a missing code is not
    offered for acceptance: the plain error, as before."""
    for func in (NEW_CODE, "20198##某款"):
        with pytest.raises(ValidationError) as info:
            budget_import(submission=submission, file=workbook([line(func=func)]))
        assert not isinstance(info.value, UnknownCodesError)


def test_filler_preview_lists_the_code_and_says_whom_to_ask(client, submission, filler):
    """The 填报人's preview lists scheme, code, name and rows, shows the rest of the file as it
    would import, offers no 接收这些科目 and no 确认导入; nothing is saved or created."""
    client.force_login(filler)
    page, token = previewed(client, submission, workbook(WITH_UNKNOWN))
    text = page.content.decode()
    preview = page.context["preview"]

    assert [(c.code, c.name, c.rows) for c in preview.unknown_codes] == [
        (NEW_CODE, NEW_NAME, (3, 4))
    ]
    assert not preview.ok and preview.errors == [] and preview.lines_after == 3
    assert (
        "支出功能分类" in text and NEW_CODE in text and NEW_NAME in text and "第3行、第4行" in text
    )
    assert "请联系财政局接收这些科目" in text
    assert "接收这些科目</button>" not in text and "确认导入</button>" not in text
    assert accepted_codes() == [] and not BudgetLine.objects.exists()

    refused = client.post(url("excel_accept_codes", submission, token=token))
    assert refused.status_code == 403
    assert "请联系财政局接收这些科目" in refused.content.decode()
    assert accepted_codes() == []

    confirm = client.post(url("excel_confirm", submission, token=token), {"digest": ""})
    assert confirm.status_code in (400, 403, 409)
    assert not BudgetLine.objects.exists()


def test_preview_with_other_errors_lists_both(client, submission, filler):
    """Unknown codes and ordinary errors together: both listed, no 确认导入."""
    client.force_login(filler)
    page, _ = previewed(client, submission, workbook([*WITH_UNKNOWN, line(amount="-5")]))
    preview = page.context["preview"]
    assert [c.code for c in preview.unknown_codes] == [NEW_CODE]
    assert any("金额不能为负数" in error for error in preview.errors)
    assert "确认导入</button>" not in page.content.decode()


def test_code_under_unknown_parent_is_listed_as_not_acceptable(client, submission, bureau_admin):
    """A code whose 类/款 the table lacks is listed with why it cannot be accepted."""
    client.force_login(bureau_admin)
    page, _ = previewed(
        client, submission, workbook([line(), line(func=f"{ORPHAN}##无上级的科目")])
    )
    (code,) = page.context["preview"].unknown_codes
    assert "上级科目“29901”不在2025年科目表中" in code.refusal
    assert "接收这些科目</button>" not in page.content.decode()


def test_admin_accepts_and_the_filler_then_imports(client, submission, filler, bureau_admin):
    """The 财政管理员 uploads the unit's file, presses 接收这些科目: the code is in the year's
    table with 接收人/接收时间, the preview has no unknown code (and no 确认导入 for the admin);
    the 填报人's own preview then shows none either and 确认导入 imports every line."""
    data = workbook(WITH_UNKNOWN)
    filler_client = client
    filler_client.force_login(filler)
    filler_page, filler_token = previewed(filler_client, submission, data)
    assert filler_page.context["preview"].unknown_codes

    client = Client()  # the 财政管理员's own browser; the 填报人 keeps theirs
    client.force_login(bureau_admin)
    section = client.get(url("excel", submission)).content.decode()
    assert "预览导入" in section and "导入须由本单位填报人确认" in section
    page, token = previewed(client, submission, data)
    assert "接收这些科目</button>" in page.content.decode()
    response = client.post(url("excel_accept_codes", submission, token=token))
    assert response.status_code == 302
    again = client.get(response.url)
    assert "已把 1 个科目接收进2025年科目表" in again.content.decode()
    assert again.context["preview"].unknown_codes == []
    assert again.context["preview"].ok
    assert "确认导入</button>" not in again.content.decode()
    assert accepted_codes() == [(FUNC, 2025, NEW_CODE, NEW_NAME, 3, "20101")]
    assert ClassificationCode.objects.get(code=NEW_CODE).accepted_by == bureau_admin
    refused = client.post(url("excel_confirm", submission, token=token))
    assert refused.status_code == 403 and "不能导入" in refused.content.decode()
    assert not BudgetLine.objects.exists()

    page = filler_client.get(url("excel_preview", submission, token=filler_token))
    preview = page.context["preview"]
    assert preview.ok and preview.unknown_codes == []
    assert "确认导入</button>" in page.content.decode()
    confirmed = filler_client.post(
        url("excel_confirm", submission, token=filler_token), {"digest": preview.digest}
    )
    assert confirmed.status_code == 302
    lines = BudgetLine.objects.filter(submission=submission).select_related("func_code")
    assert sorted((ln.func_code.code, str(ln.amount)) for ln in lines) == [
        ("2010101", "100.00"),
        (NEW_CODE, "200.00"),
        (NEW_CODE, "300.00"),
    ]


def test_accepted_codes_survive_loading_the_bundle_again(submission, bureau_admin):
    """`load_reference` at every start never retires a code accepted from a file."""
    classification_codes_accept(
        year=2025, codes=[CodeToAccept(FUNC, NEW_CODE, NEW_NAME)], user=bureau_admin
    )
    load_default_reference(year=2025)
    code = ClassificationCode.objects.get(scheme=FUNC, year=2025, code=NEW_CODE)
    assert code.is_active and code.accepted_by == bureau_admin
    assert not load_default_reference(year=2025).skipped_schemes


def test_command_names_the_unknown_codes(submission, tmp_path):
    """import_budget refuses the file, naming each unknown code with its rows, and writes nothing."""
    path = tmp_path / "预算.xlsx"
    path.write_bytes(workbook(WITH_UNKNOWN))
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何预算明细"):
        call_command(
            "import_budget",
            "--unit",
            submission.unit.code,
            "--year",
            "2025",
            str(path),
            stderr=err,
            stdout=io.StringIO(),
        )
    assert (
        f"文件中有 1 个科目不在2025年科目表中：支出功能分类 {NEW_CODE} {NEW_NAME}（第3、4行）"
        in (err.getvalue())
    )
    assert not BudgetLine.objects.exists()


def test_admin_code_list_shows_who_accepted(client, submission, bureau_admin):
    """The admin list of codes has 接收人 and 接收时间 columns."""
    classification_codes_accept(
        year=2025, codes=[CodeToAccept(FUNC, NEW_CODE, NEW_NAME)], user=bureau_admin
    )
    superuser = user_with(ADMIN, name="root")
    superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    page = client.get(
        reverse("admin:units_classificationcode_changelist") + f"?q={NEW_CODE}"
    ).content.decode()
    assert "接收人" in page and "接收时间" in page and bureau_admin.username in page


def test_admin_import_page_names_the_unknown_codes(client, submission):
    """The admin's 预算明细 import page refuses the file, naming the unknown code and its rows
    before the located errors, and saves nothing."""
    superuser = user_with(ADMIN, name="boss")
    superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    upload = io.BytesIO(workbook(WITH_UNKNOWN))
    upload.name = "budget.xlsx"
    response = client.post(
        reverse("units_budget_import"), {"submission": submission.pk, "file": upload}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f"支出功能分类 {NEW_CODE} {NEW_NAME}（第3、4行）" in page
    assert "「预算明细」表 第3行 A列（功能科目）" in page
    assert not BudgetLine.objects.exists()


def test_every_shipped_year_has_all_code_lists(client):
    """`load_reference` without `--year` loads every shipped year, so each year's template has
    its code sheets: no scheme is empty in 2024, 2025 or 2026."""
    from tables.desk.import_selectors import year_codes

    call_command("load_reference", stdout=io.StringIO())
    for year in (2024, 2025, 2026):
        codes = year_codes(year)
        assert codes.ready and codes.functional > 500 and codes.economic > 150, year
