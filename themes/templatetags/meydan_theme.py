from django import template

from themes.colours import HEX_COLOUR

register = template.Library()


@register.filter
def safe_colour(value, fallback="#1d4e89"):
    """Only a validated #rrggbb value may reach the inline style block."""
    return value if HEX_COLOUR.match(value or "") else fallback
