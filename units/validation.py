"""Validation rules of a budget line, shared by the admin form, services and importers.

Each rule returns Chinese messages keyed by field so a form can show them beside the field and
an importer can name the row and column.
"""

from units.choices import CodeScheme, ExpenseKind, UnitIncomeType

#: 部门经济分类 classes allowed for each kind of 基本支出.
PERSONNEL_CLASSES = frozenset({"301", "303"})
PUBLIC_CLASSES = frozenset({"302", "309", "310"})

#: 部门经济分类 class → the 政府经济分类 classes it may be paired with, as the national 对照表
#: (财预〔2017〕98号 附件《部门预算支出经济分类科目与政府预算支出经济分类科目对照表》) pairs them.
#: A 机关 (行政/参公) line goes to the 50x 机关 class; a 事业单位 line to 505 (经常性补助) or 506
#: (资本性补助). The two 资本性支出 classes are easy to swap: 310 资本性支出 is 503 机关资本性支出（一）
#: / 50601 资本性支出（一）, and 309 资本性支出（基本建设） is 504 机关资本性支出（二） / 50602
#: 资本性支出（二）; likewise 312 对企业补助 is 507 (费用、利息补贴) or 50801 and 311 对企业补助
#: （基本建设） is 50802. 303 对个人和家庭的补助 is 509 for both kinds of unit.
GOV_CLASSES_FOR_DEPT_CLASS = {
    "301": {"501", "505"},
    "302": {"502", "505"},
    "303": {"509"},
    "307": {"511"},
    "309": {"504", "506"},
    "310": {"503", "506"},
    "311": {"508"},
    "312": {"507", "508"},
    "313": {"510"},
    "399": {"599"},
}


#: why a 部门汇总单位 takes no lines (the desk, the services and the admin say the same)
CONSOLIDATING_NO_LINES = (
    "本单位是部门汇总单位：部门预算由各成员单位已审核通过的预算汇总生成，不能录入、修改或导入"
    "预算明细和项目，请在成员单位的填报中录入；单位概况和情况说明仍在本填报中填写。"
)


def code_errors(code, *, scheme: str, year: int, level: int, label: str) -> list[str]:
    """Errors for a classification code used on a line of `year` (scheme, level, year, active)."""
    if code is None:
        return [f"请选择{label}。"]
    errors = []
    if code.scheme != scheme:
        errors.append(f"{label}“{code.code}”不属于{CodeScheme(scheme).label}。")
    if code.year != year:
        errors.append(f"{label}“{code.code}”是{code.year}年的科目，不能用于{year}年预算。")
    if code.level != level:
        level_name = {1: "类", 2: "款", 3: "项"}[level]
        errors.append(
            f"{label}“{code.code} {code.name}”不是{level_name}级科目，请选择{level_name}级科目。"
        )
    if not code.is_active:
        errors.append(f"{label}“{code.code} {code.name}”已停用。")
    return errors


#: `FundSource.UNIT_FUNDS` (the models import this module, so the value is repeated here).
UNIT_FUNDS = "unit_funds"


def budget_line_errors(line) -> dict[str, list[str]]:
    """All rule violations of one budget line, by field name."""
    errors: dict[str, list[str]] = {}

    def add(field, messages):
        if messages:
            errors.setdefault(field, []).extend(messages)

    if not line.submission_id:
        return {"submission": ["请选择所属填报。"]}
    if line.submission.unit.consolidates_department:
        # the admin's and every other form's guard; services refuse earlier with the same words
        return {"submission": [CONSOLIDATING_NO_LINES]}
    year = line.submission.year
    func = line.func_code if line.func_code_id else None
    dept = line.dept_econ_code if line.dept_econ_code_id else None
    gov = line.gov_econ_code if line.gov_econ_code_id else None
    add(
        "func_code",
        code_errors(func, scheme=CodeScheme.FUNCTIONAL, year=year, level=3, label="功能科目"),
    )
    add(
        "dept_econ_code",
        code_errors(
            dept, scheme=CodeScheme.DEPT_ECONOMIC, year=year, level=2, label="部门经济科目"
        ),
    )
    add(
        "gov_econ_code",
        code_errors(gov, scheme=CodeScheme.GOV_ECONOMIC, year=year, level=2, label="政府经济科目"),
    )
    if dept is not None and gov is not None and "dept_econ_code" not in errors:
        allowed = GOV_CLASSES_FOR_DEPT_CLASS.get(dept.code[:3], set())
        if gov.code[:3] not in allowed:
            add(
                "gov_econ_code",
                [
                    f"政府经济科目“{gov.code} {gov.name}”与部门经济科目“{dept.code} {dept.name}”"
                    f"不属于对应的类（应为 {'、'.join(sorted(allowed)) or '无'} 类）。"
                ],
            )
    if dept is not None and "dept_econ_code" not in errors:
        dept_class = dept.code[:3]
        if line.expense_kind == ExpenseKind.PERSONNEL and dept_class not in PERSONNEL_CLASSES:
            add(
                "dept_econ_code",
                [
                    f"人员经费只能使用工资福利支出（301）或对个人和家庭的补助（303）科目，"
                    f"“{dept.code} {dept.name}”不可用。"
                ],
            )
        if line.expense_kind == ExpenseKind.PUBLIC and dept_class not in PUBLIC_CLASSES:
            add(
                "dept_econ_code",
                [
                    f"公用经费只能使用商品和服务支出（302）或资本性支出（309、310）科目，"
                    f"“{dept.code} {dept.name}”不可用。"
                ],
            )
    if line.expense_kind == ExpenseKind.PROJECT and not line.project_id:
        add("project", ["项目支出必须选择所属项目。"])
    if line.expense_kind in (ExpenseKind.PERSONNEL, ExpenseKind.PUBLIC) and line.project_id:
        add("project", ["基本支出不能关联项目，请清空“项目”或把支出类型改为项目支出。"])
    if line.project_id and line.project.submission_id != line.submission_id:
        add("project", ["所选项目不属于本填报。"])
    if line.amount is not None and line.amount < 0:
        add("amount", ["金额不能为负数。"])
    # The income type names a kind of the unit's own income; every other fund is its own
    # income type (财政拨款收入 by fund, 财政专户管理资金收入), so the field would say nothing.
    if line.income_type and line.income_type not in UnitIncomeType.values:
        choices = "、".join(UnitIncomeType.labels)
        add("income_type", [f"收入类型“{line.income_type}”无效，应为 {choices} 之一或留空。"])
    elif line.income_type and line.fund_source != UNIT_FUNDS:
        add(
            "income_type",
            [
                f"收入类型“{UnitIncomeType(line.income_type).label}”只适用于资金来源为单位资金"
                "的明细：请清空收入类型，或把资金来源改为单位资金。"
            ],
        )
    return errors
