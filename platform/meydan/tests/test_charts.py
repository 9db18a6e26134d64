"""Server-rendered SVG charts: accessible, escaped, styled by classes, and always with a data table."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from meydan import charts

HOSTILE = [
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "</text></svg><img src=x onerror=alert(1)>",
    "a & b ' \" <!-- -->",
    "]]><![CDATA[",
]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def parse(html):
    """The figure must be well-formed markup: hostile text can break neither the SVG nor the table."""
    return ET.fromstring(html)  # noqa: S314 - our own output, parsed to prove it is well-formed


def test_bars_carry_title_description_labels_and_values():
    figure = parse(charts.bars([("Parks", 10), ("Roads", 30)], title="Requests by topic", total=40, chart_id="c1"))
    svg = figure.find(f"{SVG}svg")
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").get("id") == "c1-title"
    assert svg.find(f"{SVG}title").text == "Requests by topic"
    assert svg.find(f"{SVG}desc").get("id") == "c1-desc"
    texts = [element.text for element in svg.iter(f"{SVG}text")]
    assert texts == ["Parks", "10 (25 %)", "Roads", "30 (75 %)"]


def test_bar_lengths_are_proportional_to_the_values():
    figure = parse(charts.bars([("A", 10), ("B", 40), ("C", 0)], title="T"))
    widths = [float(rect.get("width")) for rect in figure.iter(f"{SVG}rect") if rect.get("class") == "chart-bar"]
    assert widths == [125.0, 500.0, 0.0]


def test_every_chart_has_a_data_table_with_caption_and_header_scopes():
    for html in (
        charts.bars([("A", 1)], title="Bars", label_heading="Topic", value_heading="Requests"),
        charts.diverging([("S", [1, 2, 3, 4, 5])], levels=list("12345"), title="Scale"),
    ):
        table = parse(html).find("table")
        assert table.find("caption").text in ("Bars", "Scale")
        assert all(th.get("scope") in ("col", "row") for th in table.iter("th"))
        assert table.find("tbody/tr/th").get("scope") == "row"


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_are_escaped_everywhere(label):
    for html in (
        charts.bars([(label, 3)], title=label, unit=label, description=label),
        charts.diverging([(label, [1, 0, 1, 0, 1])], levels=[label, "b", "c", "d", "e"], title=label),
    ):
        figure = parse(html)
        assert "<script" not in html and "<img" not in html and "onload=" not in html.replace("onload=alert", "")
        assert not [element for element in figure.iter() if element.tag.endswith(("script", "img", "foreignObject"))]
        # The text survives, as text.
        assert label in "".join(figure.itertext())


def test_no_inline_styles_colours_come_from_classes():
    html = charts.bars([("A", 1)], title="T") + charts.diverging([("S", [1, 1, 1, 1, 1])], levels="abcde", title="T")
    assert "style=" not in html and "fill=" not in html and "<script" not in html
    assert "chart-level-1" in html and "chart-bar" in html


def test_diverging_bars_centre_the_neutral_level():
    figure = parse(charts.diverging([("S", [10, 10, 20, 30, 30])], levels=list("abcde"), title="T"))
    segments = {
        rect.get("class").split()[-1]: (float(rect.get("x")), float(rect.get("width")))
        for rect in figure.iter(f"{SVG}rect")
        if rect.get("height") == "18"
    }
    neutral_x, neutral_width = segments["chart-level-3"]
    assert neutral_x + neutral_width / 2 == 320
    assert segments["chart-level-2"][0] + segments["chart-level-2"][1] == pytest.approx(neutral_x)
    assert segments["chart-level-1"][0] < segments["chart-level-2"][0]  # the most negative is furthest left
    assert segments["chart-level-4"][0] == pytest.approx(neutral_x + neutral_width)
    cells = [td.text for td in figure.find("table/tbody/tr").iter("td")]
    assert cells == ["10 (10.0 %)", "10 (10.0 %)", "20 (20.0 %)", "30 (30.0 %)", "30 (30.0 %)", "100"]


def test_empty_charts_say_so():
    assert "No data yet." in charts.bars([], title="T")
    assert "No data yet." in charts.diverging([], levels=list("abcde"), title="T")
    parse(charts.bars([("zero", 0)], title="T"))  # no division by zero


def test_coordinates_are_not_localised_but_figures_are():
    with translation.override("tr"):
        html = charts.bars([("A", 1), ("B", 2)], title="T", total=3)
    coordinates = re.findall(r'(?:x|y|width|height)="([^"]*)"', html)
    assert all("," not in value for value in coordinates)
    assert "(33,3 %)" in html


def test_ids_are_unique_per_chart():
    first, second = charts.bars([("A", 1)], title="T"), charts.bars([("A", 1)], title="T")
    id_of = re.compile(r'<figure[^>]* id="([^"]+)"')
    assert id_of.search(first).group(1) != id_of.search(second).group(1)
