"""Wagtail admin views where staff decide NGO applications."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..ratelimit import rate_limited
from . import services
from .forms import RejectionForm
from .models import Organisation
from .rules import can_review_organisations


class ReviewPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_review_organisations(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ApplicationListView(ReviewPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    page_title = gettext_lazy("NGO applications")
    header_icon = "group"
    template_name = "accounts/admin/application_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        base = Organisation.objects.filter(kind=Organisation.Kind.NGO).select_related("applied_by", "decided_by")
        context["pending"] = base.filter(status=Organisation.Status.PENDING).order_by("created_at")
        context["decided"] = base.exclude(status=Organisation.Status.PENDING).order_by("-decided_at")[:50]
        return context


class ApplicationDetailView(ReviewPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "group"
    template_name = "accounts/admin/application_detail.html"

    def get_organisation(self):
        return get_object_or_404(
            Organisation.objects.select_related("applied_by", "decided_by"), pk=self.kwargs["pk"], kind="ngo"
        )

    def get_page_title(self):
        return _("Application: %(name)s") % {"name": self.organisation.name}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("accounts_admin:applications"), "label": _("NGO applications")},
            {"url": "", "label": self.organisation.name},
        ]

    def get(self, request, *args, **kwargs):
        self.organisation = self.get_organisation()
        return self.render_to_response(self.get_context_data(form=RejectionForm()))

    @method_decorator(rate_limited("organisations.review"))
    def post(self, request, *args, **kwargs):
        self.organisation = self.get_organisation()
        form = RejectionForm()
        try:
            if request.POST.get("action") == "approve":
                services.approve_organisation(self.organisation, request.user, request.build_absolute_uri("/"))
                messages.success(request, _("%(name)s is now verified.") % {"name": self.organisation.name})
                return redirect("accounts_admin:applications")
            if request.POST.get("action") == "reject":
                form = RejectionForm(request.POST)
                if form.is_valid():
                    services.reject_organisation(self.organisation, request.user, form.cleaned_data["reason"])
                    messages.success(request, _("%(name)s was rejected.") % {"name": self.organisation.name})
                    return redirect("accounts_admin:applications")
            else:
                messages.error(request, _("Choose to approve or to reject the application."))
        except services.AccountError as error:
            messages.error(request, error.message)
            return redirect("accounts_admin:application", pk=self.organisation.pk)
        response = self.render_to_response(self.get_context_data(form=form))
        response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organisation"] = self.organisation
        return context
