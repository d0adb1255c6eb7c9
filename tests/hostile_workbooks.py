"""Hostile .xlsx files, built in code from a valid workbook (nothing binary is committed).

Each builder takes the bytes of a good workbook and the zip member of the worksheet to attack
(e.g. "xl/worksheets/sheet2.xml") and returns the bytes of the hostile file.
"""

import io
import struct
import zipfile

MB = 1024 * 1024

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
)
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def member(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def member_replaced(data: bytes, name: str, content=None, *, write=None) -> bytes:
    """The zip `data` with member `name` replaced by `content`, or by what `write(stream)`
    writes (for contents too big to hold)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info.filename))
            elif write is not None:
                with target.open(name, "w", force_zip64=True) as stream:
                    write(stream)
            else:
                target.writestr(name, content)
    return buffer.getvalue()


def member_added(data: bytes, name: str, content: bytes) -> bytes:
    """The zip `data` with one more member."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def _central_entry(data: bytes, name: str) -> int:
    """Offset of the central directory entry of member `name`."""
    position = 0
    while True:
        central = data.index(b"PK\x01\x02", position)
        (length,) = struct.unpack("<H", data[central + 28 : central + 30])
        if data[central + 46 : central + 46 + length] == name.encode():
            return central
        position = central + 4


def _central_patched(data: bytes, name: str, offset: int, value: int) -> bytes:
    patched = bytearray(data)
    entry = _central_entry(data, name) + offset
    patched[entry : entry + 4] = struct.pack("<I", value)
    return bytes(patched)


def _sheet_split(data: bytes, name: str) -> tuple[bytes, bytes]:
    """The worksheet XML before and from its `</sheetData>`."""
    body = member(data, name)
    end = body.index(b"</sheetData>")
    return body[:end], body[end:]


def declared_size_lying(data: bytes, name: str, padding: int = 20 * MB) -> bytes:
    """The sheet padded by `padding` bytes, its directory entry claiming 4096 bytes."""
    head, tail = _sheet_split(data, name)
    big = member_replaced(data, name, head + b" " * padding + tail)
    return _central_patched(big, name, 24, 4096)


def crc_broken(data: bytes, name: str) -> bytes:
    """The sheet's directory entry with a wrong CRC-32."""
    crc = struct.unpack("<I", data[_central_entry(data, name) + 16 :][:4])[0]
    return _central_patched(data, name, 16, crc ^ 0xFFFFFFFF)


def zip_bomb(data: bytes, name: str, megabytes: int = 300) -> bytes:
    """The sheet inflating to `megabytes` MB of white space, from a file of a few hundred KB."""
    head, tail = _sheet_split(data, name)
    chunk = b" " * MB

    def write(stream):
        stream.write(head)
        for _ in range(megabytes):
            stream.write(chunk)
        stream.write(tail)

    return member_replaced(data, name, write=write)


def too_many_members(data: bytes, count: int = 1_001) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        for number in range(count):
            target.writestr(f"customXml/item{number}.xml", b"<a/>")
    return buffer.getvalue()


def _first_text_referenced(body: bytes, reference: bytes) -> bytes:
    """The sheet with its first inline text replaced by the entity `reference`."""
    start = body.index(b"<t>") + 3
    end = body.index(b"</t>", start)
    return body[:start] + reference + body[end:]


def with_doctype(data: bytes, name: str, doctype: bytes, reference: bytes) -> bytes:
    """The sheet declaring `doctype` and using `reference` in its first text cell."""
    body = member(data, name)
    if body.startswith(b"<?xml"):
        body = body.split(b"?>", 1)[1]
    return member_replaced(data, name, doctype + _first_text_referenced(body, reference))


def row_far_below(data: bytes, name: str, row: int) -> bytes:
    """The sheet with one more row, numbered `row`."""
    head, tail = _sheet_split(data, name)
    extra = f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
    return member_replaced(data, name, head + extra + tail)


def long_cell(data: bytes, name: str, row: int = 1000, megabytes: int = 150) -> bytes:
    """The sheet with cell B`row` holding `megabytes` MB of text."""
    head, tail = _sheet_split(data, name)
    chunk = b"A" * MB

    def write(stream):
        stream.write(head)
        stream.write(f'<row r="{row}"><c r="B{row}" t="inlineStr"><is><t>'.encode())
        for _ in range(megabytes):
            stream.write(chunk)
        stream.write(b"</t></is></c></row>")
        stream.write(tail)

    return member_replaced(data, name, write=write)


def long_shared_string(data: bytes, name: str, row: int = 1000, megabytes: int = 150) -> bytes:
    """The workbook with a `megabytes` MB shared string used by cell B`row` of the sheet."""
    strings = "xl/sharedStrings.xml"
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert strings not in names, "the builder adds the shared strings part itself"
    head, tail = _sheet_split(data, name)
    cell = f'<row r="{row}"><c r="B{row}" t="s"><v>0</v></c></row>'.encode()
    data = member_replaced(data, name, head + cell + tail)
    types = member(data, "[Content_Types].xml").replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    data = member_replaced(data, "[Content_Types].xml", types)
    buffer = io.BytesIO(data)
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open(strings, "w", force_zip64=True) as stream,
    ):
        stream.write(
            b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats'
            b'.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
        )
        chunk = b"A" * MB
        for _ in range(megabytes):
            stream.write(chunk)
        stream.write(b"</t></si></sst>")
    return buffer.getvalue()
