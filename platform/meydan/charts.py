"""Server-rendered, accessible SVG charts, each followed by the same figures as a data table.

    from meydan import charts

    charts.bars([("Parks", 12), ("Roads", 30)], title=_("Requests by topic"), total=42)
    charts.diverging([("Statement", [3, 5, 2, 10, 4])], levels=[...five labels...], title=...)

Both return a SafeString: a <figure> holding an <svg role="img"> (with <title> and <desc>, text labels
and values drawn on the chart) and a <table> with a caption and header cells. Every label goes through
Django's template escaping, so user text is safe anywhere here. Colours come from CSS classes in
static/meydan/charts.css (no inline style: the CSP forbids it), and the geometry is computed in Python
so that the templates stay declarative. Works without JavaScript and prints.
"""

import secrets

from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.translation import gettext as _

WIDTH = 640
# Labels longer than this are shortened on the chart; the table and the bar's tooltip keep them whole.
SVG_LABEL_CHARS = 72
BAR_ROW = 46
BAR_HEIGHT = 18
BAR_AREA = 500
DIVERGING_HALF = 290
LEGEND_ROW = 22
MIN_SEGMENT_TEXT = 34


def _n(number):
    """An SVG coordinate: never localised (a Turkish decimal comma would break the attribute)."""
    return f"{round(number, 1):g}"


def _chart_id(chart_id):
    return chart_id or f"chart-{secrets.token_hex(4)}"


def _short(label):
    label = " ".join(str(label).split())
    return label if len(label) <= SVG_LABEL_CHARS else label[: SVG_LABEL_CHARS - 1] + "…"


def _number(value, decimals=None):
    if isinstance(value, float) and decimals is None:
        decimals = 0 if value.is_integer() else 1
    return number_format(value, decimal_pos=decimals, force_grouping=True)


def _share(count, total):
    return 100 * count / total if total else 0.0


def _value_text(value, unit, total):
    text = _number(value) + (f" {unit}" if unit else "")
    if total:
        text += f" ({_number(round(_share(value, total), 1))} %)"
    return text


def bars(
    items,
    *,
    title,
    unit="",
    description="",
    total=None,
    label_heading=None,
    value_heading=None,
    max_value=None,
    chart_id=None,
):
    """Horizontal bars, one per item: (label, value) or (label, value, text shown for the value).

    `total` adds each value's share of it; `max_value` fixes the scale (e.g. to compare charts).
    """
    rows = []
    for item in items:
        label, value = item[0], item[1]
        text = item[2] if len(item) > 2 else _value_text(value, unit, total)
        rows.append({"label": str(label), "short": _short(label), "value": value, "text": str(text)})
    largest = max_value or max((row["value"] for row in rows if row["value"] > 0), default=0)
    for index, row in enumerate(rows):
        top = 8 + index * BAR_ROW
        width = round(BAR_AREA * max(row["value"], 0) / largest, 1) if largest else 0
        row.update(
            label_y=_n(top + 14), bar_y=_n(top + 20), width=_n(width), value_x=_n(8 + width + 6), value_y=_n(top + 34)
        )
    ident = _chart_id(chart_id)
    summary = "; ".join(f"{row['label']}: {row['text']}" for row in rows) or _("No data yet.")
    context = {
        "id": ident,
        "title": str(title),
        "description": str(description) or summary,
        "rows": rows,
        "width": WIDTH,
        "height": _n(16 + max(len(rows), 1) * BAR_ROW),
        "track": _n(BAR_AREA),
        "bar_height": BAR_HEIGHT,
        "empty": not rows,
        "label_heading": label_heading or _("Item"),
        "value_heading": value_heading or (unit.capitalize() if unit else _("Value")),
    }
    return render_to_string("meydan/charts/bars.html", context)


def _segments(counts, neutral):
    """(level, x, width, share) per level, centred on the middle of the neutral level."""
    total = sum(counts)
    shares = [_share(count, total) for count in counts]
    centre = WIDTH / 2
    scale = DIVERGING_HALF / 100
    segments = []
    # The neutral level straddles the centre; the others stack outwards from it.
    left = centre - shares[neutral] * scale / 2
    right = centre + shares[neutral] * scale / 2
    segments.append((neutral, left, right - left, shares[neutral]))
    for level in range(neutral - 1, -1, -1):
        width = shares[level] * scale
        left -= width
        segments.append((level, left, width, shares[level]))
    for level in range(neutral + 1, len(counts)):
        width = shares[level] * scale
        segments.append((level, right, width, shares[level]))
        right += width
    return sorted(segments), total


def _level_shares(levels, cells):
    return ", ".join(f"{level} {_number(cell['share'])} %" for level, cell in zip(levels, cells, strict=True))


def diverging(rows, *, levels, title, description="", label_heading=None, chart_id=None):
    """Stacked bars centred on the neutral level, negative levels to the left and positive to the right
    (Likert scales). `rows` is [(label, [count per level])]; `levels` names the levels in order."""
    levels = [str(level) for level in levels]
    neutral = len(levels) // 2
    prepared = []
    for index, (label, counts) in enumerate(rows):
        counts = [int(count) for count in counts]
        segments, total = _segments(counts, neutral)
        top = 8 + index * BAR_ROW
        prepared.append(
            {
                "label": str(label),
                "short": _short(label),
                "label_y": _n(top + 14),
                "bar_y": _n(top + 20),
                "text_y": _n(top + 33),
                "total": total,
                "cells": [{"count": count, "share": round(_share(count, total), 1)} for count in counts],
                "segments": [
                    {
                        "level": level + 1,
                        "x": _n(x),
                        "width": _n(width),
                        "share": round(share),
                        "label": levels[level],
                        "text_x": _n(x + width / 2),
                        "show_text": width >= MIN_SEGMENT_TEXT,
                    }
                    for level, x, width, share in segments
                    if width > 0
                ],
            }
        )
    legend_top = 16 + max(len(prepared), 1) * BAR_ROW
    legend = [
        {
            "level": number,
            "label": _short(label),
            "y": _n(legend_top + (number - 1) * LEGEND_ROW),
            "text_y": _n(legend_top + (number - 1) * LEGEND_ROW + 12),
        }
        for number, label in enumerate(levels, start=1)
    ]
    summary = "; ".join(f"{row['label']}: " + _level_shares(levels, row["cells"]) for row in prepared)
    context = {
        "id": _chart_id(chart_id),
        "title": str(title),
        "description": str(description) or summary or _("No data yet."),
        "rows": prepared,
        "levels": levels,
        "legend": legend,
        "width": WIDTH,
        "centre": _n(WIDTH / 2),
        "axis_end": _n(legend_top - 8),
        "height": _n(legend_top + len(levels) * LEGEND_ROW + 8),
        "bar_height": BAR_HEIGHT,
        "empty": not prepared,
        "label_heading": label_heading or _("Statement"),
    }
    return render_to_string("meydan/charts/diverging.html", context)
