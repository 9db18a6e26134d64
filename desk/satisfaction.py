"""Satisfaction ratings (1–5 with an optional comment) for anything that ends.

An app registers each model whose people may rate it, from its AppConfig.ready()::

    from desk import satisfaction

    satisfaction.register(
        CouncilSessionPage,
        can_rate=lambda user, session, browser_session: (True, None) or (False, _("Not yet.")),
        one_per_subject=False,   # every participant rates once ("user:<id>")
    )

A request is the first subject: one rating in all, by its requester, after it is closed. "Once" is
a unique constraint on (subject, respondent key), so a double submit cannot store two ratings.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import RATING_COMMENT_MAX_LENGTH, Satisfaction

RATINGS = [
    (1, gettext_lazy("Very dissatisfied")),
    (2, gettext_lazy("Dissatisfied")),
    (3, gettext_lazy("Neither satisfied nor dissatisfied")),
    (4, gettext_lazy("Satisfied")),
    (5, gettext_lazy("Very satisfied")),
]


class RatingRefused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Registration:
    model: type
    # (user, obj, browser_session) -> (ok, translated message or None)
    can_rate: object
    one_per_subject: bool


_registry = {}


def _key(model):
    return model._meta.concrete_model._meta.label_lower


def register(model, can_rate, *, one_per_subject=False):
    _registry[_key(model)] = Registration(model._meta.concrete_model, can_rate, one_per_subject)


def unregister(model):
    _registry.pop(_key(model), None)


def registration_for(obj):
    try:
        return _registry[_key(type(obj))]
    except KeyError:
        raise RatingRefused("not_found", _("This cannot be rated.")) from None


def respondent_key(registration, user):
    return "" if registration.one_per_subject else f"user:{user.pk}"


def clean_rating(rating, comment):
    try:
        rating = int(str(rating).strip())
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise RatingRefused("invalid", _("Choose a rating from 1 to 5."))
    comment = (comment or "").strip()
    if len(comment) > RATING_COMMENT_MAX_LENGTH:
        raise RatingRefused(
            "invalid",
            _("The comment may have at most %(limit)d characters.") % {"limit": RATING_COMMENT_MAX_LENGTH},
        )
    return rating, comment


def existing(obj, user=None):
    registration = registration_for(obj)
    if not registration.one_per_subject and not getattr(user, "is_authenticated", False):
        return None
    return Satisfaction.objects.filter(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        respondent_key=respondent_key(registration, user),
    ).first()


def rate(user, obj, rating, comment="", browser_session=None):
    registration = registration_for(obj)
    ok, message = registration.can_rate(user, obj, browser_session)
    if not ok:
        raise RatingRefused("forbidden", message or _("You may not rate this."))
    if not registration.one_per_subject and not user.is_authenticated:
        raise RatingRefused("login_required", _("Log in to take part."))
    rating, comment = clean_rating(rating, comment)
    try:
        with transaction.atomic():
            return Satisfaction.objects.create(
                content_type=ContentType.objects.get_for_model(obj),
                object_id=obj.pk,
                respondent_key=respondent_key(registration, user),
                rating=rating,
                comment=comment,
            )
    except IntegrityError:
        raise RatingRefused("already_rated", _("You have already rated this. Thank you!")) from None
