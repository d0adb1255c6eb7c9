"""Importing classification codes into the database: the bundled starter lists and mappings
(`units.reference_defaults.load_default_reference`), the import of an official list and its
report (`units.reference.import_codes`: added, renamed, retired, reactivated; never deleted),
and the `import_codes` and `load_reference` commands. Reading the files themselves is tested in
`tests/test_reference_files.py`."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.code_lists import DEPT, FUNC, GOV, SMALL_FUNC, messages_of, write_csv, write_xlsx
from units.management.commands.import_codes import Command as ImportCodesCommand
from units.models import (
    BudgetLine,
    BudgetUnit,
    ClassificationCode,
    Department,
    EconomicMapping,
    ExpenseKind,
    Submission,
    UnitKind,
)
from units.reference import ParsedCode, import_codes, parse_code_file
from units.reference_defaults import (
    REFERENCE_DATA_DIR,
    SHIPPED_YEARS,
    STARTER_VERSION,
    load_default_reference,
)


def csv_rows(filename):
    with open(REFERENCE_DATA_DIR / filename, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


#: How many rows each bundled file holds (the counts the tests expect after loading one year).
N_FUNC = len(csv_rows("functional_classification.csv"))
N_DEPT = len(csv_rows("dept_economic_classification.csv"))
N_GOV = len(csv_rows("gov_economic_classification.csv"))
N_ADMIN = len(csv_rows("econ_mapping_admin.csv"))
N_INSTITUTION = len(csv_rows("econ_mapping_institution.csv"))


def snapshot():
    return list(
        ClassificationCode.objects.order_by("scheme", "year", "code").values_list(
            "scheme", "year", "code", "name", "level", "parent_code", "is_active", "version"
        )
    )


def import_file(path, *, scheme=FUNC, year=2026, version=""):
    rows = parse_code_file(path_or_file=path, scheme=scheme)
    return import_codes(scheme=scheme, year=year, rows=rows, version=version)


# --- bundled starter data ------------------------------------------------------------------


@pytest.mark.django_db
def test_load_default_reference_counts_match_bundled_csvs():
    """Loading the defaults creates one active code per CSV row and one mapping per pair."""
    load_default_reference(year=2025)

    for scheme, filename in [
        (FUNC, "functional_classification.csv"),
        (DEPT, "dept_economic_classification.csv"),
        (GOV, "gov_economic_classification.csv"),
    ]:
        expected = csv_rows(filename)
        codes = ClassificationCode.objects.filter(scheme=scheme, year=2025)
        assert codes.count() == len(expected)
        assert not codes.filter(is_active=False).exists()
        assert set(codes.values_list("code", "name", "level", "parent_code")) == {
            (row["code"], row["name"], int(row["level"]), row["parent_code"]) for row in expected
        }
    assert ClassificationCode.objects.filter(scheme=FUNC).count() == N_FUNC
    assert ClassificationCode.objects.filter(scheme=DEPT).count() == N_DEPT
    assert ClassificationCode.objects.filter(scheme=GOV).count() == N_GOV
    for kind, filename in [
        ("admin", "econ_mapping_admin.csv"),
        ("institution", "econ_mapping_institution.csv"),
    ]:
        pairs = {(row["dept_econ_code"], row["gov_econ_code"]) for row in csv_rows(filename)}
        loaded = EconomicMapping.objects.filter(year=2025, mapping_kind=kind)
        assert set(loaded.values_list("dept_code", "gov_code")) == pairs
    assert EconomicMapping.objects.filter(mapping_kind="admin").count() == N_ADMIN
    assert EconomicMapping.objects.filter(mapping_kind="institution").count() == N_INSTITUTION


@pytest.mark.django_db
def test_load_default_reference_is_idempotent():
    """A second load changes nothing and reports no changes."""
    first = load_default_reference(year=2025)
    before = snapshot()
    mappings_before = list(
        EconomicMapping.objects.order_by("id").values_list(
            "id", "year", "mapping_kind", "dept_code", "gov_code"
        )
    )

    second = load_default_reference(year=2025)

    assert first.has_changes
    assert not second.has_changes
    assert snapshot() == before
    assert (
        list(
            EconomicMapping.objects.order_by("id").values_list(
                "id", "year", "mapping_kind", "dept_code", "gov_code"
            )
        )
        == mappings_before
    )
    assert all(report.unchanged == report.total for report in second.codes.values())
    assert all(report.created == 0 for report in second.mappings.values())


@pytest.mark.django_db
def test_load_default_reference_other_year_keeps_years_apart():
    """Loading another year creates that year's own rows and leaves the first year alone."""
    load_default_reference(year=2025)
    before = snapshot()

    load_default_reference(year=2026)

    assert [row for row in snapshot() if row[1] == 2025] == before
    assert ClassificationCode.objects.filter(year=2026).count() == N_FUNC + N_DEPT + N_GOV
    assert EconomicMapping.objects.filter(year=2026).count() == N_ADMIN + N_INSTITUTION


@pytest.mark.django_db
def test_load_default_reference_leaves_official_import_alone(tmp_path):
    """A scheme already imported from an official list is skipped, so no official code is retired."""
    path = write_csv(tmp_path, SMALL_FUNC)
    import_file(path, year=2025, version="财预〔2025〕41号")
    before = list(ClassificationCode.objects.filter(scheme=FUNC).values_list())

    result = load_default_reference(year=2025)

    assert result.skipped_schemes == [FUNC]
    assert list(ClassificationCode.objects.filter(scheme=FUNC).values_list()) == before
    assert ClassificationCode.objects.filter(scheme=DEPT, year=2025).count() == N_DEPT
    assert "跳过内置初始数据" in result.summary()


@pytest.mark.django_db
def test_load_default_reference_never_overwrites_existing_mapping():
    """An edited economic mapping is kept on reload and reported as differing from the bundle."""
    load_default_reference(year=2025)
    EconomicMapping.objects.filter(year=2025, mapping_kind="admin", dept_code="30101").update(
        gov_code="50199"
    )

    result = load_default_reference(year=2025)

    mapping = EconomicMapping.objects.get(year=2025, mapping_kind="admin", dept_code="30101")
    assert mapping.gov_code == "50199"
    assert result.mappings["admin"].kept_different == [("30101", "50199", "50101")]


# --- import and its report -----------------------------------------------------------------


@pytest.mark.django_db
def test_reimport_reports_added_renamed_retired(tmp_path):
    """Re-importing a changed list reports added, renamed and retired codes and updates the version."""
    import_file(write_csv(tmp_path, SMALL_FUNC), version="v1")
    changed = (
        "code,name\n201,一般公共服务支出\n20101,人大事务\n2010101,行政运行（调整）\n"
        "2010102,一般行政管理事务\n2010104,人大会议\n"
    )

    report = import_file(write_csv(tmp_path, changed, "v2.csv"), version="v2")

    assert report.added == [("2010104", "人大会议")]
    assert report.renamed == [("2010101", "行政运行", "行政运行（调整）")]
    assert report.retired == [("2010199", "其他人大事务支出")]
    assert report.reactivated == []
    assert report.unchanged == 3
    code = ClassificationCode.objects.get(scheme=FUNC, year=2026, code="2010101")
    assert code.name == "行政运行（调整）"
    assert set(
        ClassificationCode.objects.filter(year=2026, is_active=True).values_list(
            "version", flat=True
        )
    ) == {"v2"}
    summary = report.summary()
    assert "新增 1 个，更名 1 个，停用 1 个" in summary
    assert "2010104 人大会议" in summary
    assert "2010101 行政运行 → 行政运行（调整）" in summary
    assert "2010199 其他人大事务支出" in summary


@pytest.mark.django_db
def test_retired_codes_are_kept_and_referenced_lines_survive(tmp_path):
    """A code missing from the new list is marked inactive, never deleted; lines using it keep it."""
    load_default_reference(year=2025)
    unit = BudgetUnit.objects.create(
        code="001001",
        name="某单位",
        kind=UnitKind.ADMINISTRATIVE,
        department=Department.objects.create(code="001", name="某部门"),
    )
    submission = Submission.objects.create(unit=unit, year=2025)
    func = ClassificationCode.objects.get(scheme=FUNC, year=2025, code="2010101")
    line = BudgetLine.objects.create(
        submission=submission,
        func_code=func,
        dept_econ_code=ClassificationCode.objects.get(scheme=DEPT, year=2025, code="30101"),
        gov_econ_code=ClassificationCode.objects.get(scheme=GOV, year=2025, code="50101"),
        expense_kind=ExpenseKind.PERSONNEL,
        amount=Decimal("100.00"),
    )
    rows = [
        c
        for c in parse_code_file(
            path_or_file=REFERENCE_DATA_DIR / "functional_classification.csv",
            scheme=FUNC,
        )
        if c.code != "2010101"
    ]

    report = import_codes(scheme=FUNC, year=2025, rows=rows, version="2025修订")

    assert report.retired == [("2010101", "行政运行")]
    func.refresh_from_db()
    assert func.is_active is False and func.name == "行政运行"
    line.refresh_from_db()
    assert line.func_code_id == func.pk
    assert ClassificationCode.objects.filter(scheme=FUNC, year=2025).count() == N_FUNC


@pytest.mark.django_db
def test_reimport_reactivates_retired_code(tmp_path):
    """A retired code that comes back is reactivated and reported, keeping its row."""
    import_file(write_csv(tmp_path, SMALL_FUNC))
    shorter = "\n".join(line for line in SMALL_FUNC.splitlines() if "2010199" not in line)
    import_file(write_csv(tmp_path, shorter, "short.csv"))
    pk = ClassificationCode.objects.get(year=2026, code="2010199").pk

    report = import_file(write_csv(tmp_path, SMALL_FUNC, "again.csv"))

    assert report.reactivated == [("2010199", "其他人大事务支出")]
    assert report.added == [] and report.retired == []
    code = ClassificationCode.objects.get(year=2026, code="2010199")
    assert code.pk == pk and code.is_active
    assert "恢复启用 1 个" in report.summary()


@pytest.mark.django_db
def test_import_of_same_list_changes_nothing_and_other_years_untouched(tmp_path):
    """Importing the same list again changes nothing; importing one year leaves other years alone."""
    load_default_reference(year=2025)
    path = write_csv(tmp_path, SMALL_FUNC)
    import_file(path, year=2026, version="v1")
    before = snapshot()

    report = import_file(path, year=2026, version="v1")

    assert not report.has_changes and report.unchanged == 5
    assert "科目无变化" in report.summary()
    assert snapshot() == before
    assert (
        ClassificationCode.objects.filter(scheme=FUNC, year=2025, is_active=True).count() == N_FUNC
    )


@pytest.mark.django_db
def test_dry_run_reports_without_writing(tmp_path):
    """A dry run returns the report of changes but writes nothing."""
    import_file(write_csv(tmp_path, SMALL_FUNC))
    before = snapshot()
    rows = parse_code_file(
        path_or_file=write_csv(tmp_path, "code,name\n201,一般公共服务支出\n", "x.csv"), scheme=FUNC
    )

    report = import_codes(scheme=FUNC, year=2026, rows=rows, dry_run=True)

    assert len(report.retired) == 4
    assert "试运行" in report.summary()
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (SMALL_FUNC + "20101,人大事务2,2,201\n", "重复"),
        (SMALL_FUNC + "2010601,行政运行,3,20106\n", "孤立科目"),
        (SMALL_FUNC + "2010101001,某科目,,\n", "级次无法识别"),
    ],
)
def test_bad_file_is_refused_and_nothing_changes(tmp_path, text, problem):
    """Duplicate, orphan and unknown-level files are refused as a whole and the DB is unchanged."""
    load_default_reference(year=2025)
    import_file(write_csv(tmp_path, SMALL_FUNC, "good.csv"), year=2026)
    before = snapshot()

    with pytest.raises(ValidationError) as excinfo:
        import_file(write_csv(tmp_path, text), year=2026)

    assert problem in " ".join(messages_of(excinfo))
    assert snapshot() == before


@pytest.mark.django_db
def test_import_codes_validates_rows_given_directly():
    """import_codes itself refuses inconsistent rows (wrong level, orphan, duplicate) and writes nothing."""
    rows = [
        ParsedCode("301", "工资福利支出", 1, ""),
        ParsedCode("30101", "基本工资", 1, ""),
        ParsedCode("30201", "办公费", 2, "302"),
        ParsedCode("301", "重复", 1, ""),
    ]

    with pytest.raises(ValidationError) as excinfo:
        import_codes(scheme=DEPT, year=2026, rows=rows)

    text = " ".join(messages_of(excinfo))
    assert "级次/上级编码应为 2/“301”" in text
    assert "孤立科目" in text and "重复" in text
    assert not ClassificationCode.objects.exists()


@pytest.mark.django_db
def test_import_is_one_transaction(tmp_path, monkeypatch):
    """If writing fails part-way, the codes already added are rolled back."""
    import_file(write_csv(tmp_path, SMALL_FUNC))
    before = snapshot()

    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ClassificationCode.objects, "bulk_update", fail)
    changed = SMALL_FUNC.replace("行政运行", "新名称") + "2010104,人大会议,3,20101\n"
    with pytest.raises(RuntimeError):
        import_file(write_csv(tmp_path, changed, "c.csv"))

    assert snapshot() == before


# --- management commands -------------------------------------------------------------------


@pytest.mark.django_db
def test_import_codes_command_prints_report(tmp_path):
    """The command imports the file and prints counts and every changed code in Chinese."""
    call_command("import_codes", str(write_csv(tmp_path, SMALL_FUNC)), scheme="func", year=2026)
    changed = SMALL_FUNC.replace("其他人大事务支出", "其他人大事务") + "2010104,人大会议,3,20101\n"
    out = io.StringIO()

    call_command(
        "import_codes",
        str(write_csv(tmp_path, changed, "v2.xlsx.csv")),
        "--scheme=func",
        "--year=2026",
        "--version=财预〔2025〕41号",
        stdout=out,
    )

    text = out.getvalue()
    assert "支出功能分类 2026年（版本：财预〔2025〕41号）" in text
    assert "新增 1 个，更名 1 个，停用 0 个" in text
    assert "2010104 人大会议" in text
    assert "2010199 其他人大事务支出 → 其他人大事务" in text
    assert ClassificationCode.objects.get(year=2026, code="2010104").version == "财预〔2025〕41号"


@pytest.mark.django_db
def test_import_codes_command_xlsx_dry_run(tmp_path):
    """With --dry-run the command prints the report and leaves the database unchanged."""
    path = write_xlsx(tmp_path, [["科目编码", "科目名称"], ["301", "工资福利支出"]])
    out = io.StringIO()

    call_command("import_codes", str(path), scheme="dept_econ", year=2026, dry_run=True, stdout=out)

    assert "试运行" in out.getvalue() and "301 工资福利支出" in out.getvalue()
    assert not ClassificationCode.objects.exists()


@pytest.mark.django_db
def test_import_codes_command_bad_file_errors_to_stderr(tmp_path):
    """A bad file makes the command print every error to stderr and raise CommandError; nothing changes."""
    call_command(
        "import_codes",
        str(write_csv(tmp_path, SMALL_FUNC)),
        scheme="func",
        year=2026,
        stdout=io.StringIO(),
    )
    before = snapshot()
    bad = SMALL_FUNC + "2010101,重复,3,20101\n2010601,孤立,3,20106\n"
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 处错误，未导入任何科目"):
        call_command(
            "import_codes",
            str(write_csv(tmp_path, bad, "bad.csv")),
            scheme="func",
            year=2026,
            stderr=err,
        )

    assert "第7行" in err.getvalue() and "重复" in err.getvalue()
    assert "第8行" in err.getvalue() and "孤立科目" in err.getvalue()
    assert snapshot() == before


# run_from_argv closes every connection when it ends; only a transactional test can reconnect.
@pytest.mark.django_db(transaction=True)
def test_import_codes_command_exits_with_status_1(tmp_path, capsys):
    """Run from the command line, a bad file exits with status 1 and the errors on stderr."""
    bad = write_csv(tmp_path, "code,name\n2010,坏编码\n")

    with pytest.raises(SystemExit) as excinfo:
        ImportCodesCommand().run_from_argv(
            ["manage.py", "import_codes", "--scheme", "func", "--year", "2026", str(bad)]
        )

    assert excinfo.value.code == 1
    assert "级次无法识别" in capsys.readouterr().err
    assert not ClassificationCode.objects.exists()


@pytest.mark.django_db
def test_import_codes_command_missing_file(tmp_path):
    """A missing file is reported as a CommandError."""
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_codes", str(tmp_path / "none.csv"), scheme="func", year=2026)


@pytest.mark.django_db
def test_load_reference_command_prints_counts_and_is_idempotent():
    """load_reference loads every shipped year (2024–2026) with per-scheme and mapping counts;
    `--year` loads one, and a second run reports no change."""
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    again = io.StringIO()
    call_command("load_reference", "--year", "2025", stdout=again)

    text = out.getvalue()
    for year in SHIPPED_YEARS:
        assert f"支出功能分类 {year}年：共 {N_FUNC} 个科目；本次新增 {N_FUNC} 个" in text
        assert f"部门预算支出经济分类 {year}年：共 {N_DEPT} 个科目" in text
        assert f"政府预算支出经济分类 {year}年：共 {N_GOV} 个科目" in text
        assert f"经济科目对应关系（行政/参公单位）{year}年：本次新增 {N_ADMIN} 条" in text
        assert f"经济科目对应关系（事业单位）{year}年：本次新增 {N_INSTITUTION} 条" in text
    assert SHIPPED_YEARS == (2024, 2025, 2026)
    assert "本次新增 0 个" in again.getvalue() and "无变化" in again.getvalue()
    assert "2024年" not in again.getvalue()
    assert ClassificationCode.objects.filter(version=STARTER_VERSION).count() == 3 * (
        N_FUNC + N_DEPT + N_GOV
    )
