from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .context_processors import theme as theme_context
from .templatetags.meydan_theme import safe_colour


@require_GET
@cache_control(public=True, max_age=3600)
def theme_css(request):
    """The site's colours as a stylesheet: no inline style, so pages need no CSP nonce and can be
    cached whole. The link carries a version, so a changed theme is fetched at once."""
    theme = theme_context(request)["theme"]
    css = (
        f":root {{ --primary: {safe_colour(theme.primary_colour)}; "
        f"--accent: {safe_colour(theme.accent_colour, '#8a3b12')}; }}\n"
    )
    return HttpResponse(css, content_type="text/css; charset=utf-8")
