"""Demo data: the golden seed unit (阳城县人民代表大会常务委员会办公室, 2025) as budget lines in 元.

Every published table cell is derived from these lines. The seed only shows 万元 with 2 places;
where its cells agree only within rounding, the exact 元 amounts below are chosen so that every
published cell — each line, each 项/款/类 subtotal and each total — rounds (half-up) to the value
printed. The choices are explained beside the amounts.
"""

from dataclasses import dataclass
from decimal import Decimal

UNIT_CODE = "003"
UNIT_NAME = "阳城县人民代表大会常务委员会办公室"
YEAR = 2025

DUTIES = """（一）对全国、省、市人大常委会下发的法律、法规草案，组织征求意见，并整理修改意见上报。
（二）对提交县人代会审议的本辖区国民经济和社会发展规划草案、预算草案进行审查并提出报告；对计划、预算执行情况进行初审并对计划、预算的部分变更提出审查报告。
（三）对市人大常委会讨论、决定的本区政治、经济、教育、科学、文化、卫生、民政、民族工作等重大事项进行调查研究并提出初步意见。
（四）对宪法、法律、行政法规和本县制定的法规的执行情况组织视察和检查。
（五）对本县经济和社会生活中的重大问题及人民群众普遍关心的“热点”问题组织调查研究、视察和检查。
（六）组织人大代表评议县“一府一委两院”的工作。
（七）督促县人代会期间代表议案、意见和建议的办理工作。
（八）办理市人大常委会任免范围内的干部任免手续。
（九）组织县人大代表的选举和市人大代表的选举。
（十）联系县人大代表，组织代表视察、检查和接访选民活动，督促代表视察、检查和接访活动中提出意见、建议的办理工作。
（十一）联系在阳城工作的全国人大代表及省、市人大代表，协助开展视察活动。
（十二）负责县人代会、市人大常委会党组会议、人大常委会会议、主任会议等会议的组织和服务工作。
（十三）负责市人大常委会文件、报告的起草、印发和人大工作的宣传报道。
（十四）受理人民群众的来信来访。
（十五）负责全国人大常委会和省、市、县人大来阳城参观接待工作。"""

ORGANISATION = (
    "根据主要职责，市人大常委会机关设7个内设机构和市人大常委会代表联络室，分别是：（一）市人大常委会办公室；"
    "（二）市人大常委会代表工作委员会；（三）市人大常委会农村工作委员会；（四）市人大常委会社会建设工作委员会；"
    "（五）市人大常委会预算工作委员会（县人大财政经济委员会）；（六）市人大常委会法制工作委员会（县人大法制委员会）；"
    "（七）市人大常委会教育科学文化卫生工作委员会。"
)


@dataclass(frozen=True)
class DemoLine:
    func: str
    dept: str
    gov: str
    kind: str  # personnel / public / project
    amount: str  # 元
    project: str = ""  # project key for 项目支出
    carryover: bool = False


# 基本支出 (all 一般公共预算, current year). The 机关 part (行政运行 2010101) pairs 部门 codes with
# 机关 政府经济科目 (501/502); the 事业 part (事业运行 2010150 and 政协 2010250) with 505. The
# 事业 part adds up exactly: 43.46 + 5.50 + 35.79 + 0.32 + 1.53 + 2.67 = 89.27 = 88.43 + 0.84.
BASIC_LINES = (
    DemoLine("2010101", "30101", "50101", "personnel", "1199000.00"),
    DemoLine("2010150", "30101", "50501", "personnel", "426200.00"),
    # 政协事务/事业运行 0.84 is part of the 事业 基本工资 (42.62 + 0.84 = 43.46).
    DemoLine("2010250", "30101", "50501", "personnel", "8400.00"),
    DemoLine("2010101", "30102", "50101", "personnel", "710400.00"),
    DemoLine("2010150", "30102", "50501", "personnel", "55000.00"),
    DemoLine("2010101", "30103", "50101", "personnel", "353900.00"),
    DemoLine("2010150", "30107", "50501", "personnel", "357900.00"),
    # 社会保障和就业支出 prints 162.59 while its 项 print 91.38 + 47.48 + 23.74 = 162.60: the
    # 机关 养老保险 part is 34.6850 (→ 34.69), so 208 is exactly 162.5910.
    DemoLine("2080505", "30108", "50102", "personnel", "346850.00"),
    DemoLine("2080505", "30108", "50501", "personnel", "127900.00"),
    # 职业年金: 表六 prints 17.34 + 6.39 while 表二 prints 2080506 as 23.74, so both parts sit
    # just below their rounding limit: 17.3440 + 6.3940 = 23.7380 → 17.34, 6.39, 23.74.
    DemoLine("2080506", "30109", "50102", "personnel", "173440.00"),
    DemoLine("2080506", "30109", "50501", "personnel", "63940.00"),
    DemoLine("2101101", "30110", "50102", "personnel", "140900.00"),
    DemoLine("2101102", "30110", "50501", "personnel", "52000.00"),
    DemoLine("2101103", "30111", "50102", "personnel", "65000.00"),
    DemoLine("2101103", "30111", "50501", "personnel", "24000.00"),
    # 行政运行 prints 293.41 while its 表六 parts print 293.42, and 公用经费 prints 60.95 while
    # its parts print 60.96: three parts sit exactly on a half-up boundary (其他社会保障缴费
    # 0.4250 → 0.43, 机关工会经费 4.1350 → 4.14, 事业工会经费 1.5250 → 1.53), so 行政运行 is
    # exactly 293.4100, 事业运行 88.4250 (→ 88.43) and 公用经费 60.9500.
    DemoLine("2010101", "30112", "50102", "personnel", "4250.00"),
    DemoLine("2010150", "30112", "50501", "personnel", "3200.00"),
    DemoLine("2210201", "30113", "50103", "personnel", "416800.00"),
    DemoLine("2010101", "30199", "50199", "personnel", "99000.00"),
    DemoLine("2010101", "30201", "50201", "public", "228000.00"),
    DemoLine("2010101", "30217", "50206", "public", "20000.00"),
    DemoLine("2010101", "30228", "50201", "public", "41350.00"),
    DemoLine("2010150", "30228", "50502", "public", "15250.00"),
    DemoLine("2010101", "30229", "50201", "public", "72400.00"),
    DemoLine("2010150", "30229", "50502", "public", "26700.00"),
    DemoLine("2010101", "30239", "50201", "public", "205800.00"),
    # 离休费 13.30 + 退休费 78.07 print 91.37 but 行政单位离退休 prints 91.38: 13.3040 + 78.0740
    # = 91.3780.
    DemoLine("2080501", "30301", "50905", "personnel", "133040.00"),
    DemoLine("2080501", "30302", "50905", "personnel", "780740.00"),
    DemoLine("2100799", "30309", "50901", "personnel", "600.00"),
)


@dataclass(frozen=True)
class DemoProject:
    key: str
    name: str
    category: str  # operating (其他运转类) / specific (特定目标类)
    recurrence: str  # recurring / one_off
    period_years: int
    func: str
    dept: str
    gov: str
    amount: str  # 元
    allocation_of: str = ""
    carryover: bool = False


# 表十二 rows in published order. 其他人大事务支出 2010199 (183.00) holds the unit's own running
# projects; 代表工作 2010108 (317.75) the deputies' projects; 会议费 is 人大会议 2010104 (60.00).
# Amounts come from the projects' target tables where published (e.g. 63,566 元, 64,906 元).
# 表十二's rows print 560.76 in all against a total of 560.75: the exact total is 560.7538 —
# 6.3566 and 6.4906 round as published and 无固定收入代表履职补贴's second allocation is taken as
# 115,666 元 (prints 11.57), the one choice needed for 代表工作 (317.7538) and the total to print
# 317.75 and 560.75. The category split (其他运转类 11 rows, 359.9906 → 359.99; 特定目标类 12 rows,
# 200.7632 → 200.76) reproduces section 十 of the seed.
PROJECTS = (
    DemoProject(
        "p01", "人大会刊费", "operating", "recurring", 99, "2010199", "30202", "50201", "100000.00"
    ),
    DemoProject(
        "p02", "考察调研费", "operating", "recurring", 99, "2010199", "30211", "50201", "200000.00"
    ),
    DemoProject(
        "p03",
        "人大代表视察活动经费",
        "operating",
        "recurring",
        99,
        "2010108",
        "30211",
        "50201",
        "215000.00",
    ),
    DemoProject(
        "p04", "网络维护费", "operating", "recurring", 99, "2010199", "30213", "50209", "150000.00"
    ),
    DemoProject(
        "p05",
        "临时人员工资及各类保险",
        "operating",
        "recurring",
        99,
        "2010199",
        "30226",
        "50205",
        "200000.00",
    ),
    DemoProject(
        "p06", "培训费", "operating", "recurring", 99, "2010199", "30216", "50203", "800000.00"
    ),
    DemoProject(
        "p07",
        "处级领导考察费",
        "operating",
        "recurring",
        99,
        "2010199",
        "30212",
        "50207",
        "180000.00",
    ),
    DemoProject(
        "p08",
        "乡镇(县直)人大办公经费",
        "specific",
        "recurring",
        99,
        "2010108",
        "30299",
        "50299",
        "170000.00",
    ),
    DemoProject(
        "p09",
        "乡镇代表活动经费",
        "specific",
        "recurring",
        99,
        "2010108",
        "30299",
        "50299",
        "450000.00",
    ),
    DemoProject(
        "p10",
        "代表交通和通讯补贴",
        "specific",
        "recurring",
        99,
        "2010108",
        "30399",
        "50999",
        "516000.00",
    ),
    DemoProject(
        "p11",
        "无固定收入代表履职补贴",
        "specific",
        "recurring",
        99,
        "2010108",
        "30399",
        "50999",
        "400000.00",
    ),
    DemoProject(
        "p12", "会议费", "operating", "recurring", 99, "2010104", "30215", "50202", "600000.00"
    ),
    DemoProject(
        "p13",
        "无固定收入代表履职补贴",
        "specific",
        "recurring",
        99,
        "2010108",
        "30399",
        "50999",
        "115666.00",
        allocation_of="p11",
    ),
    DemoProject(
        "p14",
        "乡镇代表活动经费",
        "specific",
        "recurring",
        99,
        "2010108",
        "30299",
        "50299",
        "122500.00",
        allocation_of="p09",
    ),
    DemoProject(
        "p15",
        "乡镇(县直)人大办公经费",
        "specific",
        "recurring",
        99,
        "2010108",
        "30299",
        "50299",
        "28300.00",
        allocation_of="p08",
    ),
    DemoProject(
        "p16",
        "代表交通和通讯补贴",
        "specific",
        "recurring",
        99,
        "2010108",
        "30399",
        "50999",
        "33600.00",
        allocation_of="p10",
    ),
    DemoProject(
        "p17",
        "市人大代表联络站经费",
        "specific",
        "one_off",
        1,
        "2010108",
        "30299",
        "50299",
        "13000.00",
    ),
    DemoProject(
        "p18",
        "2025年度市人大代表活动经费",
        "specific",
        "one_off",
        1,
        "2010108",
        "30299",
        "50299",
        "63566.00",
    ),
    DemoProject(
        "p19",
        "2025年度人大代表联络站经费",
        "specific",
        "one_off",
        1,
        "2010108",
        "30299",
        "50299",
        "75000.00",
    ),
    DemoProject(
        "p20",
        "2025年度市人大代表小组活动经费",
        "specific",
        "one_off",
        1,
        "2010108",
        "30299",
        "50299",
        "20000.00",
    ),
    DemoProject(
        "p21",
        "智慧人大二期项目",
        "operating",
        "one_off",
        1,
        "2010108",
        "30227",
        "50205",
        "64906.00",
    ),
    DemoProject(
        "p22",
        "智慧人大三期项目",
        "operating",
        "recurring",
        99,
        "2010108",
        "30227",
        "50205",
        "890000.00",
    ),
    # 更换办公设备 is booked as 办公费 here: the starter 政府经济分类 has no verified 款 for
    # 资本性支出 (310 → 503/504), and the seed does not print project economic codes.
    DemoProject(
        "p23",
        "更换办公设备",
        "operating",
        "recurring",
        99,
        "2010199",
        "30201",
        "50201",
        "200000.00",
    ),
    # 表十三: the one carry-over project (4.94).
    DemoProject(
        "p24",
        "2024年度市人大代表活动经费",
        "specific",
        "one_off",
        1,
        "2010108",
        "30299",
        "50299",
        "49400.00",
        carryover=True,
    ),
)

# Prior-year (2024) figures the narrative compares against, from the seed's section 一/五/七/八:
# 1,180.89 is 16.79 less than last year; 1,175.95 is 10.10 less; 三公 20.00 is 3.00 less (接待
# 5.00 → 2.00); 机关运行经费 60.95 is 7.96 less.
PRIOR = {
    "prior_total": Decimal("11976800.00"),
    "prior_general_current": Decimal("11860500.00"),
    "prior_outbound": Decimal("180000.00"),
    "prior_reception": Decimal("50000.00"),
    "prior_vehicle_purchase": Decimal("0.00"),
    "prior_vehicle_operation": Decimal("0.00"),
    "prior_operating_costs": Decimal("689100.00"),
}

# 九、政府采购: 货物 2.47万元, 工程 0, 服务 0.
PROCUREMENTS = (("goods", "办公设备购置", "p23", "24700.00"),)

ASSETS = {"office_area_m2": Decimal("888.09")}

# 情况说明 reasons as the seed prints them (the narrative adds "主要原因是" itself).
_SMART_NPC_REASON = (
    "本年度计划开展智慧人大三期项目，该项目以一期、二期为基础，延续建设“无纸化会议表决系统”，"
    "其预算资金较二期项目相应减少，故本年预算{}较上年减少"
)
_SANGONG_REASON = "立行勤俭节约,加强预算管理,严控“三公”经费"
TEXTS = {
    "revenue_change_reason": _SMART_NPC_REASON.format("收入"),
    "expense_change_reason": _SMART_NPC_REASON.format("支出"),
    "sangong_change_reason": _SANGONG_REASON,
    "reception_change_reason": _SANGONG_REASON,
    "operating_costs_change_reason": (
        "上年度存在人员退休、调离，2025年年初人数较上年度减少，相应的机关运行经费减少"
    ),
}
