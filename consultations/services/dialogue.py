"""Use cases of the dialogue level: people and organisations apply with a statement of interest, staff
approve or decline with a reason, and approved participants talk in a closed thread."""

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meydan import audit
from meydan.accounts.rules import voice_organisations
from meydan.notifications.services import notify

from ..models import REASON_MAX_LENGTH, REPRESENTS_MAX_LENGTH, STATEMENT_MAX_LENGTH, Application, DialoguePage
from ..rules import can_moderate_page, is_page_staff, taking_part_refusal
from . import ParticipationRefused, require
from .information import clean_text

Status = Application.Status


def is_participant(user, page):
    return bool(
        user
        and user.is_authenticated
        and Application.objects.filter(page=page, applicant=user, status=Status.APPROVED).exists()
    )


def can_view_dialogue(user, page):
    """Who reads the thread and the minutes: approved participants and the page's staff and moderators,
    in every phase (the record stays readable after the dialogue closes)."""
    if not page.live or not user or not user.is_authenticated:
        return False
    return is_participant(user, page) or can_moderate_page(user, page)


def can_write_in_dialogue(user, page):
    """(ok, message) for the comments app: participants and staff, while the dialogue is open."""
    refusal = taking_part_refusal(user, page)
    if refusal:
        return False, refusal[1]
    if not (is_participant(user, page) or is_page_staff(user, page)):
        return False, _("Only approved participants may write in this dialogue.")
    return True, None


def _existing_refusal(application):
    if application.status == Status.PENDING:
        return _("You have already applied; your application is waiting for a decision.")
    if application.status == Status.APPROVED:
        return _("You already take part in this dialogue.")
    return _(
        "Your application was declined on %(date)s, so you cannot apply again. The reason given: %(reason)s "
        "If your circumstances have changed, write to the contact person of this page."
    ) % {
        "date": formats.date_format(timezone.localtime(application.decided_at), "DATE_FORMAT"),
        "reason": application.reason,
    }


def apply_refusal(user, page):
    """Why `user` may not apply to `page` now (code, message), or None: also decides whether the form shows."""
    refusal = taking_part_refusal(user, page)
    if refusal:
        return refusal
    if is_page_staff(user, page):
        return "forbidden", _("Officials responsible for this dialogue take part without applying.")
    existing = Application.objects.filter(page=page, applicant=user).first()
    if existing:
        return "already_done", _existing_refusal(existing)
    return None


def apply(user, page, statement, organisation=None, represents=""):
    require(apply_refusal(user, page))
    statement = clean_text(
        statement,
        limit=STATEMENT_MAX_LENGTH,
        empty_message=_("Write your statement of interest."),
        too_long_message=_("The statement may have at most %(limit)s characters; yours has %(length)s."),
    )
    if organisation is not None:
        if not voice_organisations(user).filter(pk=organisation.pk).exists():
            raise ParticipationRefused(
                "forbidden", _("You can apply for a verified organisation only if you administer it.")
            )
        represents = clean_text(
            represents,
            limit=REPRESENTS_MAX_LENGTH,
            empty_message=_("Say whom the organisation represents."),
            too_long_message=_("This may have at most %(limit)s characters; yours has %(length)s."),
        )
    else:
        represents = ""
    try:
        with transaction.atomic():
            return Application.objects.create(
                page=page, applicant=user, organisation=organisation, statement=statement, represents=represents
            )
    except IntegrityError:
        # Two submissions at once: the database keeps one; the other gets the same answer as a second try.
        existing = Application.objects.get(page=page, applicant=user)
        raise ParticipationRefused("already_done", _existing_refusal(existing)) from None


def decide(user, application, *, approve, reason=""):
    """Approve or decline a pending application; the applicant is told once the decision is stored."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("page", "applicant")
            .get(pk=application.pk)
        )
        page = application.page
        if not page.live or not is_page_staff(user, page):
            raise ParticipationRefused(
                "forbidden", _("Only officials of the responsible municipality or department decide on applications.")
            )
        if application.status != Status.PENDING:
            raise ParticipationRefused(
                "already_done",
                _("This application was already decided: %(status)s.") % {"status": application.get_status_display()},
            )
        if approve:
            reason = (reason or "").replace("\r\n", "\n").strip() if isinstance(reason, str) else ""
            if len(reason) > REASON_MAX_LENGTH:
                raise ParticipationRefused(
                    "too_long", _("The message may have at most %(limit)s characters.") % {"limit": REASON_MAX_LENGTH}
                )
        else:
            reason = clean_text(
                reason,
                limit=REASON_MAX_LENGTH,
                empty_message=_("Give the reason for declining; the applicant will read it."),
                too_long_message=_("The reason may have at most %(limit)s characters; yours has %(length)s."),
            )
        application.status = Status.APPROVED if approve else Status.DECLINED
        application.reason, application.decided_by, application.decided_at = reason, user, timezone.now()
        application.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        audit.record(
            audit.APPROVAL, actor=user, target=application, data={"page": page.pk, "status": application.status}
        )
        applicant = application.applicant
        title = (
            gettext_lazy("You are a participant of the dialogue")
            if approve
            else gettext_lazy("Your application to the dialogue was declined")
        )
        body = f"{page.title}\n\n{reason}".strip()
        url = f"{page.url}#my-application"
        transaction.on_commit(lambda: notify([applicant], title=title, body=body, url=url))
    return application


def register_targets():
    """Comment targets and live topics of this level (called from the app's ready())."""
    from comments import targets

    targets.register(
        DialoguePage,
        can_comment=can_write_in_dialogue,
        can_moderate=lambda user, page: bool(can_moderate_page(user, page)),
        # The thread is closed to the public: no live topic, whose subscribers are not checked per event.
        topic=None,
        can_view=can_view_dialogue,
        organisation_voice=True,
    )
