"""Rating anything registered with `desk.satisfaction` (a council session, a consultation) once it ended."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meydan.ratelimit import rate_limited

from . import satisfaction

STATUS_FOR_CODE = {"invalid": 400, "login_required": 403, "forbidden": 403, "not_found": 404, "already_rated": 409}


def _subject(content_type_id, object_id):
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        raise Http404 from None
    if model is None:
        raise Http404
    obj = model._default_manager.filter(pk=object_id).first()
    if obj is None or getattr(obj, "live", True) is False:
        raise Http404
    return obj


def _back(obj):
    url = getattr(obj, "url", None) or "/"
    return f"{url}#satisfaction"


@require_POST
@rate_limited("satisfaction.rate")
def rate_subject(request, content_type_id, object_id):
    obj = _subject(content_type_id, object_id)
    try:
        satisfaction.rate(request.user, obj, request.POST.get("rating"), request.POST.get("comment", ""))
    except satisfaction.RatingRefused as refused:
        return TemplateResponse(
            request,
            "desk/satisfaction/refused.html",
            {"message": refused.message, "back": _back(obj), "comment": request.POST.get("comment", "")},
            status=STATUS_FOR_CODE.get(refused.code, 400),
        )
    messages.success(request, _("Thank you for your rating."))
    return redirect(_back(obj))
