"""Django system checks of what the PDF renderer needs from the machine.

WeasyPrint finds fonts through fontconfig. Without a Chinese (CJK) font every Chinese
character of the PDF would print as a missing-glyph box, silently; this check makes that a
clear error at start-up (`manage.py check`, runserver, migrate) instead.
"""

from __future__ import annotations

import shutil
import subprocess

from django.core import checks

#: the face static/css/document.css asks for first
PREFERRED_FAMILY = "Noto Sans CJK SC"
INSTALL_HINT = (
    "请安装中文字体 fonts-noto-cjk（Debian/Ubuntu：apt-get install fonts-noto-cjk，"
    "或运行 scripts/setup.sh）。Install the fonts-noto-cjk package "
    "(apt-get install fonts-noto-cjk, or run scripts/setup.sh)."
)


def cjk_font_families() -> list[str] | None:
    """Families fontconfig offers for Simplified Chinese, or None when fontconfig's `fc-list`
    is not available."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        result = subprocess.run(
            [fc_list, ":lang=zh-cn", "family"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    families = set()
    for line in result.stdout.splitlines():
        families.update(name.strip() for name in line.split(",") if name.strip())
    return sorted(families)


@checks.register(checks.Tags.compatibility)
def cjk_font_check(app_configs=None, **kwargs):
    """tables.E001 when no CJK font is available for the PDF; tables.W001 when the preferred
    one is missing (another CJK face will be used)."""
    families = cjk_font_families()
    if families is None:
        return [
            checks.Error(
                "找不到 fontconfig（fc-list），无法确认 PDF 所需的中文字体。"
                "fontconfig (fc-list) was not found, so no CJK font can be found for PDFs.",
                hint="请安装 fontconfig 和 fonts-noto-cjk。Install fontconfig and fonts-noto-cjk.",
                id="tables.E002",
            )
        ]
    if not families:
        return [
            checks.Error(
                "没有可用的中文（CJK）字体，生成的 PDF 将无法显示中文。"
                "No CJK font is available: Chinese text in PDFs would not render.",
                hint=INSTALL_HINT,
                id="tables.E001",
            )
        ]
    if PREFERRED_FAMILY not in families:
        return [
            checks.Warning(
                f"未安装首选字体 {PREFERRED_FAMILY}，PDF 将使用 {families[0]}。"
                f"The preferred font {PREFERRED_FAMILY} is missing; PDFs will use {families[0]}.",
                hint=INSTALL_HINT,
                id="tables.W001",
            )
        ]
    return []
