"""Reading a classification-code list (`units.reference.parse_code_file`): the shapes of CSV
and XLSX lists it accepts, and the files it refuses, with every problem reported at once and
located by row (and, in a worksheet, by sheet and column). Nothing here writes to the database;
the import of a parsed list is in `tests/test_reference_import.py`."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from tests.code_lists import DEPT, FUNC, GOV, SMALL_FUNC, messages_of, write_csv, write_xlsx
from units.reference import ParsedCode, parse_code_file

# --- file shapes ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_parse_csv_with_and_without_bom_derives_level_and_parent(tmp_path):
    """CSV with code,name[,level,parent_code] reads the same with or without a UTF-8 BOM."""
    with_bom = parse_code_file(path_or_file=write_csv(tmp_path, SMALL_FUNC, bom=True), scheme=FUNC)
    short = "code,name\n201,一般公共服务支出\n20101,人大事务\n2010101,行政运行\n"
    without = parse_code_file(path_or_file=write_csv(tmp_path, short, "b.csv"), scheme=FUNC)

    assert [(c.code, c.name, c.level, c.parent_code) for c in without] == [
        ("201", "一般公共服务支出", 1, ""),
        ("20101", "人大事务", 2, "201"),
        ("2010101", "行政运行", 3, "20101"),
    ]
    assert [c.row for c in without] == [2, 3, 4]
    assert [c.code for c in with_bom] == ["201", "20101", "2010101", "2010102", "2010199"]


@pytest.mark.django_db
def test_parse_xlsx_with_title_row_and_numeric_cells(tmp_path):
    """XLSX is read from the first sheet; title rows above the header and numeric codes are accepted."""
    path = write_xlsx(
        tmp_path,
        [
            ["2026年支出功能分类科目"],
            ["code", "name", "level", "parent_code"],
            [201, "一般公共服务支出", 1, None],
            [20101, "人大事务", 2, 201],
            [2010101.0, "行政运行", 3, "20101"],
        ],
    )

    codes = parse_code_file(path_or_file=path, scheme=FUNC)

    assert [(c.code, c.level, c.parent_code, c.row) for c in codes] == [
        ("201", 1, "", 3),
        ("20101", 2, "201", 4),
        ("2010101", 3, "20101", 5),
    ]


@pytest.mark.django_db
def test_parse_chinese_headers_csv_and_xlsx(tmp_path):
    """Files with the headers 科目编码,科目名称 are accepted in CSV and XLSX."""
    csv_path = write_csv(
        tmp_path, "科目编码,科目名称\n301,工资福利支出\n30101,基本工资\n", bom=True
    )
    xlsx_path = write_xlsx(
        tmp_path, [["科目编码", "科目名称"], ["301", "工资福利支出"], ["30101", "基本工资"]]
    )

    for path in (csv_path, xlsx_path):
        codes = parse_code_file(path_or_file=path, scheme=DEPT)
        assert [(c.code, c.name, c.level, c.parent_code) for c in codes] == [
            ("301", "工资福利支出", 1, ""),
            ("30101", "基本工资", 2, "301"),
        ]


@pytest.mark.django_db
def test_parse_code_hash_name_single_column(tmp_path):
    """The budget system's `code##name` export is read with or without a header line."""
    text = "功能分类科目\n201##一般公共服务支出\n20101##人大事务\n2010101##行政运行\n"
    headed = parse_code_file(path_or_file=write_csv(tmp_path, text), scheme=FUNC)
    bare = parse_code_file(
        path_or_file=write_csv(tmp_path, "\n".join(text.splitlines()[1:]), "bare.csv"), scheme=FUNC
    )

    assert [(c.code, c.name, c.level, c.row) for c in headed] == [
        ("201", "一般公共服务支出", 1, 2),
        ("20101", "人大事务", 2, 3),
        ("2010101", "行政运行", 3, 4),
    ]
    assert [(c.code, c.name) for c in bare] == [(c.code, c.name) for c in headed]


@pytest.mark.django_db
def test_parse_code_hash_name_in_first_column_of_xlsx(tmp_path):
    """In XLSX the `code##name` cell may be the first of several columns."""
    path = write_xlsx(
        tmp_path,
        [
            ["501##机关工资福利支出", "备注"],
            ["50101##工资奖金津补贴", None],
            ["50102##社会保障缴费", "x"],
        ],
    )

    codes = parse_code_file(path_or_file=path, scheme=GOV)

    assert [(c.code, c.name, c.parent_code) for c in codes] == [
        ("501", "机关工资福利支出", ""),
        ("50101", "工资奖金津补贴", "501"),
        ("50102", "社会保障缴费", "501"),
    ]


@pytest.mark.django_db
def test_parse_normalises_codes_printed_with_spaces(tmp_path):
    """Codes printed with spaces (`201 06 01`, also in `##` form) are normalised."""
    text = "code,name,level,parent_code\n201,一般公共服务支出,1,\n201 06,财政事务,2,201\n201 06 01,行政运行,3,201 06\n"
    hashed = "201##一般公共服务支出\n201 06##财政事务\n201　06　01 ## 行政运行\n"

    for path in (write_csv(tmp_path, text), write_csv(tmp_path, hashed, "h.csv")):
        codes = parse_code_file(path_or_file=path, scheme=FUNC)
        assert [(c.code, c.name, c.parent_code) for c in codes] == [
            ("201", "一般公共服务支出", ""),
            ("20106", "财政事务", "201"),
            ("2010601", "行政运行", "20106"),
        ]


@pytest.mark.django_db
def test_parse_accepts_open_file_objects():
    """Uploaded files (binary with BOM) and text streams are read like paths."""
    data = "\ufeff科目编码,科目名称\n301,工资福利支出\n".encode()

    from_bytes = parse_code_file(path_or_file=io.BytesIO(data), scheme=DEPT)
    from_text = parse_code_file(
        path_or_file=io.StringIO("code,name\n301,工资福利支出\n"), scheme=DEPT
    )

    assert from_bytes == [ParsedCode("301", "工资福利支出", 1, "", 2)]
    assert from_text == from_bytes


# --- refused files -------------------------------------------------------------------------


@pytest.mark.django_db
def test_parse_refuses_duplicate_code_naming_both_rows(tmp_path):
    """A duplicated code is refused with both row numbers and both names."""
    text = SMALL_FUNC + "2010101,行政运行（重复）,3,20101\n"

    with pytest.raises(ValidationError) as excinfo:
        parse_code_file(path_or_file=write_csv(tmp_path, text), scheme=FUNC)

    (message,) = messages_of(excinfo)
    assert message.startswith("第7行：")
    assert "2010101" in message and "重复" in message
    assert "第4行" in message and "行政运行" in message and "行政运行（重复）" in message


@pytest.mark.django_db
def test_parse_refuses_orphan_code(tmp_path):
    """A code whose parent is not in the file is refused as an orphan."""
    text = "code,name\n201,一般公共服务支出\n2010601,行政运行\n"

    with pytest.raises(ValidationError) as excinfo:
        parse_code_file(path_or_file=write_csv(tmp_path, text), scheme=FUNC)

    assert messages_of(excinfo) == [
        "第3行：科目“2010601 行政运行”的上级科目“20106”不在文件中（孤立科目）。"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scheme", "code", "expected"),
    [
        (FUNC, "2010", "4位"),
        (FUNC, "201010101", "9位"),
        (DEPT, "3010101", "7位"),
        (GOV, "50A01", "不是纯数字"),
        (FUNC, "２０１", "不是纯数字"),
    ],
)
def test_parse_refuses_unknown_level(tmp_path, scheme, code, expected):
    """A code whose length is not a level of the scheme, or which is not digits, is refused."""
    text = f"code,name\n{code},某科目\n"

    with pytest.raises(ValidationError) as excinfo:
        parse_code_file(path_or_file=write_csv(tmp_path, text), scheme=scheme)

    (message,) = messages_of(excinfo)
    assert message.startswith("第2行：")
    assert expected in message


@pytest.mark.django_db
def test_parse_refuses_formula_like_names_located_by_sheet_row_and_column(tmp_path):
    """A code name beginning like a formula is refused: in an XLSX at 「sheet」表 第N行 X列, in
    a CSV at 第N行."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "科目"
    for row in (["科目编码", "科目名称"], ["301", "工资福利支出"], ["30101", "=1+2"]):
        sheet.append(row)
    sheet["B3"].data_type = "s"
    path = tmp_path / "codes.xlsx"
    workbook.save(path)
    with pytest.raises(ValidationError) as excinfo:
        parse_code_file(path_or_file=path, scheme=DEPT)
    assert messages_of(excinfo) == [
        "「科目」表 第3行 B列（科目名称）：科目“30101”的科目名称不能以“=”开头"
        "（电子表格会把它当作公式执行）；请删除开头的符号，或在前面加上文字说明。"
    ]
    with pytest.raises(ValidationError) as excinfo:
        parse_code_file(path_or_file=write_csv(tmp_path, "code,name\n301,@工资\n"), scheme=DEPT)
    assert messages_of(excinfo)[0].startswith("第2行：科目“301”的科目名称不能以“@”开头")


def test_parse_refuses_fullwidth_codes_asking_for_halfwidth_digits(tmp_path):
    """A code typed in full-width digits is refused with the way to fix it."""
    with pytest.raises(ValidationError) as excinfo:
        parse_code_file(path_or_file=write_csv(tmp_path, "code,name\n３０１,工资\n"), scheme=DEPT)
    assert messages_of(excinfo) == [
        "第2行：科目编码“３０１”不是纯数字，含全角数字“３”，请改用半角数字 0–9 填写。"
    ]


def test_parse_refuses_empty_name_and_collects_all_errors_in_row_order(tmp_path):
    """All problems of a file are reported together, in file-row order."""
    text = (
        "code,name,level,parent_code\n"
        "201,一般公共服务支出,1,\n"
        "20101,,2,201\n"
        "2010101,行政运行,2,20101\n"
        "2010201,一般行政管理事务,3,20102\n"
        "20101,人大事务,2,201\n"
        "2010,坏编码,,\n"
        "20103,政府办公厅,2,202\n"
    )

    with pytest.raises(ValidationError) as excinfo:
        parse_code_file(path_or_file=write_csv(tmp_path, text), scheme=FUNC)

    messages = messages_of(excinfo)
    assert [m.split("：", 1)[0] for m in messages] == [
        "第3行",
        "第4行",
        "第5行",
        "第6行",
        "第7行",
        "第8行",
    ]
    assert "科目名称为空" in messages[0]
    assert "级次填为“2”" in messages[1]
    assert "孤立科目" in messages[2]
    assert "重复" in messages[3] and "第3行" in messages[3]
    assert "级次无法识别" in messages[4]
    assert "上级编码填为“202”" in messages[5]


@pytest.mark.django_db
def test_parse_refuses_unrecognised_or_non_utf8_file(tmp_path):
    """A file without a known header or `##` column, or not UTF-8, gets a clear Chinese message."""
    unknown = write_csv(tmp_path, "编号,说明\n201,一般公共服务支出\n")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("科目编码,科目名称\n201,一般公共服务支出\n".encode("gbk"))

    with pytest.raises(ValidationError) as unknown_info:
        parse_code_file(path_or_file=unknown, scheme=FUNC)
    with pytest.raises(ValidationError) as gbk_info:
        parse_code_file(path_or_file=gbk, scheme=FUNC)

    assert "无法识别文件格式" in messages_of(unknown_info)[0]
    assert "UTF-8" in messages_of(gbk_info)[0]
