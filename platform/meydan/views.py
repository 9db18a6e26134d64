from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import check_for_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language
from wagtail.models import Page

from .ratelimit import rate_limited
from .searching import clean_query

SEARCH_MAX_LENGTH = 200


@csrf_exempt
@require_POST
@rate_limited("language")
def set_language(request):
    """Django's language switcher, which also remembers the choice on the signed-in user's profile.

    It is exempt from CSRF so that anonymous pages carry no token and can be cached whole: a forged
    request could only switch someone's interface language (see docs/decisions/0004)."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and check_for_language(language) and language in dict(settings.LANGUAGES):
        request.user.preferred_language = language
        request.user.save(update_fields=["preferred_language"])
    return response


def search(request):
    query = clean_query(request.GET.get("q", ""), SEARCH_MAX_LENGTH)
    results = Page.objects.none()
    if query:
        results = Page.objects.live().public().specific().search(query)
    page = Paginator(results, 20).get_page(request.GET.get("page"))
    return render(request, "meydan/search.html", {"query": query, "results": page})


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
