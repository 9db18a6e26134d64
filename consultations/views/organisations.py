"""Pages for organisations: everything an organisation contributed ("you said, we did"), its
self-assessment of cooperation with a municipality, and the public chart of those assessments."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Max
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from comments.models import Comment
from meydan import charts
from meydan.accounts.models import Organisation
from meydan.accounts.rules import STAFF_ROLES, has_org_role, is_org_member
from meydan.pagecache import cache_for_anonymous
from meydan.ratelimit import rate_limited
from questionnaires.models import Response

from ..forms_c2a import SelfAssessmentForm
from ..models import Application, ConsultationPage, Paragraph, PositionPaper, SelfAssessment
from ..services import STATUS_FOR_CODE, ParticipationRefused
from ..services import consultation as services

CACHE_SECONDS = 60


def _organisation_of_member(request, slug):
    """The organisation, if the reader belongs to it; 404 for everybody else (its contributions page
    is not public, and saying that it exists would be a leak of its own)."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None or not is_org_member(request.user, organisation):
        raise Http404
    return organisation


def _outcome_of(contribution, attribute, page):
    """The outcome recorded for a contribution, once the page's report is public."""
    if not page.report_published_at:
        return None
    try:
        return getattr(contribution, attribute)
    except ObjectDoesNotExist:  # a reverse one-to-one without a row: no outcome recorded
        return None


def _paragraph_comments(organisation):
    content_type = ContentType.objects.get_for_model(Paragraph)
    comments = list(
        Comment.objects.filter(organisation=organisation, content_type=content_type, is_deleted=False)
        .select_related("author", "consultation_outcome")
        .order_by("-created_at", "-pk")
    )
    paragraphs = Paragraph.objects.select_related("page").in_bulk({comment.object_id for comment in comments})
    entries = []
    for comment in comments:
        paragraph = paragraphs.get(comment.object_id)
        if paragraph is None:
            continue
        entries.append(
            {
                "comment": comment,
                "paragraph": paragraph,
                "page": paragraph.page,
                "outcome": _outcome_of(comment, "consultation_outcome", paragraph.page),
            }
        )
    return entries


def _papers(organisation):
    papers = PositionPaper.objects.filter(organisation=organisation).select_related("page", "outcome", "submitted_by")
    return [
        {"paper": paper, "page": paper.page, "outcome": _outcome_of(paper, "outcome", paper.page)}
        for paper in papers.order_by("-submitted_at", "-pk")
    ]


def _questionnaire_answers(organisation):
    responses = list(
        Response.objects.filter(
            organisation=organisation, content_type=ContentType.objects.get_for_model(ConsultationPage)
        )
        .select_related("respondent")
        .order_by("-updated_at", "-pk")
    )
    pages = ConsultationPage.objects.in_bulk({response.object_id for response in responses})
    return [
        {"response": response, "page": pages[response.object_id]}
        for response in responses
        if response.object_id in pages
    ]


def _applications(organisation):
    return list(
        Application.objects.filter(organisation=organisation)
        .select_related("page", "applicant")
        .order_by("-created_at", "-pk")
    )


@require_GET
def contributions(request, slug):
    organisation = _organisation_of_member(request, slug)
    context = {
        "organisation": organisation,
        "comments": _paragraph_comments(organisation),
        "papers": _papers(organisation),
        "answers": _questionnaire_answers(organisation),
        "applications": _applications(organisation),
        "can_assess": services.assessment_refusal(request.user, organisation) is None,
    }
    return TemplateResponse(request, "consultations/organisation_contributions.html", context)


# Self-assessment --------------------------------------------------------------------------------


def _assessment_context(organisation, form, refusal=None):
    return {
        "organisation": organisation,
        "form": form,
        "refusal": refusal,
        "assessments": list(
            SelfAssessment.objects.filter(organisation=organisation)
            .select_related("municipality", "submitted_by")
            .order_by("-year", "municipality__name")
        ),
        "levels": SelfAssessment.Cooperation.choices,
    }


@require_http_methods(["GET", "POST"])
@rate_limited("consultations.self_assessment")
def self_assessment(request, slug):
    organisation = _organisation_of_member(request, slug)
    template = "consultations/organisation_assessment.html"
    refusal = services.assessment_refusal(request.user, organisation)
    if refusal is not None:
        refused = ParticipationRefused(*refusal)
        context = _assessment_context(organisation, None, refusal=refused.message)
        return TemplateResponse(request, template, context, status=STATUS_FOR_CODE.get(refused.code, 403))
    form = SelfAssessmentForm(request.POST or None)
    if request.method == "GET":
        return TemplateResponse(request, template, _assessment_context(organisation, form))
    if not form.is_valid():
        return TemplateResponse(request, template, _assessment_context(organisation, form), status=400)
    data = form.cleaned_data
    try:
        assessment, created = services.save_self_assessment(
            request.user,
            organisation,
            municipality=data["municipality"],
            year=data["year"],
            cooperation=data["cooperation"],
            comment=data["comment"],
        )
    except ParticipationRefused as refused:
        form.add_error(None, refused.message)
        context = _assessment_context(organisation, form)
        return TemplateResponse(request, template, context, status=STATUS_FOR_CODE.get(refused.code, 400))
    values = {"municipality": assessment.municipality.name, "year": assessment.year}
    if created:
        messages.success(request, _("Your self-assessment for %(municipality)s in %(year)s is saved.") % values)
    else:
        messages.success(
            request, _("Your self-assessment for %(municipality)s in %(year)s replaces the earlier one.") % values
        )
    return redirect("consultations:self_assessment", slug=organisation.slug)


# Public chart per municipality ---------------------------------------------------------------------


def cooperation_counts(municipality, year):
    """[(level, label, count)] for every level of the scale, from verified organisations' answers."""
    counted = dict(
        SelfAssessment.objects.filter(
            municipality=municipality, year=year, organisation__status=Organisation.Status.VERIFIED
        )
        .values("cooperation")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("cooperation", "count")
    )
    return [(level, label, counted.get(level, 0)) for level, label in SelfAssessment.Cooperation.choices]


@require_GET
def cooperation(request, slug):
    municipality = Organisation.objects.filter(slug=slug, kind=Organisation.Kind.MUNICIPALITY).first()
    if municipality is None:
        raise Http404
    assessed = SelfAssessment.objects.filter(
        municipality=municipality, organisation__status=Organisation.Status.VERIFIED
    )
    years = sorted(set(assessed.values_list("year", flat=True)), reverse=True)
    asked = request.GET.get("year", "")
    year = int(asked) if asked.isdigit() and int(asked) in years else (years[0] if years else None)
    context = {
        "municipality": municipality,
        "years": years,
        "year": year,
        "chart": "",
        "total": 0,
        "levels": SelfAssessment.Cooperation.choices,
    }
    if year is not None:
        counts = cooperation_counts(municipality, year)
        total = sum(count for _level, _label, count in counts)
        context["total"] = total
        context["chart"] = charts.bars(
            [(label, count) for _level, label, count in counts],
            title=_("How organisations describe their cooperation with %(municipality)s in %(year)s")
            % {"municipality": municipality.name, "year": year},
            total=total,
            label_heading=_("Level of cooperation"),
            value_heading=_("Organisations (share)"),
            chart_id="cooperation-chart",
        )
        context["average"] = sum(level * count for level, _label, count in counts) / total if total else None
    is_staff = has_org_role(request.user, municipality, STAFF_ROLES)
    if is_staff and year is not None:
        # Staff read each organisation's answer and comment; the public sees only the totals.
        context["answers"] = list(
            assessed.filter(year=year).select_related("organisation").order_by("organisation__name")
        )
    context["is_staff"] = is_staff
    context["updated"] = assessed.filter(year=year).aggregate(last=Max("updated_at"))["last"] if year else None
    response = TemplateResponse(request, "consultations/organisation_cooperation.html", context)
    if not request.user.is_authenticated:
        cache_for_anonymous(response, CACHE_SECONDS)
    return response


urlpatterns = [
    path("organisations/<str:slug>/", contributions, name="organisation_contributions"),
    path("organisations/<str:slug>/self-assessment/", self_assessment, name="self_assessment"),
    path("cooperation/<str:slug>/", cooperation, name="cooperation"),
]
