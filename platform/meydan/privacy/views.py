"""Thin views: the privacy notice, the export download and the account erasure.

Export and erasure act on request.user only: no URL or form field names an account, so another
person's data cannot be exported or erased by construction.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from meydan import audit
from meydan.pagecache import cache_for_anonymous

from ..ratelimit import rate_limited
from . import erasure, retention
from . import export as exporting
from .forms import EraseForm, ExportForm
from .services import PrivacyRefused

STATUS_FOR_CODE = {
    "login_required": 403,
    "wrong_password": 403,
    "rate_limited": 429,
    "invalid": 400,
}


@require_GET
def notice(request):
    context = {
        "retention_days": retention.retention_days(),
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "session_days": settings.SESSION_COOKIE_AGE // 86400,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "language_cookie": settings.LANGUAGE_COOKIE_NAME,
        "language_days": settings.LANGUAGE_COOKIE_AGE // 86400,
    }
    return cache_for_anonymous(render(request, "privacy/notice.html", context), 600)


def _refused(request, template, form, error):
    messages.error(request, error.message)
    return render(request, template, {"form": form}, status=STATUS_FOR_CODE.get(error.code, 400))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("privacy.export")
def export(request):
    form = ExportForm(request.POST or None)
    if request.method == "GET":
        return render(request, "privacy/export.html", {"form": form})
    if not form.is_valid():
        return render(request, "privacy/export.html", {"form": form}, status=400)
    try:
        archive, filename = exporting.export_data(request.user, password=form.cleaned_data["password"])
    except PrivacyRefused as error:
        return _refused(request, "privacy/export.html", ExportForm(), error)
    audit.record(audit.EXPORT, actor=request.user, target=request.user, data={"export": "own data"})
    return FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("privacy.erase")
def erase(request):
    form = EraseForm(request.POST or None)
    if request.method == "GET":
        return render(request, "privacy/erase.html", {"form": form})
    if not form.is_valid():
        return render(request, "privacy/erase.html", {"form": form}, status=400)
    try:
        erasure.erase_account(request.user, password=form.cleaned_data["password"], mode=form.cleaned_data["mode"])
    except PrivacyRefused as error:
        return _refused(request, "privacy/erase.html", EraseForm(initial={"mode": form.cleaned_data["mode"]}), error)
    logout(request)
    messages.success(request, _("Your account has been erased."))
    return redirect("privacy:erased")


@require_GET
def erased(request):
    return render(request, "privacy/erased.html")
