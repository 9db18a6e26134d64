from django import template
from django.template.loader import render_to_string

from meydan.sanitize import render_plain

register = template.Library()

BAR_WIDTH = 300
BAR_HEIGHT = 24
LABEL_WIDTH = 0


@register.simple_tag
def percent(part, total):
    return f"{round(100 * part / total)} %" if total else "0 %"


@register.simple_tag
def bar_chart(results):
    """A server-rendered SVG bar chart; the table beside it carries the same figures for screen
    readers, so the picture itself is decorative."""
    total = results["total"] or 1
    bars = [
        {"label": option["label"], "votes": option["votes"], "y": n * (BAR_HEIGHT + 8),
         "width": round(BAR_WIDTH * option["votes"] / total)}
        for n, option in enumerate(results["options"])
    ]
    height = len(bars) * (BAR_HEIGHT + 8)
    return render_to_string("live/includes/bar_chart.svg", {"bars": bars, "height": height, "bar_height": BAR_HEIGHT,
                                                             "text_y": BAR_HEIGHT - 7, "max_width": BAR_WIDTH + 120})


@register.filter
def plain(text):
    return render_plain(text)


@register.filter
def timecode(seconds):
    """Seconds into the stream as m:ss or h:mm:ss, the way video players show them."""
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
