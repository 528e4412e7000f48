"""Tests of the server-side SVG choropleth of départements."""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from django.utils import translation
from django.utils.safestring import SafeString

from continuite.core.maps import choropleth_svg, rate_class

SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class Label:
    label: str
    percent: float | None
    total: int
    not_closed: int


@pytest.fixture(autouse=True)
def english():
    # Source strings are English; pinning the language keeps the tests independent of .po files.
    with translation.override("en"):
        yield


def fill_of(svg: str, code: str) -> str:
    match = re.search(rf'data-code="{re.escape(code)}" fill="(#[0-9a-f]{{6}})"', svg)
    assert match, code
    return match.group(1)


def title_of(svg: str, code: str) -> str:
    root = ET.fromstring(svg)
    for path in root.iter(f"{SVG}path"):
        if path.get("data-code") == code:
            return path.find(f"{SVG}title").text
    raise AssertionError(code)


def test_returns_safe_well_formed_svg():
    svg = choropleth_svg({"69": 0.965})
    assert isinstance(svg, SafeString)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    ids = root.get("aria-labelledby").split()
    assert [root.find(f"{SVG}title").get("id"), root.find(f"{SVG}desc").get("id")] == ids


def test_draws_every_departement_once_including_corsica_and_overseas():
    svg = choropleth_svg({})
    codes = re.findall(r'data-code="([^"]+)"', svg)
    assert len(codes) == len(set(codes)) == 101
    assert {"01", "2A", "2B", "75", "971", "972", "973", "974", "976"} <= set(codes)
    assert svg.count('class="continuite-dep"') == 101


def test_overseas_departements_are_drawn_in_insets():
    root = ET.fromstring(choropleth_svg({}))
    assert len(list(root.iter(f"{SVG}rect"))) == 5
    captions = [t.text for t in root.iter(f"{SVG}text")]
    assert captions == ["Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"]


def test_colours_follow_the_rate_classes():
    svg = choropleth_svg({"13": 0.5, "69": 1.0, "75": None})
    colours, no_data = [c for _, c in rate_class.legend()[:-1]], rate_class.legend()[-1][1]
    assert fill_of(svg, "13") == colours[0]
    assert fill_of(svg, "69") == colours[-1]
    assert fill_of(svg, "75") == no_data
    assert fill_of(svg, "971") == no_data  # missing from values


@pytest.mark.parametrize(
    ("rate", "index"),
    [(0.0, 0), (0.799, 0), (0.8, 1), (0.9, 2), (0.95, 3), (0.979, 3), (0.98, 4), (1.0, 4)],
)
def test_rate_class_bounds_are_inclusive_below(rate, index):
    assert rate_class.color(rate) == rate_class.legend()[index][1]


def test_rate_class_color_without_data_is_grey():
    assert rate_class.color(None) == "#e5e5e5"


def test_legend_has_one_entry_per_class_plus_no_data_with_distinct_colours():
    legend = rate_class.legend()
    assert len(legend) == 6
    assert len({colour for _, colour in legend}) == 6
    assert all(re.fullmatch(r"#[0-9a-f]{6}", colour) for _, colour in legend)
    assert [label for label, _ in legend] == [
        "Less than 80%",
        "80% to 90%",
        "90% to 95%",
        "95% to 98%",
        "98% or more",
        "No data",
    ]


def test_title_gives_name_code_percent_and_counts():
    labels = {"69": Label("Rhône", 96.5, 127, 123)}
    svg = choropleth_svg({"69": 123 / 127}, labels=labels)
    assert title_of(svg, "69") == "Rhône (69): 96.9% of counters open (123 of 127)"


def test_title_without_label_uses_the_geojson_name():
    svg = choropleth_svg({"2A": 0.9, "2B": None})
    assert title_of(svg, "2A") == "Corse-du-Sud (2A): 90.0% of counters open"
    assert title_of(svg, "2B") == "Haute-Corse (2B): no data"


def test_percent_is_localised():
    with translation.override("fr"):
        svg = choropleth_svg({"69": 0.965}, labels={"69": Label("Rhône", 96.5, 200, 193)})
    assert "96,5" in title_of(svg, "69")


def test_description_summarises_the_classes():
    root = ET.fromstring(choropleth_svg({"13": 0.5, "69": 1.0}))
    desc = root.find(f"{SVG}desc").text
    assert "Less than 80%: 1 département;" in desc
    assert "98% or more: 1 département;" in desc
    assert "No data: 99 départements." in desc


def test_text_is_escaped():
    labels = {"69": Label('<script>alert("x")</script> & co', 50.0, 2, 1)}
    svg = choropleth_svg({"69": 0.5}, labels=labels, title="<b>Map</b>")
    assert "<script>" not in svg
    assert "<b>" not in svg
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "<b>Map</b>"
    assert title_of(svg, "69").startswith('<script>alert("x")</script> & co (69)')


def test_svg_stays_small():
    assert len(choropleth_svg({}).encode()) < 250_000
