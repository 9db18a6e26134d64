"""The list of participation pages: every level in one query, filtered by level, phase and topic."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone

from meydan.pagecache import cache_for_anonymous

from ..models import Level, ParticipationPage, Phase

PAGE_SIZE = 20
CACHE_SECONDS = 30


def phase_filter(phase, now):
    not_reported = Q(report_published_at__isnull=True)
    return {
        Phase.UPCOMING: not_reported & Q(opens_at__gt=now),
        Phase.OPEN: not_reported & Q(opens_at__lte=now, closes_at__gt=now),
        Phase.CLOSED: not_reported & Q(closes_at__lte=now),
        Phase.REPORTED: Q(report_published_at__isnull=False),
    }[phase]


def _choice(value, choices):
    return value if value in choices else ""


def participation_index(request, index):
    now = timezone.now()
    level = _choice(request.GET.get("level", ""), Level.values)
    phase = _choice(request.GET.get("phase", ""), Phase.values)
    topic = request.GET.get("topic", "")[:100]
    pages = ParticipationPage.objects.child_of(index).live().public()
    if level:
        pages = pages.filter(level=level)
    if phase:
        pages = pages.filter(phase_filter(phase, now))
    if topic:
        pages = pages.filter(tags__name=topic).distinct()
    pages = pages.select_related("responsible").prefetch_related("tags").order_by("-opens_at", "pk")
    page_obj = Paginator(pages, PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page_obj.object_list:
        item.current_phase = item.phase(now)
    filters = {"level": level, "phase": phase, "topic": topic}
    querystring = "&".join(f"{key}={value}" for key, value in filters.items() if value)
    response = TemplateResponse(
        request,
        "consultations/index.html",
        {
            "page": index,
            "page_obj": page_obj,
            "items": page_obj.object_list,
            "levels": Level.choices,
            "phases": Phase.choices,
            "topics": _topics(index),
            "filters": filters,
            "querystring": querystring,
        },
    )
    return cache_for_anonymous(response, CACHE_SECONDS)


def _topics(index):
    from taggit.models import Tag

    return list(
        Tag.objects.filter(consultations_taggedparticipationpage_items__content_object__path__startswith=index.path)
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")[:50]
    )
