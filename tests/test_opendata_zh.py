"""Open data for Excel: every budget CSV also with a Chinese header (BOM first, the fields'
Chinese titles, the English variant's body byte for byte), the bulk file of a year as an XLSX
(the CSV's rows, exact amounts, formula-like text inert), both 404 for a year with nothing
published, and the descriptors' fields all carry their Chinese titles. Anonymous client."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tables.models import FileKind
from tables.public.opendata_views import ZH_VARIANT
from tables.publication import opendata, opendata_fields
from tables.publication.opendata_fields import BUDGET_FIELDS, FIELD_TITLES, RESOURCES
from tables.publication.opendata_xlsx import budget_workbook_write
from tables.publication.services import submission_publish
from tests.factories import budget_unit_create, submission_create, synthetic_budget, user_with
from units.formula_text import csv_cell_neutralise
from units.models import SubmissionStatus
from units.permissions import ADMIN

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"
HOSTILE = '=HYPERLINK("http://example.com","点我")'
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CELL_VALUE = re.compile(r'<c r="([A-Z]+)(\d+)"[^>]*><v>([^<]*)</v></c>')


def publish_unit(admin, *, name, code, year=2025, n_lines=6, seed=0):
    unit = budget_unit_create(name=name, code=code)
    submission = submission_create(unit=unit, year=year, status=SubmissionStatus.APPROVED)
    synthetic_budget(submission, n_lines, seed=seed)
    return submission_publish(submission_id=submission.pk, actor=admin)


@pytest.fixture
def two_units(fast_pdf):
    """Two published units of 2025, the second named like a spreadsheet formula (a name stored
    before entry refused such text)."""
    admin = user_with(ADMIN, name="publisher")
    return [
        publish_unit(admin, name="中文表头单位", code="701", seed=1),
        publish_unit(admin, name=HOSTILE, code="702", n_lines=4, seed=2),
    ]


def split(content: bytes) -> tuple[bytes, bytes]:
    """(header line, the rest) of a CSV."""
    header, _, body = content.partition(b"\r\n")
    return header, body


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def download_name(response) -> str:
    return unquote(response["Content-Disposition"].split("filename*=utf-8''")[1])


def chinese_titles() -> list[str]:
    """The budget resource's field titles as its descriptor publishes them, in field order."""
    (resource,) = opendata.year_descriptor(
        year=2025, csv_url="x", unit_count=1, updated="2025-01-01"
    )["resources"]
    return [field["title"] for field in resource["schema"]["fields"]]


def test_bulk_csv_in_chinese_has_the_bom_the_titles_and_the_same_body(two_units, client):
    """`?lang=zh`: BOM, then the descriptor's Chinese titles in field order, then the English
    variant's body byte for byte (the formula-like name still neutralised); its own file name
    and ETag, revalidating with 304."""
    url = reverse("public:year_csv", args=[2025])
    english = client.get(url)
    zh = client.get(url, {"lang": "zh"})
    assert zh.status_code == 200 and zh["Content-Type"] == "text/csv; charset=utf-8"
    english_bytes = b"".join(english.streaming_content)
    zh_bytes = b"".join(zh.streaming_content)

    assert zh_bytes.startswith(BOM) and not english_bytes.startswith(BOM)
    header, body = split(zh_bytes[len(BOM) :])
    assert rows_of(header) == [chinese_titles()]
    assert chinese_titles() == [FIELD_TITLES[field.name] for field in BUDGET_FIELDS]
    assert rows_of(split(english_bytes)[0]) == [[field.name for field in BUDGET_FIELDS]]
    assert body == split(english_bytes)[1] and body

    names = {row[4] for row in rows_of(body)}
    assert names == {"中文表头单位", "'" + HOSTILE}
    assert "中文表头" in download_name(zh) and "中文表头" not in download_name(english)
    assert zh["ETag"] != english["ETag"] and zh["Last-Modified"] == english["Last-Modified"]
    assert client.get(url, {"lang": "zh"}, HTTP_IF_NONE_MATCH=zh["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH=zh["ETag"]).status_code == 200
    assert ZH_VARIANT  # the variant is part of the ETag


def test_stored_budget_csv_in_chinese_keeps_the_stored_rows(two_units, client):
    """A version's stored budget CSV with `?lang=zh`: BOM, Chinese titles, the stored rows byte
    for byte, a Chinese file name saying 中文表头; without it the stored bytes as they are."""
    for version in two_units:
        file = version.files.get(kind=FileKind.DATA_CSV)
        stored = bytes(file.content)
        url = reverse("public:file", args=[file.pk, file.file_name])
        plain = client.get(url)
        assert b"".join(plain.streaming_content) == stored

        zh = client.get(url, {"lang": "zh"})
        assert zh.status_code == 200 and zh["Content-Type"] == "text/csv; charset=utf-8"
        assert zh.content.startswith(BOM)
        header, body = split(zh.content[len(BOM) :])
        assert rows_of(header) == [chinese_titles()]
        assert body == split(stored)[1]
        assert download_name(zh) == file.file_name.removesuffix(".csv") + "（中文表头）.csv"
        assert client.get(url, {"lang": "zh"}, HTTP_IF_NONE_MATCH=zh["ETag"]).status_code == 304
    hostile = split(client.get(url, {"lang": "zh"}).content)[1]
    assert {row[4] for row in rows_of(hostile)} == {"'" + HOSTILE}

    # a stored file of another kind ignores the parameter: served as stored
    pdf = two_units[0].files.get(kind=FileKind.PDF)
    response = client.get(reverse("public:file", args=[pdf.pk, pdf.file_name]), {"lang": "zh"})
    assert b"".join(response.streaming_content) == bytes(pdf.content)


def test_bulk_xlsx_has_the_csv_rows_exact_amounts_and_inert_text(two_units, client):
    """The XLSX's header is the Chinese titles and its rows are the CSV's: amounts numeric with
    format 0.00 and stored as the CSV's exact decimal text (equal as Decimal), whole numbers as
    numbers, text as in the CSV with the formula apostrophe dropped and the name a quoted
    string cell, never a formula; ETag, Last-Modified and 304 like the CSV."""
    csv_rows = rows_of(
        b"".join(client.get(reverse("public:year_csv", args=[2025])).streaming_content)
    )
    url = reverse("public:year_xlsx", args=[2025])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert download_name(response).endswith(".xlsx") and "中文表头" in download_name(response)
    content = b"".join(response.streaming_content)

    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == chinese_titles()
    assert len(rows) == len(csv_rows)
    kinds = [field.type for field in BUDGET_FIELDS]
    amounts = 0
    for cells, expected in zip(rows[1:], csv_rows[1:], strict=True):
        for cell, kind, text in zip(cells, kinds, expected, strict=True):
            if text == "":
                assert cell.value is None
            elif kind == "number":
                assert cell.data_type == "n" and cell.number_format == "0.00"
                assert Decimal(repr(cell.value)) == Decimal(text)
                amounts += 1
            elif kind == "integer":
                assert cell.value == int(text)
            else:
                assert cell.data_type == "s"
                assert csv_cell_neutralise(cell.value) == text
    assert amounts == len(csv_rows) - 1

    hostile = [row[4] for row in rows[1:] if row[3].value == "702"]
    assert hostile and all(c.value == HOSTILE and c.quotePrefix for c in hostile)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    # the stored value of each amount is the CSV's text to the 分, not a float's 16 digits
    amount_column = get_column_letter(len(BUDGET_FIELDS))
    stored_amounts = [v for column, _, v in _CELL_VALUE.findall(xml) if column == amount_column]
    assert stored_amounts == [row[-1] for row in csv_rows[1:]]

    assert response["ETag"] and response["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_workbook_continues_on_a_new_sheet_with_the_header():
    """More rows than a sheet holds: the rest goes on a further sheet, under the same header."""
    names = [field.name for field in opendata_fields.FIGURE_FIELDS]
    row = ["2025", "001", "部门", "001", "单位", "1", "收入总计", "746.07"]
    assert len(row) == len(names)
    output = io.BytesIO()
    count = budget_workbook_write(
        [row] * 5, output, fields=opendata_fields.FIGURE_FIELDS, sheet_rows=3
    )
    assert count == 5
    workbook = load_workbook(io.BytesIO(output.getvalue()))
    assert [sheet.max_row for sheet in workbook.worksheets] == [3, 3, 2]
    titles = [FIELD_TITLES[name] for name in names]
    for sheet in workbook.worksheets:
        assert [c.value for c in next(sheet.iter_rows())] == titles
    assert workbook.worksheets[1].title == "预算收支明细（续2）"
    # 746.07 as a float printed with 16 digits is 746.0700000000001: the text is kept instead
    with zipfile.ZipFile(io.BytesIO(output.getvalue())) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert [v for column, _, v in _CELL_VALUE.findall(xml) if column == "H"] == ["746.07"] * 2


def test_a_year_without_publications_has_no_chinese_csv_nor_xlsx(fast_pdf, client):
    """Nothing published for the year (an approved unit only) → both variants 404."""
    submission = submission_create(
        unit=budget_unit_create(name="未公开单位"), status=SubmissionStatus.APPROVED
    )
    synthetic_budget(submission, 3)
    assert client.get(reverse("public:year_csv", args=[2025]), {"lang": "zh"}).status_code == 404
    assert client.get(reverse("public:year_xlsx", args=[2025])).status_code == 404
    assert client.get(reverse("public:year_xlsx", args=[1999])).status_code == 404


def test_descriptor_fields_all_carry_their_chinese_titles(two_units, client):
    """Every field of every resource (the year's descriptor and a version's package) keeps its
    English name and carries its Chinese title, the one the zh header prints; every resource and
    package title is Chinese."""
    descriptor = client.get(reverse("public:year_datapackage", args=[2025])).json()
    with zipfile.ZipFile(
        io.BytesIO(bytes(two_units[0].files.get(kind=FileKind.OPENDATA).content))
    ) as archive:
        package = json.loads(archive.read("datapackage.json"))
    assert opendata.schema_errors(opendata_fields.DATAPACKAGE_SCHEMA_NAME, descriptor) == []
    assert opendata.schema_errors(opendata_fields.DATAPACKAGE_SCHEMA_NAME, package) == []
    resources = descriptor["resources"] + package["resources"]
    assert len(resources) == 1 + len(RESOURCES)
    for document in (descriptor, package):
        assert _CJK.search(document["title"])
    assert "?lang=zh" in descriptor["description"] and ".xlsx" in descriptor["description"]
    for resource in resources:
        assert _CJK.search(resource["title"]), resource["name"]
        fields = resource["schema"]["fields"]
        for field in fields:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", field["name"])
            assert _CJK.search(field["title"]) and field["title"] == FIELD_TITLES[field["name"]]
        assert len({field["title"] for field in fields}) == len(fields)


def test_open_data_pages_link_both_variants_and_the_workbook(two_units, client):
    """The list page links each year's Chinese-header CSV and XLSX beside the plain CSV; a
    version page links its budget CSV's Chinese-header variant, saying which one Excel needs."""
    listing = client.get(reverse("public:list")).content.decode()
    csv_url = reverse("public:year_csv", args=[2025])
    for url in (csv_url, f"{csv_url}?lang=zh", reverse("public:year_xlsx", args=[2025])):
        assert f'href="{url}"' in listing
    assert "Excel 打开请用中文表头版" in listing
    page = client.get(reverse("public:disclosure", args=[two_units[0].pk])).content.decode()
    file = two_units[0].files.get(kind=FileKind.DATA_CSV)
    file_url = reverse("public:file", args=[file.pk, file.file_name])
    assert f'href="{file_url}?lang=zh"' in page and f'href="{file_url}"' in page
    assert f'href="{csv_url}?lang=zh"' in page
    assert "Excel 打开请用" in page


def test_chinese_csv_and_xlsx_queries_do_not_grow_with_units(two_units, client):
    """The Chinese-header bulk CSV and the XLSX read the stored files in chunks: the same small
    number of queries for 2 units as for 4."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count_queries() -> tuple[int, int]:
        counts = []
        for url, params in (
            (reverse("public:year_csv", args=[2025]), {"lang": "zh"}),
            (reverse("public:year_xlsx", args=[2025]), {}),
        ):
            with CaptureQueriesContext(connection) as queries:
                b"".join(client.get(url, params).streaming_content)
            counts.append(len(queries))
        return tuple(counts)

    small = count_queries()
    admin = user_with(ADMIN, name="publisher2")
    for i in range(2):
        publish_unit(admin, name=f"增加单位{i}", code=f"79{i}", n_lines=3, seed=10 + i)
    assert count_queries() == small and max(small) <= 4


def test_the_workbook_is_built_once_per_content(two_units, client, monkeypatch):
    """A second download of the same year reads the workbook built for the first from the file
    cache (same bytes, built once); a new publication builds a new one."""
    from tables.publication import opendata_xlsx

    built = []

    def counting_write(*args, **kwargs):
        built.append(1)
        return budget_workbook_write(*args, **kwargs)

    monkeypatch.setattr(opendata_xlsx, "budget_workbook_write", counting_write)
    url = reverse("public:year_xlsx", args=[2025])
    first = b"".join(client.get(url).streaming_content)
    second = b"".join(client.get(url).streaming_content)
    assert first == second and len(built) == 1
    publish_unit(two_units[0].published_by, name="县测试第三单位", code="ZH003")
    third = b"".join(client.get(url).streaming_content)
    assert len(built) == 2 and third != first
