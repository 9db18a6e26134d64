"""Use cases of questionnaires: answering (and changing the answer) and withdrawing it. Permissions
come from the host's registration (hosts.py); refusals raise `ResponseRefused` with a code and a
translated message, invalid answers raise `answers.InvalidAnswers` with a message per question."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meydan.accounts.models import Membership, Organisation
from meydan.accounts.rules import account_refusal

from . import answers as answer_parser
from . import hosts
from .models import SUBJECT_MAX_LENGTH, Response


class ResponseRefused(Exception):
    """A refused action; ``message`` is translated and shown to the user.

    Codes: ``invalid`` (400); ``login_required``, ``unconfirmed``, ``forbidden``, ``closed`` (403);
    ``not_found`` (404); ``organisation_answered``, ``no_response`` (409).
    """

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _registration(host):
    try:
        return hosts.for_object(host)
    except hosts.UnknownHost:
        raise ResponseRefused("not_found", _("There is no questionnaire here.")) from None


def _check_subject(registration, user, host, subject):
    if not isinstance(subject, str) or len(subject) > SUBJECT_MAX_LENGTH:
        raise ResponseRefused("invalid", _("This questionnaire cannot be answered for that subject."))
    ok, message = registration.check_subject(user, host, subject)
    if not ok:
        raise ResponseRefused("forbidden", message or _("This questionnaire cannot be answered for that subject."))


def require_respondent(user, host, subject=""):
    """Raise unless `user` may answer (or change or withdraw an answer) now; returns the registration.
    The template tag asks this too, to show the form or the reason there is none."""
    registration = _registration(host)
    refusal = account_refusal(user)
    if refusal:
        raise ResponseRefused(*refusal)
    _check_subject(registration, user, host, subject)
    ok, message = registration.can_respond(user, host)
    if not ok:
        raise ResponseRefused("closed", message or _("This questionnaire is closed."))
    return registration


def organisations_for(user):
    """The verified organisations `user` may answer for (as their administrator)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        status=Organisation.Status.VERIFIED,
        memberships__user=user,
        memberships__role=Membership.Role.ADMIN,
    ).order_by("name")


def _check_organisation(user, organisation):
    # Membership of that very organisation: a superuser or a municipality's staff do not speak for an NGO.
    if organisation is None:
        return
    if not organisations_for(user).filter(pk=organisation.pk).exists():
        raise ResponseRefused(
            "forbidden", _("Only an administrator of a verified organisation may answer on its behalf.")
        )


def _organisation_answered(organisation):
    return ResponseRefused(
        "organisation_answered",
        _("Another administrator has already answered on behalf of %(organisation)s; they can change that answer.")
        % {"organisation": organisation.name},
    )


def existing_response(user, host, subject=""):
    if not user.is_authenticated:
        return None
    return Response.objects.filter(
        content_type=hosts.content_type_of(host), object_id=host.pk, subject=subject, respondent=user
    ).first()


def submit_response(user, host, data, *, subject="", organisation=None):
    """Store `user`'s answers to `host`'s questionnaire, or replace the ones given before.

    `data` is the posted form (see answers.py). Returns (response, created).
    """
    registration = require_respondent(user, host, subject)
    _check_organisation(user, organisation)
    questions = registration.questions(host)
    if not questions:
        raise ResponseRefused("invalid", _("This questionnaire has no questions yet."))
    answers = answer_parser.parse(questions, data)
    content_type = hosts.content_type_of(host)
    where = {"content_type": content_type, "object_id": host.pk, "subject": subject}
    try:
        with transaction.atomic():
            response, created = _store(user, where, answers, organisation)
    except IntegrityError:
        # Two posts at once: the loser of the insert finds the winner's row and updates it, unless
        # the clash is another administrator answering for the same organisation.
        if organisation is not None and _answered_by_other(user, where, organisation):
            raise _organisation_answered(organisation) from None
        with transaction.atomic():
            response, created = _store(user, where, answers, organisation)
    if registration.on_response is not None:
        transaction.on_commit(lambda: registration.on_response(response, created))
    return response, created


def _answered_by_other(user, where, organisation):
    return Response.objects.filter(**where, organisation=organisation).exclude(respondent=user).exists()


def _store(user, where, answers, organisation):
    if organisation is not None and _answered_by_other(user, where, organisation):
        raise _organisation_answered(organisation)
    response = Response.objects.select_for_update().filter(**where, respondent=user).first()
    now = timezone.now()
    if response is None:
        response = Response.objects.create(
            **where, respondent=user, organisation=organisation, answers=answers, created_at=now, updated_at=now
        )
        return response, True
    response.answers, response.organisation, response.updated_at = answers, organisation, now
    response.save(update_fields=["answers", "organisation", "updated_at"])
    return response, False


def withdraw_response(user, host, subject=""):
    """Delete `user`'s answer while the questionnaire is open."""
    require_respondent(user, host, subject)
    deleted, _details = Response.objects.filter(
        content_type=hosts.content_type_of(host), object_id=host.pk, subject=subject, respondent=user
    ).delete()
    if not deleted:
        raise ResponseRefused("no_response", _("You have not answered this questionnaire."))
