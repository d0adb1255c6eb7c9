"""Severities of the check findings, defined once: 错误 blocks 提交, 警告 is listed for the
reviewer, 提示 informs. The workflow (`units.services`) weighs them; the checks themselves
(`tables.figures.checks`, `performance.checks`, the narrative's N rules) live in the layers above
and use these. Plain constants, importable by pure code."""

ERROR = "错误"
WARNING = "警告"
NOTICE = "提示"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, NOTICE: 2}
