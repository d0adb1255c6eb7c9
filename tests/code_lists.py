"""Test helpers for the code-list tests: a small functional list and the files it is written to.

Shared by `tests/test_reference_files.py` (reading and checking a list) and
`tests/test_reference_import.py` (writing it to the database), which both start from the same
files.
"""

from openpyxl import Workbook

from units.models import CodeScheme

FUNC = CodeScheme.FUNCTIONAL
DEPT = CodeScheme.DEPT_ECONOMIC
GOV = CodeScheme.GOV_ECONOMIC

SMALL_FUNC = """code,name,level,parent_code
201,一般公共服务支出,1,
20101,人大事务,2,201
2010101,行政运行,3,20101
2010102,一般行政管理事务,3,20101
2010199,其他人大事务支出,3,20101
"""


def write_csv(tmp_path, text, name="codes.csv", bom=False):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig" if bom else "utf-8")
    return path


def write_xlsx(tmp_path, rows, name="codes.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def messages_of(excinfo):
    return excinfo.value.messages
