"""Thin views: the crisis mode page on the site (/crisis/) and its twin in the Wagtail admin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from wagtail.models import Site

from meydan.ratelimit import rate_limited

from . import services
from .forms import ActivateForm, DeactivateForm
from .models import CrisisPeriod
from .rules import is_communications_admin

STATUS_FOR_CODE = {"forbidden": 403, "already_active": 409, "not_active": 409, "invalid": 400}
HISTORY_LENGTH = 10


def toggle(request, site, template, done_url):
    """GET shows the state and the form to switch; POST switches, after confirmation, with a reason."""
    state = services.state_for(site)
    if not is_communications_admin(request.user, state):
        raise PermissionDenied
    switch_on = request.POST.get("action") == "on" if request.method == "POST" else not state.active
    form = (ActivateForm if switch_on else DeactivateForm)(request.POST or None)
    status = 200
    refusal_message = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                if switch_on:
                    services.activate(
                        request.user, site, message=form.cleaned_data["message"], reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("Crisis mode is on."))
                else:
                    services.deactivate(request.user, site, reason=form.cleaned_data["reason"])
                    messages.success(request, _("Crisis mode is off. Paused publications and e-mails were released."))
                return redirect(done_url)
            except services.CrisisRefused as refusal:
                status = STATUS_FOR_CODE.get(refusal.code, 400)
                refusal_message = refusal.message
                if refusal.code in ("already_active", "not_active"):
                    # Someone else switched meanwhile: offer the form for the state as it is now.
                    state.refresh_from_db()
                    switch_on = not state.active
                    form = (ActivateForm if switch_on else DeactivateForm)()
        else:
            status = 400
    context = {
        "site": site,
        "state": state,
        "form": form,
        "switch_on": switch_on,
        "refusal_message": refusal_message,
        "pending": services.pending_summary(site) if state.active else None,
        "history": CrisisPeriod.objects.filter(site=site).select_related("started_by", "ended_by")[:HISTORY_LENGTH],
    }
    return TemplateResponse(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("crisis.toggle")
def crisis_page(request):
    site = Site.find_for_request(request)
    if site is None:
        raise PermissionDenied
    return toggle(request, site, "crisis/toggle.html", reverse("crisis:toggle"))


@require_http_methods(["GET", "POST"])
@rate_limited("crisis.toggle")
def admin_site(request, site_id):
    site = get_object_or_404(Site, pk=site_id)
    return toggle(request, site, "crisis/admin/toggle.html", reverse("crisis_admin:index"))


def admin_index(request):
    sites = [(site, services.state_for(site)) for site in Site.objects.select_related("root_page").order_by("hostname")]
    allowed = [(site, state) for site, state in sites if is_communications_admin(request.user, state)]
    if not allowed:
        raise PermissionDenied
    return TemplateResponse(request, "crisis/admin/index.html", {"sites": allowed})
