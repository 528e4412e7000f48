"""The one bar-chart renderer: well-formed, escaped, every value written as text."""

import xml.etree.ElementTree as ET

from django.utils.safestring import SafeString

from continuite.core.charts import Bar, Layout, bars_svg

SVG = "{http://www.w3.org/2000/svg}"
LAYOUT = Layout(label_width=200, bar_width=300, value_width=100, row_height=20, bar_height=10)


def test_each_bar_has_its_label_its_value_in_text_and_its_length():
    svg = bars_svg(
        [Bar("Lyon", 0.5, "50 %"), Bar("Paris", 1.0, "100 %")], title="Part", layout=LAYOUT
    )
    assert isinstance(svg, SafeString)
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-label") == "Part"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Lyon", "50 %", "Paris", "100 %"]
    assert [r.get("width") for r in root.iter(f"{SVG}rect")] == ["150.0", "300.0"]


def test_a_track_is_drawn_behind_each_bar_and_shares_are_clamped():
    layout = Layout(**{**LAYOUT.__dict__, "track": True})
    root = ET.fromstring(bars_svg([Bar("Lyon", 1.5, "150 %")], title="Part", layout=layout))
    assert [r.get("width") for r in root.iter(f"{SVG}rect")] == ["300", "300.0"]


def test_labels_and_titles_are_escaped_and_long_labels_shortened():
    svg = bars_svg([Bar("<script>" + "x" * 40, 0.1, "<b>")], title="<i>t</i>", layout=LAYOUT)
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    root = ET.fromstring(svg)
    assert next(root.iter(f"{SVG}text")).text.endswith("…")


def test_no_bar_gives_no_chart():
    assert bars_svg([], title="Part", layout=LAYOUT) == ""
