"""Checks shared by the open-data tests: a small Table Schema checker for the published CSVs,
and reading a CSV into dicts."""

from __future__ import annotations

import csv
import io
import re

_INTEGER = re.compile(r"^-?[0-9]+$")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
MONEY_TEXT = re.compile(r"^-?[0-9]+\.[0-9]{2}$")


def table_schema_errors(content: bytes, schema: dict) -> list[str]:
    """A small Table Schema checker: plain UTF-8 (no BOM), header = the field names, every value
    parses as its field's type, required fields are filled, enums hold; amounts have 2 places."""
    errors = []
    if content.startswith(b"\xef\xbb\xbf"):
        errors.append("BOM")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    if not rows or rows[0] != names:
        return [*errors, f"header {rows[:1]} != {names}"]
    missing = set(schema.get("missingValues", [""]))
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(fields):
            errors.append(f"line {number}: {len(row)} values")
            continue
        for field, value in zip(fields, row, strict=True):
            where = f"line {number} {field['name']}={value!r}"
            constraints = field.get("constraints", {})
            if value in missing:
                if constraints.get("required"):
                    errors.append(f"{where}: required")
                continue
            kind = field["type"]
            if kind == "integer" and not _INTEGER.match(value):
                errors.append(f"{where}: not an integer")
            elif kind == "number" and not _NUMBER.match(value):
                errors.append(f"{where}: not a number")
            elif (
                kind == "number"
                and field.get("columnType") == "value"
                and not MONEY_TEXT.match(value)
            ):
                errors.append(f"{where}: not 元 with 2 places")
            elif kind == "boolean" and value not in ("true", "false"):
                errors.append(f"{where}: not a boolean")
            if "enum" in constraints and value not in constraints["enum"]:
                errors.append(f"{where}: not in {constraints['enum']}")
    return errors


def csv_dicts(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(bytes(content).decode("utf-8"), newline="")))
