"""The uploaded workbook as a zip archive: checked and streamed before openpyxl sees it.

An .xlsx file is a zip of XML parts. Everything here runs on the raw bytes, in a bounded amount
of memory whatever the file claims about itself:

- the upload is read up to `Limits.file_bytes` + 1 bytes, never further;
- the zip directory is checked first: a zip at all, at most `Limits.members` members, the sum of
  their declared inflated sizes within `Limits.inflated_bytes` (a zip bomb is refused here,
  without inflating anything), no encryption, no compression other than stored/deflated;
- every member is then inflated in 64 KB chunks and its bytes counted against its declared size
  (`zipfile` stops at the declared size and checks the CRC, a member that lies about its size
  fails there; the count is a second guard), so nothing is ever inflated past the budget;
- every XML part goes through expat, which refuses any DOCTYPE or entity declaration (XXE,
  billion laughs) before openpyxl or defusedxml parse anything, and refuses a tag, comment or
  text node so long that a tree-building parser would have to hold it whole;
- worksheets are scanned cell by cell: rows (a sheet's last row number within
  `Limits.scanned_rows`, its filled rows within the import's limit), cells, formula cells
  without a cached value (the importer refuses those in the columns it reads), and the first
  cell whose text is longer than `Limits.cell_chars` — located by sheet, row and column, so a
  150 MB cell is reported as such instead of being materialised by openpyxl.

File-level faults raise a ValidationError at once; located ones are collected and raised
together as `Problem`s. No message carries exception text: the causes are translated.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.parsers import expat

from django.core.exceptions import ValidationError

from units.excel.problems import Problem, column_index, column_letter, problems_error

MB = 1024 * 1024
#: Excel's own limits: a cell holds at most 32,767 characters; a sheet has 16,384 columns.
EXCEL_CELL_CHARS = 32_767
EXCEL_COLUMNS = 16_384
EXCEL_ROWS = 1_048_576
#: Bytes inflated and parsed at a time.
CHUNK_BYTES = 64 * 1024
#: Bytes expat may hold unreported (one tag, comment or declaration): more is not a spreadsheet.
MAX_TOKEN_BYTES = 1 * MB
#: Characters of one text node outside worksheet cells and shared strings (titles, properties).
MAX_TEXT_CHARS = 1_000_000
#: Formula cells without a cached value recorded per sheet; more refuse the file outright.
MAX_FORMULA_CELLS = 10_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0"
ZIP_MAGIC = b"PK\x03\x04"

OLD_XLS = "不支持旧版 Excel（.xls）文件，请另存为 .xlsx 后再导入。"
ENTITIES = (
    "文件含有不允许的 XML 实体或文档类型声明（可能是恶意文件），拒绝导入。"
    "请用 Excel 另存为 .xlsx 后再导入。"
)
_CELL_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")
_XML_START = (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
#: openpyxl's content types of the workbook part, in the order it looks for them.
_WORKBOOK_TYPES = (
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
)
_SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)


@dataclass(frozen=True)
class Limits:
    """The caps one import applies to an uploaded workbook."""

    file_bytes: int
    #: sum of the members' inflated sizes (declared, and actual: a member never exceeds its own)
    inflated_bytes: int = 200 * MB
    members: int = 1_000
    #: last row number of any worksheet (empty rows included)
    scanned_rows: int = 51_000
    #: columns read; cells further right are ignored
    columns: int = 40
    cell_chars: int = EXCEL_CELL_CHARS

    @property
    def cells(self) -> int:
        """`<c>` elements one worksheet may hold: a full sheet of read columns."""
        return self.scanned_rows * self.columns


def not_xlsx(reason: str = "") -> ValidationError:
    reason = f"（{reason}）" if reason else ""
    return ValidationError(f"文件不是 Excel（.xlsx）工作簿{reason}，请使用下载的模板填写后导入。")


def size_text(size: int) -> str:
    return f"{size // MB} MB" if size >= MB else f"{max(size // 1024, 1)} KB"


def damaged(reason: str) -> ValidationError:
    """The one message for a file that cannot be read, with the cause in Chinese."""
    return ValidationError(
        f"无法读取 Excel 文件：文件已损坏（{reason}）。请用 Excel 打开后另存为 .xlsx，再重新导入。"
    )


def upload_read(file, *, max_bytes: int) -> bytes | str:
    """The content of a path, an uploaded file, a file object or bytes, refusing more than
    `max_bytes` (a text stream gives str)."""
    too_big = ValidationError(
        f"文件过大：不能超过 {size_text(max_bytes)}（请删除无关的工作表或图片后再导入）。"
    )
    try:
        if isinstance(file, bytes | bytearray):
            data = bytes(file)
        elif isinstance(file, str) or hasattr(file, "__fspath__"):
            with open(file, "rb") as handle:
                data = handle.read(max_bytes + 1)
        else:
            if getattr(file, "size", None) is not None and file.size > max_bytes:
                raise too_big
            if hasattr(file, "seek"):
                file.seek(0)
            data = file.read(max_bytes + 1)
    except OSError:
        raise ValidationError("无法读取上传的文件，请重新选择文件后再导入。") from None
    if len(data) > max_bytes:
        raise too_big
    return data


# --- the scan's result ----------------------------------------------------------------------


@dataclass
class SheetScan:
    """What the scan learnt about one worksheet."""

    name: str
    path: str
    rows: int = 0  # last row number
    filled_rows: int = 0  # rows with at least one value
    cells: int = 0
    #: (row, column number) of formula cells without a cached value, within the read columns
    formulas: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class ArchiveScan:
    """The worksheets of a checked workbook, by name, in workbook order."""

    sheets: dict[str, SheetScan]


# --- one XML part through expat -------------------------------------------------------------


class _Refused(Exception):
    """Raised inside expat callbacks; carries the ValidationError to raise."""

    def __init__(self, error: ValidationError):
        self.error = error


class _Stop(Exception):
    """A located problem was recorded: the rest of this part need not be read."""


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _Part:
    """Base of the roles an XML part is read in: counts text between tags (a guard against
    huge properties or titles that openpyxl would hold whole) and keeps nothing else."""

    def __init__(self):
        self.run = 0

    def start(self, name, attrs):
        self.run = 0

    def end(self, name):
        self.run = 0

    def text(self, data):
        self.run += len(data)
        if self.run > MAX_TEXT_CHARS:
            raise _Refused(damaged("含有异常的超长内容"))


class _ContentTypes(_Part):
    """[Content_Types].xml: where the workbook and the shared strings are (as openpyxl finds
    them)."""

    def __init__(self):
        super().__init__()
        self.overrides: list[tuple[str, str]] = []
        self.defaults: set[str] = set()

    def start(self, name, attrs):
        super().start(name, attrs)
        local = _local(name)
        if local == "Override":
            self.overrides.append((attrs.get("PartName", ""), attrs.get("ContentType", "")))
        elif local == "Default":
            self.defaults.add(attrs.get("ContentType", ""))

    def part(self, content_types) -> str | None:
        for content_type in content_types:
            for part_name, kind in self.overrides:
                if kind == content_type:
                    return part_name.lstrip("/")
        return None

    def workbook_path(self) -> str | None:
        found = self.part(_WORKBOOK_TYPES)
        if found is None and self.defaults & set(_WORKBOOK_TYPES):
            found = "xl/workbook.xml"
        return found


class _Workbook(_Part):
    """The workbook part: sheet names and their relationship ids, in order."""

    def __init__(self):
        super().__init__()
        self.sheets: list[tuple[str, str]] = []

    def start(self, name, attrs):
        super().start(name, attrs)
        if _local(name) == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            self.sheets.append((attrs.get("name", ""), rid))


class _Relationships(_Part):
    """A .rels part: relationship id → target path, resolved as openpyxl resolves it."""

    def __init__(self, rels_path: str):
        super().__init__()
        self.parent = posixpath.split(posixpath.dirname(rels_path))[0]
        self.targets: dict[str, str] = {}

    def start(self, name, attrs):
        super().start(name, attrs)
        if _local(name) != "Relationship" or attrs.get("TargetMode") == "External":
            return
        target = attrs.get("Target", "")
        if target.startswith("/"):
            target = target[1:]
        else:
            target = posixpath.normpath(posixpath.join(self.parent, target))
        self.targets[attrs.get("Id", "")] = target


class _SharedStrings(_Part):
    """The shared strings: the index of every string longer than a cell may be (the worksheet
    scan then names the cells that use them). Their text is counted, never kept."""

    def __init__(self, cell_chars: int, long: set[int]):
        super().__init__()
        self.cell_chars = cell_chars
        self.long = long
        self.index = -1
        self.chars = 0

    def start(self, name, attrs):
        if _local(name) == "si":
            self.index += 1
            self.chars = 0

    def end(self, name):
        if _local(name) == "si" and self.chars > self.cell_chars:
            self.long.add(self.index)

    def text(self, data):
        self.chars += len(data)


class _Worksheet(_Part):
    """A worksheet, cell by cell: see the module docstring for what is recorded."""

    def __init__(self, sheet: SheetScan, scanner: _Scanner):
        super().__init__()
        self.sheet = sheet
        self.limits = scanner.limits
        self.data_rows = scanner.row_limits.get(sheet.name)
        self.long_strings = scanner.long_strings
        self.problems = scanner.problems
        self.row = self.column = 0
        self.row_filled = False
        self.capture = ""  # "v", "t" or "f" while inside one of a cell's text elements
        self.cell_type = "n"
        self.chars = 0
        self.formula = False
        self.value: list[str] = []

    def _problem(self, message: str, *, located: bool = False):
        if located:
            problem = Problem(self.sheet.name, message, self.row, column_letter(self.column - 1))
        else:
            problem = Problem(self.sheet.name, message)
        self.problems.append(problem)
        raise _Stop

    def _too_long(self):
        self._problem(
            f"单元格内容过长（超过 {self.limits.cell_chars} 个字符），请删减后再导入。",
            located=True,
        )

    def start(self, name, attrs):
        self.run = 0
        local = _local(name)
        if local == "c":
            self._cell_start(attrs)
        elif local in ("v", "t", "f"):
            self.capture = local
            self.formula = self.formula or local == "f"
        elif local == "row":
            self._row_start(attrs)

    def _row_start(self, attrs):
        number = attrs.get("r")
        if number is None:
            self.row += 1
        elif number.isascii() and number.isdigit():
            self.row = int(number)
        else:
            raise _Refused(damaged("行号无效"))
        if self.row > EXCEL_ROWS:
            raise _Refused(damaged("行号超出 Excel 的范围"))
        if self.row > self.limits.scanned_rows:
            self._problem(
                f"工作表超过 {self.limits.scanned_rows} 行（含空行），无法导入。"
                "请删除表格下方多余的行后再导入。"
            )
        self.column = 0
        self.row_filled = False

    def _cell_start(self, attrs):
        reference = attrs.get("r")
        if reference is None:
            self.column += 1
        else:
            match = _CELL_REF.fullmatch(reference)
            if match is None:
                raise _Refused(damaged("单元格位置无效"))
            self.column = column_index(match[1])
        if self.column > EXCEL_COLUMNS:
            raise _Refused(damaged("列超出 Excel 的范围"))
        self.sheet.cells += 1
        if self.sheet.cells > self.limits.cells:
            self._problem(
                f"工作表的单元格超过 {self.limits.cells} 个，无法导入。"
                "请删除多余的行和列（包括只设置了格式的空单元格）后再导入。"
            )
        self.cell_type = attrs.get("t", "n")
        self.chars = 0
        self.formula = False
        self.value = []

    def text(self, data):
        if not self.capture:
            super().text(data)
            return
        self.chars += len(data)
        if self.chars > self.limits.cell_chars:
            self._too_long()
        if self.capture == "v" and len(self.value) < 8:
            self.value.append(data)

    def end(self, name):
        self.run = 0
        local = _local(name)
        if local in ("v", "t", "f"):
            self.capture = ""
        elif local == "c":
            self._cell_end()
        elif local == "row":
            self._row_end()

    def _cell_end(self):
        value = "".join(self.value).strip()
        if self.cell_type == "s" and value.isdigit() and int(value) in self.long_strings:
            self._too_long()
        if self.formula and not value and self.column <= self.limits.columns:
            if len(self.sheet.formulas) >= MAX_FORMULA_CELLS:
                self._problem(
                    f"工作表中有超过 {MAX_FORMULA_CELLS} 个没有计算结果的公式单元格。"
                    "请在 Excel 中打开并保存，或把公式单元格“粘贴为数值”后再导入。"
                )
            self.sheet.formulas.add((self.row, self.column))
        if value or (self.cell_type == "inlineStr" and self.chars):
            self.row_filled = True

    def _row_end(self):
        self.sheet.rows = max(self.sheet.rows, self.row)
        if not self.row_filled:
            return
        self.sheet.filled_rows += 1
        if self.data_rows is not None and self.sheet.filled_rows > self.data_rows + 1:
            self._problem(f"数据行超过 {self.data_rows} 行的上限，请分批导入。")


class _Sniff(_Part):
    """A part of unknown role: a worksheet if its root element is one, else a plain part."""

    def __init__(self, scanner: _Scanner, path: str):
        super().__init__()
        self.scanner = scanner
        self.path = path
        self.parser = None  # set by `_Scanner.read`

    def start(self, name, attrs):
        if _local(name) == "worksheet":
            role = _Worksheet(self.scanner.sheet_for(self.path), self.scanner)
        else:
            role = _Part()
        # From the root element on, expat calls the role directly.
        self.parser.StartElementHandler = role.start
        self.parser.EndElementHandler = role.end
        self.parser.CharacterDataHandler = role.text
        role.start(name, attrs)


# --- the archive ----------------------------------------------------------------------------


def _refuse_declaration(*args):
    raise _Refused(ValidationError(ENTITIES))


class _Scanner:
    """One pass over the archive's members, recording what `ArchiveScan` reports."""

    def __init__(self, archive: zipfile.ZipFile, limits: Limits, row_limits: dict[str, int]):
        self.archive = archive
        self.limits = limits
        self.row_limits = row_limits
        self.problems: list[Problem] = []
        self.long_strings: set[int] = set()
        self.names: dict[str, str] = {}  # worksheet path → sheet name
        self.sheets: dict[str, SheetScan] = {}
        self.scanned: set[int] = set()  # ids of the ZipInfo already read

    def sheet_for(self, path: str) -> SheetScan:
        name = self.names.get(path, "未列入工作簿的工作表")
        sheet = SheetScan(name=name, path=path)
        if path in self.names:
            self.sheets[name] = sheet
        return sheet

    def read(self, info: zipfile.ZipInfo, role: _Part | None) -> None:
        """Inflate one member chunk by chunk (at most its declared size), through expat when
        it is XML (`role`, or sniffed from its first bytes)."""
        self.scanned.add(id(info))
        parser, fed = None, 0
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(CHUNK_BYTES):
                    fed += len(chunk)
                    if fed > info.file_size:
                        raise damaged("部件的实际大小与声明的不符")
                    if parser is None and fed == len(chunk):
                        if role is None and self._is_xml(info.filename, chunk):
                            role = _Sniff(self, info.filename)
                        if role is not None:
                            parser = self._parser(role)
                            if isinstance(role, _Sniff):
                                role.parser = parser
                    if parser is not None:
                        parser.Parse(chunk, False)
                        if fed - max(parser.CurrentByteIndex, 0) > MAX_TOKEN_BYTES:
                            raise damaged("含有异常的超长标记")
            if parser is not None:
                parser.Parse(b"", True)
        except _Stop:
            return
        except _Refused as refused:
            raise refused.error from None
        except expat.ExpatError:
            raise damaged("XML 内容格式错误") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise damaged("压缩数据损坏或校验失败") from exc
        except (RuntimeError, NotImplementedError) as exc:
            raise damaged("部件无法解压") from exc

    def _is_xml(self, path: str, head: bytes) -> bool:
        """Whether openpyxl may parse the member as XML: a sheet it was pointed to, or an
        .xml/.rels part starting like XML. (VML drawings, which Excel writes as loose HTML-like
        markup and openpyxl does not read in read-only mode, are only counted.)"""
        named = path in self.names or path.endswith((".xml", ".rels"))
        return named and head.lstrip(b" \t\r\n").startswith(_XML_START)

    @staticmethod
    def _parser(role: _Part):
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = _refuse_declaration
        parser.EntityDeclHandler = _refuse_declaration
        parser.StartElementHandler = role.start
        parser.EndElementHandler = role.end
        parser.CharacterDataHandler = role.text
        return parser

    def run(self) -> None:
        """Read the parts openpyxl needs to find the sheets first, then every other member."""
        infos = {info.filename: info for info in self.archive.infolist()}
        content_types = infos.get("[Content_Types].xml")
        if content_types is None:
            raise not_xlsx("缺少工作簿部件")
        types = _ContentTypes()
        self.read(content_types, types)
        workbook_path = types.workbook_path()
        if workbook_path not in infos:
            raise not_xlsx("缺少工作簿部件")
        workbook = _Workbook()
        self.read(infos[workbook_path], workbook)
        folder, filename = posixpath.split(workbook_path)
        rels_path = posixpath.join(folder, "_rels", filename + ".rels")
        if rels_path in infos:
            rels = _Relationships(rels_path)
            self.read(infos[rels_path], rels)
            for name, rid in workbook.sheets:
                if rid in rels.targets:
                    self.names.setdefault(rels.targets[rid], name)
        strings_path = types.part((_SHARED_STRINGS_TYPE,))
        if strings_path in infos:
            self.read(
                infos[strings_path], _SharedStrings(self.limits.cell_chars, self.long_strings)
            )
        for info in self.archive.infolist():
            if id(info) not in self.scanned:
                self.read(info, None)
        if self.long_strings and not self.problems:
            # A shared string no cell of a read worksheet uses: openpyxl would still load it.
            raise ValidationError(
                f"文件中有超过 {self.limits.cell_chars} 个字符的文字，请删减后再导入。"
            )
        order = {name: index for index, (name, _) in enumerate(workbook.sheets)}
        self.sheets = dict(sorted(self.sheets.items(), key=lambda item: order.get(item[0], 0)))


def _archive_open(data: bytes, limits: Limits) -> zipfile.ZipFile:
    if not isinstance(data, bytes):  # a text stream was uploaded
        raise not_xlsx()
    if len(data) > limits.file_bytes:
        raise ValidationError(f"文件过大：不能超过 {size_text(limits.file_bytes)}。")
    if data.startswith(OLE_MAGIC):
        raise ValidationError(OLD_XLS)
    if not data.startswith(ZIP_MAGIC):
        raise not_xlsx()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except Exception:  # any fault of the zip directory: the file is not a workbook
        raise not_xlsx("文件已损坏或不是 zip 格式") from None
    if len(members) > limits.members:
        raise ValidationError(
            f"文件包含 {len(members)} 个部件，超过 {limits.members} 个的上限（可能是恶意文件），"
            "拒绝导入。"
        )
    inflated = sum(m.file_size for m in members)
    if inflated > limits.inflated_bytes:
        raise ValidationError(
            f"文件解压后约 {inflated // MB} MB，超过 {limits.inflated_bytes // MB} MB 的上限"
            "（可能是恶意的压缩炸弹文件），拒绝导入。"
        )
    for member in members:
        if member.flag_bits & 0x1:
            raise ValidationError("文件已加密，请在 Excel 中取消密码保护后再导入。")
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise damaged("使用了不支持的压缩方式")
    return archive


def archive_scan(
    data: bytes, *, limits: Limits, row_limits: dict[str, int] | None = None
) -> ArchiveScan:
    """Check and scan the workbook `data` (see the module docstring); `row_limits` caps the
    filled rows (header included + 1) of the named sheets. Raises ValidationError."""
    with _archive_open(data, limits) as archive:
        scanner = _Scanner(archive, limits, row_limits or {})
        scanner.run()
    if scanner.problems:
        raise problems_error(scanner.problems, sheet_order=list(scanner.sheets))
    return ArchiveScan(sheets=scanner.sheets)
