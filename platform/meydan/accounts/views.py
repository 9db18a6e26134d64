from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..ratelimit import rate_limited
from . import services
from .forms import LoginForm, NgoApplicationForm, ProfileForm, ResendConfirmationForm, SignUpForm
from .models import Organisation, User
from .rules import is_org_member
from .tokens import email_confirmation_token


def _site_url(request):
    return request.build_absolute_uri("/")


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    template_name = "accounts/logged_out.html"

    def get_default_redirect_url(self):
        # Show the "You are logged out" page instead of LOGOUT_REDIRECT_URL; a safe ?next= still wins.
        return self.request.path


@require_http_methods(["GET", "POST"])
@rate_limited("accounts.sign_up")
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignUpForm(request.POST or None, initial={"preferred_language": request.LANGUAGE_CODE})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            services.sign_up(
                email=data["email"], password=data["password1"], display_name=data["display_name"],
                preferred_language=data["preferred_language"], site_url=_site_url(request),
            )
            return redirect("accounts:sign_up_done")
        return render(request, "accounts/sign_up.html", {"form": form}, status=400)
    return render(request, "accounts/sign_up.html", {"form": form})


def sign_up_done(request):
    return render(request, "accounts/sign_up_done.html")


def confirm_email(request, uidb64, token):
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError, User.DoesNotExist):
        user = None
    if user is None or not email_confirmation_token.check_token(user, token):
        return render(request, "accounts/confirm_invalid.html", {"form": ResendConfirmationForm()}, status=400)
    services.confirm_email(user)
    messages.success(request, _("Thank you: your e-mail address is confirmed. You can log in now."))
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
@rate_limited("accounts.resend_confirmation")
def resend_confirmation(request):
    form = ResendConfirmationForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/resend_confirmation.html", {"form": form}, status=400)
        user = User.objects.filter(email__iexact=form.cleaned_data["email"], email_confirmed_at=None).first()
        if user:
            services.send_confirmation(user, _site_url(request))
        # Same answer whether or not the address exists, so the form reveals nobody's account.
        return redirect("accounts:sign_up_done")
    return render(request, "accounts/resend_confirmation.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("accounts.profile")
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            services.update_profile(
                request.user,
                display_name=form.cleaned_data["display_name"],
                preferred_language=form.cleaned_data["preferred_language"],
            )
            messages.success(request, _("Your profile has been saved."))
            response = redirect("accounts:profile")
            if request.user.preferred_language:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME, request.user.preferred_language,
                    max_age=settings.LANGUAGE_COOKIE_AGE, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                )
            return response
        request.user.refresh_from_db()
        return render(request, "accounts/profile.html", _profile_context(request, form), status=400)
    return render(request, "accounts/profile.html", _profile_context(request, form))


def _profile_context(request, form):
    memberships = request.user.memberships.select_related("organisation").order_by("organisation__name")
    return {"form": form, "memberships": memberships}


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("accounts.apply")
def apply_for_ngo(request):
    form = NgoApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                organisation = services.apply_for_ngo(request.user, **form.cleaned_data)
            except services.AccountError as error:
                messages.error(request, error.message)
                return render(request, "accounts/ngo_apply.html", {"form": form}, status=403)
            messages.success(request, _("Thank you. Staff will review your application and e-mail you."))
            return redirect(organisation.get_absolute_url())
        return render(request, "accounts/ngo_apply.html", {"form": form}, status=400)
    if request.user.email_confirmed_at is None:
        messages.warning(request, _("Confirm your e-mail address before applying for an organisation."))
    return render(request, "accounts/ngo_apply.html", {"form": form})


def organisation_detail(request, slug):
    organisation = get_object_or_404(Organisation.objects.select_related("parent"), slug=slug)
    # Applications are private to their members and to reviewers until staff verify them.
    is_insider = is_org_member(request.user, organisation) or request.user.has_perm(
        "accounts.review_organisations"
    )
    if organisation.status != Organisation.Status.VERIFIED and not is_insider:
        raise Http404
    departments = organisation.departments.filter(status=Organisation.Status.VERIFIED).order_by("name")
    return render(
        request,
        "accounts/organisation_detail.html",
        {"organisation": organisation, "departments": departments, "is_insider": is_insider},
    )


def organisation_list(request):
    organisations = (
        Organisation.objects.filter(status=Organisation.Status.VERIFIED)
        .exclude(kind=Organisation.Kind.DEPARTMENT)
        .order_by("kind", "name")
    )
    kind = request.GET.get("kind", "")
    if kind in Organisation.Kind.values:
        organisations = organisations.filter(kind=kind)
    return render(
        request,
        "accounts/organisation_list.html",
        {"organisations": organisations, "kinds": Organisation.Kind.choices, "kind": kind},
    )


# Each reset sends an e-mail to an address the sender typed: limited per client address.
password_reset = rate_limited("accounts.password_reset")(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_confirm = rate_limited("accounts.password_reset_confirm")(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete"),
    )
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
password_change = rate_limited("accounts.password_change")(
    auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:profile")
    )
)
