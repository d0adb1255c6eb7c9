"""Zip archives of published files, reproducible: every entry carries the same given date (the
publication time), so equal contents give equal bytes."""

from __future__ import annotations

import datetime
import io
import zipfile


def dated_zip(files: dict[str, bytes], *, date_time: datetime.datetime) -> bytes:
    """A deflated zip of `files` (name → bytes, in that order), every entry dated `date_time`
    as given (pass local time: zip dates have no zone)."""
    stamp = date_time.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()
