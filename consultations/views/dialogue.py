"""The dialogue level: the public sees what the dialogue is about, who takes part (organisations by
name, individuals as a number) and the public summary; applicants see their application; approved
participants and staff also see the minutes and the discussion thread; staff decide on applications."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meydan.ratelimit import rate_limited
from meydan.sanitize import render_plain

from ..forms_c1 import ApplicationForm, DecisionForm
from ..models import Application, DialoguePage
from ..rules import is_page_staff
from ..services import ParticipationRefused
from ..services import dialogue as services
from .common import live_page, page_context, render_refusal

TEMPLATE = "consultations/dialogue.html"
Status = Application.Status


def dialogue_page(request, page):
    return TemplateResponse(request, TEMPLATE, _context(request, page))


def _context(request, page, *, application_form=None, decision_forms=None):
    user = request.user
    context = page_context(request, page)
    staff = context["is_staff"]
    mine = None
    if user.is_authenticated:
        mine = Application.objects.filter(page=page, applicant=user).select_related("organisation").first()
    if mine:
        mine.statement_html = render_plain(mine.statement)
    refusal = services.apply_refusal(user, page)
    can_view = services.can_view_dialogue(user, page)
    if staff:
        applications = _applications(page)
        approved = [a for a in applications if a.status == Status.APPROVED]
        decision_forms = decision_forms or {}
        for application in applications:
            application.statement_html = render_plain(application.statement)
            if application.status == Status.PENDING:
                application.decision_form = decision_forms.get(application.pk) or DecisionForm(
                    auto_id=f"decide-{application.pk}-%s"
                )
        context["applications"] = applications
        context["pending_count"] = sum(a.status == Status.PENDING for a in applications)
    else:
        approved = list(Application.objects.filter(page=page, status=Status.APPROVED).select_related("organisation"))
    context.update(
        {
            "my_application": mine,
            "apply_refusal": refusal,
            "application_form": application_form or (None if refusal else ApplicationForm(user=user)),
            "can_view_dialogue": can_view,
            "minutes": list(page.minutes.all()) if can_view else [],
            "participating_organisations": sorted(
                {a.organisation.name for a in approved if a.organisation_id}, key=str.casefold
            ),
            "individual_count": sum(1 for a in approved if not a.organisation_id),
        }
    )
    return context


def _applications(page):
    # Pending first (the work to do), then by date.
    return sorted(
        Application.objects.filter(page=page).select_related("applicant", "organisation", "decided_by"),
        key=lambda a: (a.status != Status.PENDING, a.created_at, a.pk),
    )


def _invalid(request, page, **forms):
    refused = ParticipationRefused("invalid", _("Please correct the form: the fields marked below need attention."))
    return render_refusal(request, refused, TEMPLATE, _context(request, page, **forms))


@require_POST
@rate_limited("consultations.apply")
def apply(request, page_pk):
    page = live_page(DialoguePage, page_pk)
    form = ApplicationForm(request.POST, user=request.user)
    try:
        refusal = services.apply_refusal(request.user, page)
        if refusal:
            raise ParticipationRefused(*refusal)
        if not form.is_valid():
            return _invalid(request, page, application_form=form)
        data = form.cleaned_data
        services.apply(request.user, page, data["statement"], data.get("organisation"), data.get("represents", ""))
    except ParticipationRefused as refused:
        return render_refusal(request, refused, TEMPLATE, _context(request, page, application_form=form))
    messages.success(request, _("Your application is sent. You will be notified of the decision."))
    return redirect(f"{page.url}#my-application")


@require_POST
@rate_limited("consultations.staff")
def decide(request, page_pk, pk):
    page = live_page(DialoguePage, page_pk)
    # An application of another dialogue is as unknown here as one that does not exist.
    application = get_object_or_404(Application, pk=pk, page=page)
    form = DecisionForm(request.POST, auto_id=f"decide-{application.pk}-%s")
    forms = {"decision_forms": {application.pk: form}}
    try:
        if not form.is_valid():
            if not is_page_staff(request.user, page):
                raise ParticipationRefused(
                    "forbidden",
                    _("Only officials of the responsible municipality or department decide on applications."),
                )
            return _invalid(request, page, **forms)
        approve = form.cleaned_data["decision"] == "approve"
        services.decide(request.user, application, approve=approve, reason=form.cleaned_data["reason"])
    except ParticipationRefused as refused:
        return render_refusal(request, refused, TEMPLATE, _context(request, page, **forms))
    messages.success(
        request,
        _("The application is approved; the applicant is notified.")
        if approve
        else _("The application is declined; the applicant is notified with your reason."),
    )
    return redirect(f"{page.url}#application-{application.pk}")


urlpatterns = [
    path("dialogue/<int:page_pk>/apply/", apply, name="apply"),
    path("dialogue/<int:page_pk>/applications/<int:pk>/decide/", decide, name="decide_application"),
]
