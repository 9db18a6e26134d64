"""Thin views: parse, call a service, render. Every page works without JavaScript."""

import random

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from live.models import Topic
from meydan.pagecache import cache_for_anonymous
from meydan.ratelimit import rate_limited
from meydan.sanitize import render_html
from meydan.searching import clean_query
from moderation.guidelines import Rule

from . import services
from .forms import AnswerForm, MergeForm, ModerationForm, ProposalForm
from .models import Proposal, ProposalSpacePage, Support
from .rules import can_answer, can_moderate_space, eligibility_refusal
from .similar import similar_proposals

PAGE_SIZE = 20
SORTS = {
    "newest": ["-created_at", "-pk"],
    "supported": ["-support_count", "-created_at"],
    "answered": ["-answered_at", "-created_at"],
}
STATUS_FOR_CODE = {
    "login_required": 403,
    "unconfirmed": 403,
    "not_verified": 403,
    "suspended": 403,
    "forbidden": 403,
    "closed": 403,
    "locked": 409,
    "bad_state": 409,
    "already_supported": 409,
    "not_supported": 409,
    "rate_limited": 429,
    "invalid": 400,
}
LISTED_STATES = [s for s in Proposal.State.values if s not in (Proposal.State.HIDDEN, Proposal.State.MERGED)]


def _with_support_flag(queryset, user):
    if not user.is_authenticated:
        return queryset
    return queryset.annotate(supported=Exists(Support.objects.filter(proposal=OuterRef("pk"), user=user)))


def _filtered(request, space):
    proposals = Proposal.objects.filter(space=space, state__in=LISTED_STATES)
    filters = {}
    for name, lookup in (
        ("category", "category_id"),
        ("district", "district"),
        ("state", "state"),
        ("tag", "tags__name"),
    ):
        value = request.GET.get(name, "").strip()[:80]
        if value:
            filters[name] = value
            if name == "category" and not value.isdigit():
                proposals = proposals.none()
            else:
                proposals = proposals.filter(**{lookup: value})
    query = clean_query(request.GET.get("q", ""), 200)
    if query:
        matches = Proposal.objects.filter(space=space).search(query, operator="and")
        proposals = proposals.filter(pk__in=[match.pk for match in matches[:1000]])
    return proposals, filters, query


def _sorted(request, proposals):
    sort = request.GET.get("sort", "newest")
    if sort == "random":
        # A stable seed keeps the order across pages; the page links carry it.
        seed = request.GET.get("seed", "")
        seed = seed if seed.isdigit() else str(random.randint(1, 999_999))  # noqa: S311 - not security
        ids = list(proposals.order_by("pk").values_list("pk", flat=True))
        random.Random(int(seed)).shuffle(ids)
        return ids, "random", seed
    sort = sort if sort in SORTS else "newest"
    return proposals.order_by(*SORTS[sort]), sort, ""


LIST_CACHE_SECONDS = 10


def _cacheable(request):
    """Anonymous visitors all see the same list (no token, no messages), except in random order
    without a seed."""
    if request.user.is_authenticated:
        return False
    return not (request.GET.get("sort") == "random" and not request.GET.get("seed", "").isdigit())


def space_list(request, space):
    response = _render_list(request, space)
    if _cacheable(request):
        cache_for_anonymous(response, LIST_CACHE_SECONDS)
    return response


def _render_list(request, space):
    proposals, filters, query = _filtered(request, space)
    ordered, sort, seed = _sorted(request, proposals)
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    items = page.object_list
    if sort == "random":
        by_id = _related(Proposal.objects.filter(pk__in=list(items)), request.user).in_bulk()
        items = [by_id[pk] for pk in page.object_list if pk in by_id]
    else:
        items = list(_related(items, request.user))
    context = {
        "page": space,
        "self": space,
        "proposals": items,
        "page_obj": page,
        "filters": filters,
        "query": query,
        "sort": sort,
        "seed": seed,
        "states": [(s, Proposal.State(s).label) for s in LISTED_STATES],
        "can_propose": eligibility_refusal(request.user, space.who_may_propose) is None and space.proposing_open(),
        "querystring": _querystring(request, exclude=("page",)),
    }
    return TemplateResponse(request, "proposals/space_list.html", context)


def _related(queryset, user):
    return _with_support_flag(
        queryset.select_related("category", "author", "organisation").prefetch_related("tags"), user
    )


def _querystring(request, exclude=()):
    params = request.GET.copy()
    for name in exclude:
        params.pop(name, None)
    return params.urlencode()


def detail(request, pk):
    proposal = get_object_or_404(
        _related(
            Proposal.objects.select_related(
                "space__municipality", "category__department", "merged_into", "answered_by"
            ),
            request.user,
        ),
        pk=pk,
    )
    if proposal.state == Proposal.State.MERGED and proposal.merged_into_id:
        messages.info(request, _("This proposal was merged into “%(title)s”.") % {"title": proposal.merged_into.title})
        return HttpResponseRedirect(proposal.merged_into.get_absolute_url())
    moderator = can_moderate_space(request.user, proposal.space)
    if proposal.state == Proposal.State.HIDDEN and not (moderator or proposal.author_id == request.user.pk):
        raise Http404
    return TemplateResponse(request, "proposals/detail.html", _detail_context(request, proposal, moderator))


def _detail_context(request, proposal, moderator, **extra):
    user = request.user
    return {
        "proposal": proposal,
        "page": proposal.space,
        "timeline": list(proposal.timeline.select_related("actor")),
        "supported": getattr(proposal, "supported", False),
        "support_refusal": eligibility_refusal(user, proposal.space.who_may_support),
        "supporting_open": proposal.space.supporting_open(),
        "can_edit": proposal.author_id == user.pk
        and proposal.state == Proposal.State.PUBLISHED
        and proposal.support_count == 0,
        "is_author": proposal.author_id == user.pk,
        "can_answer": can_answer(user, proposal),
        "can_moderate": moderator,
        "answer_form": extra.pop("answer_form", None) or AnswerForm(),
        "moderation_form": extra.pop("moderation_form", None)
        or ModerationForm(hiding=proposal.state != Proposal.State.HIDDEN),
        "merge_form": extra.pop("merge_form", None) or MergeForm(),
        "since": Topic.objects.filter(name=proposal.topic).values_list("last_sequence", flat=True).first() or 0,
        **extra,
    }


def _refused(request, proposal, refused, **extra):
    """The proposal page again, with the message, under the status that fits the refusal."""
    proposal = _related(Proposal.objects.select_related("space__municipality"), request.user).get(pk=proposal.pk)
    moderator = can_moderate_space(request.user, proposal.space)
    if proposal.state == Proposal.State.HIDDEN and not (moderator or proposal.author_id == request.user.pk):
        raise Http404  # a refused post must not show what the page itself hides
    messages.error(request, refused.message)
    context = _detail_context(request, proposal, moderator, **extra)
    return TemplateResponse(request, "proposals/detail.html", context, status=STATUS_FOR_CODE.get(refused.code, 400))


# Writing -----------------------------------------------------------------------------------------------


def popular_tags(space, limit=20):
    """The space's most used tags, offered while writing so that people reuse them."""
    from django.db.models import Count
    from taggit.models import Tag

    return list(
        Tag.objects.filter(proposals_taggedproposal_items__content_object__space=space)
        .annotate(uses=Count("proposals_taggedproposal_items"))
        .order_by("-uses", "name")
        .values_list("name", flat=True)[:limit]
    )


@login_required
@rate_limited("proposals.create")
def create(request, space_pk):
    space = get_object_or_404(ProposalSpacePage.objects.live().public(), pk=space_pk)
    form = ProposalForm(request.POST or None, request.FILES or None, space=space, user=request.user)
    context = {
        "page": space,
        "space": space,
        "form": form,
        "refusal": eligibility_refusal(request.user, space.who_may_propose),
        "popular_tags": popular_tags(space),
    }
    if request.method != "POST":
        return TemplateResponse(request, "proposals/form.html", context)
    if not form.is_valid():
        return TemplateResponse(request, "proposals/form.html", context, status=400)
    data = form.service_fields()
    if "publish" not in request.POST:
        # The preview step: shows similar proposals before anything is stored (no JavaScript needed).
        context["similar"] = similar_proposals(space, data["title"], data["body"])
        context["preview"] = {"title": data["title"], "body_html": render_html(data["body"])}
        return TemplateResponse(request, "proposals/form.html", context)
    try:
        proposal = services.create_proposal(request.user, space, **data)
    except services.ProposalRefused as refused:
        form.add_error(None, refused.message)
        return TemplateResponse(request, "proposals/form.html", context, status=STATUS_FOR_CODE.get(refused.code, 400))
    messages.success(request, _("Your proposal is published."))
    return redirect(proposal)


@login_required
@rate_limited("proposals.edit")
def edit(request, pk):
    proposal = get_object_or_404(Proposal.objects.select_related("space"), pk=pk)
    if proposal.author_id != request.user.pk:
        raise Http404
    initial = {
        "title": proposal.title,
        "body": proposal.body,
        "category": proposal.category_id,
        "district": proposal.district,
        "tags": ", ".join(proposal.tags.names()),
        "organisation": proposal.organisation_id,
    }
    form = ProposalForm(
        request.POST or None, request.FILES or None, initial=initial, space=proposal.space, user=request.user
    )
    context = {"page": proposal.space, "space": proposal.space, "form": form, "proposal": proposal,
               "refusal": eligibility_refusal(request.user, proposal.space.who_may_propose),
               "popular_tags": popular_tags(proposal.space)}
    if request.method != "POST":
        return TemplateResponse(request, "proposals/form.html", context)
    if not form.is_valid():
        return TemplateResponse(request, "proposals/form.html", context, status=400)
    try:
        services.edit_proposal(request.user, proposal, **form.service_fields())
    except services.ProposalRefused as refused:
        form.add_error(None, refused.message)
        return TemplateResponse(request, "proposals/form.html", context, status=STATUS_FOR_CODE.get(refused.code, 400))
    messages.success(request, _("Your changes are saved."))
    return redirect(proposal)


def _post_action(request, pk, action, success):
    proposal = get_object_or_404(Proposal.objects.select_related("space"), pk=pk)
    try:
        action(proposal)
    except services.ProposalRefused as refused:
        return _refused(request, proposal, refused)
    messages.success(request, success)
    return redirect(proposal)


@require_POST
@rate_limited("proposals.withdraw")
def withdraw(request, pk):
    return _post_action(
        request, pk, lambda p: services.withdraw_proposal(request.user, p), _("Your proposal is withdrawn.")
    )


@require_POST
@rate_limited("proposals.support")
def support(request, pk):
    return _post_action(
        request, pk, lambda p: services.support_proposal(request.user, p), _("Thank you for your support.")
    )


@require_POST
@rate_limited("proposals.support")
def unsupport(request, pk):
    return _post_action(
        request, pk, lambda p: services.withdraw_support(request.user, p), _("You no longer support this proposal.")
    )


@require_POST
@rate_limited("proposals.staff")
def answer(request, pk):
    proposal = get_object_or_404(Proposal.objects.select_related("space"), pk=pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, proposal, services.ProposalRefused("invalid", _("Check the answer form.")), answer_form=form
        )
    return _post_action(
        request,
        pk,
        lambda p: services.answer_proposal(request.user, p, **form.cleaned_data),
        _("The answer is published and the author and supporters are notified."),
    )


@require_POST
@rate_limited("proposals.staff")
def moderate(request, pk):
    """Hide under a guideline, or show again; the permission is checked before the form is read."""
    proposal = get_object_or_404(Proposal.objects.select_related("space__municipality"), pk=pk)
    if not can_moderate_space(request.user, proposal.space):
        refused = services.ProposalRefused("forbidden", _("Only the space's moderators may do this."))
        return _refused(request, proposal, refused)
    hidden = request.POST.get("hidden") == "1"
    form = ModerationForm(request.POST, hiding=hidden)
    if not form.is_valid():
        first_error = next(iter(form.errors.values()))[0]  # in the form's order: guideline, then reason
        return _refused(request, proposal, services.ProposalRefused("invalid", first_error), moderation_form=form)
    data = form.cleaned_data
    return _post_action(
        request,
        pk,
        lambda p: services.moderate_proposal(
            request.user, p, hidden=hidden, reason=data["reason"], rule=data.get("rule", Rule.OTHER)
        ),
        _("Saved."),
    )


@require_POST
@rate_limited("proposals.staff")
def merge(request, pk):
    proposal = get_object_or_404(Proposal.objects.select_related("space"), pk=pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, proposal, services.ProposalRefused("invalid", _("Check the merge form.")), merge_form=form
        )
    target = Proposal.objects.filter(pk=form.cleaned_data["target"]).first()
    if target is None:
        return _refused(
            request, proposal, services.ProposalRefused("invalid", _("There is no such proposal.")), merge_form=form
        )
    return _post_action(
        request,
        pk,
        lambda p: services.merge_proposals(request.user, p, target, form.cleaned_data["reason"]),
        _("The proposals are merged."),
    )


@require_GET
def similar(request, space_pk):
    """JSON for the form's as-you-type suggestions."""
    space = get_object_or_404(ProposalSpacePage.objects.live().public(), pk=space_pk)
    title = request.GET.get("title", "")[:200]
    body = request.GET.get("body", "")[:4000]
    exclude = request.GET.get("exclude", "")
    results = similar_proposals(space, title, body, exclude=int(exclude) if exclude.isdigit() else None)
    return JsonResponse(
        {
            "results": [
                {"id": p.pk, "title": p.title, "url": p.get_absolute_url(), "supports": p.support_count, "score": score}
                for p, score in results
            ]
        }
    )


def awaiting_answer(request):
    proposals = (
        Proposal.objects.filter(
            threshold_reached_at__isnull=False, answered_at__isnull=True, state__in=Proposal.OPEN_STATES
        )
        .select_related("space", "category")
        .order_by("answer_due", "pk")
    )
    page = Paginator(proposals, 50).get_page(request.GET.get("page"))
    return TemplateResponse(request, "proposals/awaiting.html", {"proposals": page})
