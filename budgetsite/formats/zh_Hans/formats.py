"""How dates read everywhere a person sees one (admin lists, read-only form fields, pages,
messages): 2026年3月5日, with 14:05 for a time. Django's zh_Hans formats, restated here so the
product owns them (FORMAT_MODULE_PATH), with the Chinese input formats corrected: Django's use
`%n`/`%j` (a newline and the day of the year to strptime), so「2026年3月5日」typed in a date
field was refused. The first input format stays ISO: it is what the admin's calendar writes
and reads back."""

DATE_FORMAT = "Y年n月j日"  # 2026年3月5日
TIME_FORMAT = "H:i"  # 14:05
DATETIME_FORMAT = "Y年n月j日 H:i"  # 2026年3月5日 14:05
YEAR_MONTH_FORMAT = "Y年n月"  # 2026年3月
MONTH_DAY_FORMAT = "n月j日"  # 3月5日
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
FIRST_DAY_OF_WEEK = 1  # 星期一

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-03-05 (the calendar's)
    "%Y/%m/%d",  # 2026/03/05
    "%Y年%m月%d日",  # 2026年3月5日 (strptime accepts one digit for %m and %d)
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
]

# Numbers: Django's zh_Hans separators (USE_THOUSAND_SEPARATOR is off; money is formatted by
# the project's own functions).
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ""
NUMBER_GROUPING = 4
