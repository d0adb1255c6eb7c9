"""SVG charts: well-formed, every label and value present, user text escaped, deterministic."""

from decimal import Decimal
from xml.etree import ElementTree

from tables.document.narrative import ChartSpec
from tables.document.render.charts import chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def _chart(*items):
    return ChartSpec("k", "一般公共预算当年拨款结构图", tuple(items))


def test_chart_lists_every_item_with_value_and_share():
    svg = chart_svg(
        _chart(("一般公共服务支出", Decimal("9434288.00")), ("卫生健康支出", Decimal("282500.00")))
    )
    root = ElementTree.fromstring(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "一般公共服务支出" in texts and "卫生健康支出" in texts
    assert "943.43（97.09%）" in texts and "28.25（2.91%）" in texts
    assert root.get("role") == "img"
    assert "一般公共服务支出 943.43万元" in root.find(f"{SVG}desc").text
    bars = [int(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert bars[0] > bars[1] > 0


def test_labels_are_escaped_and_output_is_deterministic():
    chart = _chart(('<script>alert("x")</script>', Decimal("1.00")))
    svg = chart_svg(chart)
    assert "<script>" not in svg
    root = ElementTree.fromstring(svg)  # still well-formed
    assert any(t.text == '<script>alert("x")</script>' for t in root.iter(f"{SVG}text"))
    assert chart_svg(chart) == svg


def test_empty_chart_says_so():
    svg = chart_svg(_chart(("因公出国(境)费", Decimal("0.00"))))
    assert "本年无此项支出" in svg
    ElementTree.fromstring(svg)
