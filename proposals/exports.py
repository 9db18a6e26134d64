"""Open data: CSV and JSON exports of a space, and a read-only JSON API. No personal data: authors
appear only as organisations they chose to propose for, never as people."""

import csv

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from meydan.csvexport import csv_response, safe_cell

from .models import Proposal, ProposalSpacePage

PUBLIC_STATES = [s for s in Proposal.State.values if s != Proposal.State.HIDDEN]
API_PAGE_SIZE = 50
API_MAX_PAGE_SIZE = 200
COLUMNS = [
    "id",
    "title",
    "state",
    "category",
    "district",
    "tags",
    "supports",
    "created_at",
    "threshold_reached_at",
    "answer_due",
    "answered_at",
    "answer",
    "organisation",
    "merged_into",
    "url",
]


def _public(queryset):
    return (
        queryset.filter(state__in=PUBLIC_STATES, space__live=True)
        .select_related("category", "organisation")
        .prefetch_related("tags")
        .order_by("pk")
    )


def _row(proposal, request):
    def iso(value):
        return value.isoformat() if value else None

    return {
        "id": proposal.pk,
        "title": proposal.title,
        "state": proposal.state,
        "category": proposal.category.name if proposal.category_id else None,
        "district": proposal.district or None,
        "tags": sorted(tag.name for tag in proposal.tags.all()),
        "supports": proposal.support_count,
        "created_at": iso(proposal.created_at),
        "threshold_reached_at": iso(proposal.threshold_reached_at),
        "answer_due": iso(proposal.answer_due),
        "answered_at": iso(proposal.answered_at),
        "answer": proposal.answer or None,
        "organisation": proposal.organisation.name if proposal.organisation_id else None,
        "merged_into": proposal.merged_into_id,
        "url": request.build_absolute_uri(proposal.get_absolute_url()),
    }


def _space(space_pk):
    return get_object_or_404(ProposalSpacePage.objects.live().public(), pk=space_pk)


@require_GET
def space_csv(request, space_pk):
    space = _space(space_pk)
    response = csv_response(f"proposals-{space.pk}.csv")
    writer = csv.DictWriter(response, fieldnames=COLUMNS)
    writer.writeheader()
    for proposal in _public(Proposal.objects.filter(space=space)).iterator(chunk_size=500):
        row = _row(proposal, request)
        row["tags"] = ", ".join(row["tags"])
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
    return response


@require_GET
def space_json(request, space_pk):
    space = _space(space_pk)
    rows = [_row(p, request) for p in _public(Proposal.objects.filter(space=space)).iterator(chunk_size=500)]
    response = JsonResponse(
        {"space": {"id": space.pk, "title": space.title}, "proposals": rows}, json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="proposals-{space.pk}.json"'
    return response


def _int_param(request, name, default, maximum):
    try:
        value = int(request.GET.get(name, default))
    except ValueError:
        return None
    return value if 1 <= value <= maximum else None


@require_GET
def api_list(request):
    size = _int_param(request, "page_size", API_PAGE_SIZE, API_MAX_PAGE_SIZE)
    number = _int_param(request, "page", 1, 10**6)
    if size is None or number is None:
        return JsonResponse({"error": "page and page_size must be positive integers (page_size ≤ 200)"}, status=400)
    proposals = _public(Proposal.objects.all())
    space = request.GET.get("space")
    if space:
        if not space.isdigit():
            return JsonResponse({"error": "space must be an integer"}, status=400)
        proposals = proposals.filter(space_id=int(space))
    state = request.GET.get("state")
    if state:
        if state not in PUBLIC_STATES:
            return JsonResponse({"error": f"state must be one of {', '.join(PUBLIC_STATES)}"}, status=400)
        proposals = proposals.filter(state=state)
    paginator = Paginator(proposals, size)
    if number > max(paginator.num_pages, 1):
        return JsonResponse({"error": "no such page"}, status=404)
    page = paginator.page(number)

    def link(n):
        params = request.GET.copy()
        params["page"] = n
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    return JsonResponse(
        {
            "count": paginator.count,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "results": [_row(p, request) for p in page.object_list],
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def api_detail(request, pk):
    proposal = _public(Proposal.objects.filter(pk=pk)).first()
    if proposal is None:
        raise Http404
    return JsonResponse(_row(proposal, request), json_dumps_params={"ensure_ascii": False})
