"""WCAG 2.x contrast arithmetic, so that a theme cannot make text unreadable."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
WHITE = "#ffffff"
AA_NORMAL_TEXT = 4.5


def _channel(value):
    value /= 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour):
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first, second):
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def validate_colour_on_white(value):
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError(_("Enter a colour as # followed by six hexadecimal digits, e.g. #1d4e89."))
    ratio = contrast_ratio(value, WHITE)
    if ratio < AA_NORMAL_TEXT:
        raise ValidationError(
            _(
                "This colour has a contrast of %(ratio).2f:1 on white; WCAG AA needs at least 4.5:1. "
                "Choose a darker one."
            ),
            params={"ratio": ratio},
            code="low_contrast",
        )
