from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from .. import satisfaction

register = template.Library()


@register.inclusion_tag("desk/satisfaction/form.html")
def satisfaction_form(obj, request):
    """The rating form for `obj` once its app lets `request.user` rate it; their rating once given."""
    user = request.user
    try:
        registration = satisfaction.registration_for(obj)
    except satisfaction.RatingRefused:
        return {"show": False}
    if not user.is_authenticated:
        return {"show": False}
    given = satisfaction.existing(obj, user)
    may_rate, _message = registration.can_rate(user, obj, None)
    content_type = ContentType.objects.get_for_model(obj)
    return {
        "show": bool(given) or may_rate,
        "given": given,
        "ratings": satisfaction.RATINGS,
        "action": reverse("desk:rate_subject", args=[content_type.pk, obj.pk]),
        "request": request,
    }
