"""Use cases of the desk. Views (and later the API) call these; each checks permissions and raises
`DeskRefused` with a code and a translated message. Mail and notifications go out on commit."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crisis.services import answer_refusal_for_municipality
from meydan import audit
from meydan.accounts.models import Organisation, User
from meydan.accounts.rules import STAFF_ROLES, has_org_role
from meydan.notifications.services import notify

from . import satisfaction
from .models import (
    ANSWER_MAX_LENGTH,
    MAX_REOPENS,
    NOTE_MAX_LENGTH,
    OPEN_STATUSES,
    TEXT_MAX_LENGTH,
    Attachment,
    Kind,
    Request,
    Status,
    TimelineEntry,
    Topic,
    TypeSettings,
    new_tracking_code,
)
from .rules import SESSION_KEY, can_handle, is_requester, submit_refusal
from .uploads import MAX_ATTACHMENTS

Entry = TimelineEntry.Kind
CONFIRM_SALT = "desk.confirm-submission"
CONFIRM_MAX_AGE = 60 * 60 * 24 * 3
REASON_MAX_LENGTH = 1000
CODE_ATTEMPTS = 5


class DeskRefused(Exception):
    """Codes: ``invalid`` (400); ``login_required``, ``unconfirmed``, ``forbidden`` (403);
    ``not_found`` (404); ``bad_state``, ``already_rated``, ``reopen_window`` (409); ``rate_limited`` (429)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# Helpers ---------------------------------------------------------------------------------------------


# Staff steps that also go to the audit log (the timeline is the requester's view of the same steps).
_AUDITED = {
    Entry.ANSWERED: audit.ANSWER,
    Entry.REDIRECTED: audit.REDIRECT,
    Entry.STATUS: audit.STATE_CHANGE,
    Entry.ASSIGNED: audit.STATE_CHANGE,
    Entry.PUBLISHED: audit.STATE_CHANGE,
}


def _record(request, kind, actor=None, **fields):
    entry = TimelineEntry.objects.create(request=request, kind=kind, actor=actor, **fields)
    if kind in _AUDITED and actor is not None:
        audit.record(_AUDITED[kind], actor=actor, target=request, data={"kind": kind, "status": request.status})
    return entry


def _locked(request):
    return (
        Request.objects.select_for_update(of=("self",))
        .select_related("municipality", "department", "topic")
        .get(pk=request.pk)
    )


def _require_handler(user, request):
    if can_handle(user, request):
        return
    if is_requester(user, request):
        raise DeskRefused("forbidden", _("Only the staff handling the request may do this."))
    # The same answer as for a request that does not exist: its existence is personal data too.
    raise DeskRefused("not_found", _("There is no such request."))


def _require_requester(user, request, session):
    if is_requester(user, request, session):
        return
    if can_handle(user, request):
        raise DeskRefused("forbidden", _("Only the person who wrote the request may do this."))
    raise DeskRefused("not_found", _("There is no such request."))


def _clean_text(value, limit, empty_message):
    value = (value or "").strip()
    if not value:
        raise DeskRefused("invalid", empty_message)
    if len(value) > limit:
        raise DeskRefused("invalid", _("The text may have at most %(limit)d characters.") % {"limit": limit})
    return value


def absolute(path):
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _mail_requester(request, subject, template, **context):
    """Tell the requester in their language: a notification for account holders, a mail otherwise."""
    url = reverse("desk:detail", kwargs={"pk": request.pk})
    if request.requester_id:
        body = lambda: render_to_string(template, {"request": request, **context}).strip()  # noqa: E731
        notify([request.requester], title=subject, body=_Lazy(body), url=url)
        return
    language = request.language or settings.LANGUAGE_CODE
    with translation.override(language):
        text = render_to_string(
            template, {"request": request, "lookup_url": absolute(reverse("desk:lookup")), **context}
        ).strip()
        subject_text = str(subject)
    recipient = request.contact_email
    transaction.on_commit(lambda: send_mail(subject_text, text, None, [recipient], fail_silently=True))


class _Lazy:
    """A callable body for notify(): rendered in each recipient's language."""

    def __init__(self, render):
        self.render = render

    def __str__(self):
        return self.render()


def _notify_staff(organisation, title, request):
    staff = list(
        User.objects.filter(
            memberships__organisation=organisation, memberships__role__in=STAFF_ROLES, is_active=True
        ).distinct()
    )
    # No personal data in notifications: staff open the request to read it.
    body = f"{request.tracking_code} · {request.topic.name}"
    notify(staff, title=title, body=body, url=request.get_absolute_url())


# Submitting ------------------------------------------------------------------------------------------


def active_topics():
    return Topic.objects.filter(active=True).select_related("municipality", "department")


def _insert_with_unique_code(request):
    """Collisions are astronomically rare, but a unique constraint must never surface as a 500."""
    for _attempt in range(CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                request.save(force_insert=True)
            return request
        except IntegrityError:
            if Request.objects.filter(tracking_code=request.tracking_code).exists():
                request.tracking_code = new_tracking_code()
                continue
            raise
    raise IntegrityError("no free tracking code")  # pragma: no cover - 2^38 codes


def _accept(request, now):
    request.status = Status.RECEIVED
    request.created_at = now
    request.due_at = now + timedelta(days=TypeSettings.days_for(request.municipality, request.kind))
    _record(
        request, Entry.SUBMITTED, actor=request.requester, to_status=Status.RECEIVED, to_department=request.department
    )
    _mail_requester(
        request,
        gettext_lazy("Your request was received"),
        "desk/mail/received.txt",
    )


@transaction.atomic
def submit_request(
    user,
    *,
    kind,
    topic,
    text,
    district="",
    photo=None,
    attachments=(),
    publish_consent=False,
    contact_email="",
    language="",
):
    """Store a request. Account holders' requests are accepted at once; people without an account
    get a confirmation link and the request waits (status "unconfirmed") until they follow it."""
    refusal = submit_refusal(user)
    if refusal:
        raise DeskRefused(*refusal)
    if kind not in Kind.values:
        raise DeskRefused("invalid", _("Choose the type of your message."))
    if topic is None or not Topic.objects.filter(pk=topic.pk, active=True).exists():
        raise DeskRefused("invalid", _("Choose one of the topics."))
    text = _clean_text(text, TEXT_MAX_LENGTH, _("Write your message."))
    district = " ".join((district or "").split())[:80]
    if len(attachments) > MAX_ATTACHMENTS:
        raise DeskRefused("invalid", _("Attach at most %(limit)d files.") % {"limit": MAX_ATTACHMENTS})
    if user.is_authenticated:
        contact_email = user.email
    else:
        contact_email = (contact_email or "").strip().lower()
        try:
            validate_email(contact_email)
        except Exception:
            raise DeskRefused("invalid", _("Give an e-mail address we can answer to.")) from None
    request = Request(
        kind=kind,
        municipality_id=topic.municipality_id,
        topic=topic,
        department_id=topic.department_id,
        requester=user if user.is_authenticated else None,
        contact_email=contact_email,
        language=language or translation.get_language() or "",
        text=text,
        district=district,
        publish_consent=bool(publish_consent) and kind == Kind.SUGGESTION,
        status=Status.RECEIVED if user.is_authenticated else Status.UNCONFIRMED,
        due_at=timezone.now(),  # replaced by _accept; unconfirmed rows get none
    )
    if photo:
        request.photo = photo
    if not user.is_authenticated:
        request.due_at = None
    _insert_with_unique_code(request)
    for file, name, content_type in attachments:
        Attachment.objects.create(
            request=request, file=file, name=name, content_type=content_type, size=getattr(file, "size", 0) or 0
        )
    if user.is_authenticated:
        _accept(request, timezone.now())
        request.save(update_fields=["status", "created_at", "due_at"])
    else:
        _send_confirmation(request)
    return request


def confirmation_token(request):
    return signing.dumps({"r": request.pk, "e": request.contact_email}, salt=CONFIRM_SALT, compress=True)


def _send_confirmation(request):
    link = absolute(reverse("desk:confirm", kwargs={"token": confirmation_token(request)}))
    with translation.override(request.language or settings.LANGUAGE_CODE):
        subject = _("Confirm your e-mail address to send your request")
        text = render_to_string("desk/mail/confirm.txt", {"request": request, "link": link}).strip()
    recipient = request.contact_email
    transaction.on_commit(lambda: send_mail(subject, text, None, [recipient], fail_silently=True))


@transaction.atomic
def confirm_submission(token):
    """Follow the link from the confirmation mail: the request is accepted (once; again is harmless)."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
        pk, email = int(data["r"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise DeskRefused(
            "invalid", _("This confirmation link is invalid or has expired. Please send the request again.")
        ) from None
    request = Request.objects.select_for_update().filter(pk=pk, contact_email=email).first()
    if request is None:
        raise DeskRefused(
            "invalid", _("This confirmation link is invalid or has expired. Please send the request again.")
        )
    if request.status == Status.UNCONFIRMED:
        _accept(request, timezone.now())
        request.save(update_fields=["status", "created_at", "due_at", "updated_at"])
    return request


def grant_session_access(session, request):
    """Remember in the browser session that this person proved they wrote the request."""
    known = [pk for pk in session.get(SESSION_KEY, []) if pk != request.pk][-19:]
    session[SESSION_KEY] = [*known, request.pk]


# Staff: routing and answers ------------------------------------------------------------------------------


def redirect_targets(municipality):
    """Where a request may be sent: the municipality's departments (of any of several municipalities,
    given their ids), or another organisation that is not an NGO (a municipality, a state agency)."""
    if isinstance(municipality, (set, list, tuple)):
        departments = Q(kind=Organisation.Kind.DEPARTMENT, parent_id__in=municipality)
    else:
        departments = Q(kind=Organisation.Kind.DEPARTMENT, parent=municipality)
    return (
        Organisation.objects.filter(departments | Q(kind__in=[Organisation.Kind.MUNICIPALITY, Organisation.Kind.OTHER]))
        .exclude(status=Organisation.Status.REJECTED)
        .order_by("kind", "name")
    )


def _redirect_locked(user, request, target, reason):
    _require_handler(user, request)
    if request.status not in OPEN_STATUSES:
        raise DeskRefused("bad_state", _("Only open requests can be redirected."))
    if target is None or not redirect_targets(request.municipality).filter(pk=target.pk).exists():
        raise DeskRefused("invalid", _("Choose a department or organisation to send the request to."))
    if target.pk == request.department_id:
        raise DeskRefused("invalid", _("The request is already with this department."))
    reason = _clean_text(reason, REASON_MAX_LENGTH, _("Give the reason for redirecting; the requester will see it."))
    from_department, from_status = request.department, request.status
    request.department, request.status, request.assignee = target, Status.REDIRECTED, None
    request.save(update_fields=["department", "status", "assignee", "updated_at"])
    _record(
        request,
        Entry.REDIRECTED,
        user,
        from_status=from_status,
        to_status=Status.REDIRECTED,
        from_department=from_department,
        to_department=target,
        public_text=reason,
    )
    _notify_staff(target, gettext_lazy("A request was redirected to your department"), request)
    return request


@transaction.atomic
def redirect_request(user, request, target, reason):
    return _redirect_locked(user, _locked(request), target, reason)


def bulk_redirect(user, request_ids, target, reason):
    """Redirect each request on its own (each on its own timeline); returns (done, refused) where
    refused lists (tracking code or id, message)."""
    done, refused = [], []
    for request in Request.objects.filter(pk__in=list(request_ids)[:200]).order_by("pk"):
        try:
            with transaction.atomic():
                done.append(_redirect_locked(user, _locked(request), target, reason))
        except DeskRefused as refusal:
            label = request.tracking_code if can_handle(user, request) else str(request.pk)
            refused.append((label, refusal.message))
    return done, refused


@transaction.atomic
def answer_request(user, request, text):
    request = _locked(request)
    _require_handler(user, request)
    if request.status not in (*OPEN_STATUSES, Status.ANSWERED):
        raise DeskRefused("bad_state", _("This request cannot be answered in its current state."))
    text = _clean_text(text, ANSWER_MAX_LENGTH, _("Write the answer; the requester will read it."))
    crisis_refusal = answer_refusal_for_municipality(user, request.municipality_id)
    if crisis_refusal:
        raise DeskRefused("forbidden", crisis_refusal)
    from_status = request.status
    request.status = Status.ANSWERED
    request.answered_at = request.answered_at or timezone.now()
    request.save(update_fields=["status", "answered_at", "updated_at"])
    _record(request, Entry.ANSWERED, user, from_status=from_status, to_status=Status.ANSWERED, public_text=text)
    _mail_requester(request, gettext_lazy("Your request was answered"), "desk/mail/answered.txt", answer=text)
    return request


@transaction.atomic
def start_review(user, request):
    request = _locked(request)
    _require_handler(user, request)
    if request.status not in (Status.RECEIVED, Status.REDIRECTED, Status.REOPENED):
        raise DeskRefused("bad_state", _("This request is not waiting for review."))
    from_status = request.status
    request.status = Status.IN_REVIEW
    request.save(update_fields=["status", "updated_at"])
    _record(request, Entry.STATUS, user, from_status=from_status, to_status=Status.IN_REVIEW)
    return request


@transaction.atomic
def add_note(user, request, note):
    request = _locked(request)
    _require_handler(user, request)
    note = _clean_text(note, NOTE_MAX_LENGTH, _("Write the note."))
    return _record(request, Entry.NOTE, user, internal_note=note)


def colleagues(request):
    """Staff who may handle the request now: its organisation's staff and its municipality's."""
    org_ids = [request.department_id]
    if request.department.parent_id:
        org_ids.append(request.department.parent_id)
    return (
        User.objects.filter(is_active=True, memberships__organisation_id__in=org_ids, memberships__role__in=STAFF_ROLES)
        .distinct()
        .order_by("display_name", "email")
    )


@transaction.atomic
def assign_request(user, request, assignee):
    request = _locked(request)
    _require_handler(user, request)
    if request.status not in (*OPEN_STATUSES, Status.ANSWERED):
        raise DeskRefused("bad_state", _("Closed requests are not assigned."))
    if assignee is not None and not has_org_role(assignee, request.department, STAFF_ROLES):
        raise DeskRefused("invalid", _("Assign the request to a colleague of the department handling it."))
    if assignee is not None and assignee.pk == request.assignee_id:
        return request
    request.assignee = assignee
    request.save(update_fields=["assignee", "updated_at"])
    note = assignee.public_name if assignee else _("Nobody")
    _record(request, Entry.ASSIGNED, user, internal_note=note)
    if assignee is not None and assignee.pk != user.pk:
        notify(
            [assignee],
            title=gettext_lazy("A request was assigned to you"),
            body=f"{request.tracking_code} · {request.topic.name}",
            url=request.get_absolute_url(),
        )
    return request


# Closing, reopening, rating -----------------------------------------------------------------------------


@transaction.atomic
def close_request(user, request, session=None):
    request = _locked(request)
    if not (is_requester(user, request, session) or can_handle(user, request)):
        raise DeskRefused("not_found", _("There is no such request."))
    if request.status in (Status.CLOSED, Status.UNCONFIRMED):
        raise DeskRefused("bad_state", _("This request is already closed."))
    from_status = request.status
    request.status, request.closed_at = Status.CLOSED, timezone.now()
    request.save(update_fields=["status", "closed_at", "updated_at"])
    _record(
        request, Entry.CLOSED, user if user.is_authenticated else None, from_status=from_status, to_status=Status.CLOSED
    )
    _mail_requester(request, gettext_lazy("Your request is closed: how did we do?"), "desk/mail/closed.txt")
    return request


@transaction.atomic
def reopen_request(user, request, reason, session=None):
    request = _locked(request)
    _require_requester(user, request, session)
    if request.status != Status.CLOSED:
        raise DeskRefused("bad_state", _("Only a closed request can be reopened."))
    if request.reopen_count >= MAX_REOPENS:
        raise DeskRefused("reopen_window", _("A request can be reopened only once. Please send a new request."))
    if not request.can_be_reopened():
        raise DeskRefused(
            "reopen_window",
            _("A request can be reopened within 30 days of closing. Please send a new request."),
        )
    reason = _clean_text(reason, REASON_MAX_LENGTH, _("Tell us why you reopen the request."))
    # Conditional on the count, so two tabs reopening at once leave one reopening (and the
    # CheckConstraint stops anything that slips past).
    updated = Request.objects.filter(pk=request.pk, reopen_count__lt=MAX_REOPENS).update(
        reopen_count=F("reopen_count") + 1, status=Status.REOPENED, closed_at=None, updated_at=timezone.now()
    )
    if not updated:
        raise DeskRefused("reopen_window", _("A request can be reopened only once. Please send a new request."))
    request.refresh_from_db()
    _record(
        request,
        Entry.REOPENED,
        user if user.is_authenticated else None,
        from_status=Status.CLOSED,
        to_status=Status.REOPENED,
        public_text=reason,
    )
    _notify_staff(request.department, gettext_lazy("A request was reopened"), request)
    return request


def can_rate_request(user, request, browser_session):
    if not is_requester(user, request, browser_session):
        return False, _("Only the person who wrote the request may rate the answer.")
    if request.status != Status.CLOSED:
        return False, _("You can rate the answer once the request is closed.")
    return True, None


def rate_request(user, request, rating, comment="", session=None):
    request = Request.objects.select_related("municipality", "department").get(pk=request.pk)
    if not (is_requester(user, request, session) or can_handle(user, request)):
        raise DeskRefused("not_found", _("There is no such request."))
    try:
        with transaction.atomic():
            rated = satisfaction.rate(user, request, rating, comment, browser_session=session)
            _record(request, Entry.RATED, user if user.is_authenticated else None)
    except satisfaction.RatingRefused as refusal:
        raise DeskRefused(refusal.code, refusal.message) from None
    return rated


@transaction.atomic
def give_consent(user, request, session=None):
    request = _locked(request)
    _require_requester(user, request, session)
    if request.kind != Kind.SUGGESTION:
        raise DeskRefused("invalid", _("Only suggestions can be published as proposals."))
    if request.publish_consent:
        raise DeskRefused("bad_state", _("You have already agreed."))
    request.publish_consent = True
    request.save(update_fields=["publish_consent", "updated_at"])
    _record(request, Entry.CONSENT, user if user.is_authenticated else None)
    return request


def register_satisfaction():
    satisfaction.register(Request, can_rate_request, one_per_subject=True)


# Suggestion → public proposal ---------------------------------------------------------------------------


def proposal_spaces(request):
    """Proposal spaces of the request's municipality that take proposals now."""
    from proposals.models import ProposalSpacePage

    now = timezone.now()
    return (
        ProposalSpacePage.objects.live()
        .filter(municipality_id=request.municipality_id, proposing_opens__lte=now, proposing_closes__gte=now)
        .order_by("title")
    )


# Refusals of proposals' create use case, as the desk's codes (the message is passed on as it is).
_PROPOSAL_CODES = {"closed": "bad_state", "rate_limited": "rate_limited", "invalid": "invalid"}


@transaction.atomic
def publish_as_proposal(user, request, space, *, title, body):
    """Staff turn a suggestion whose author agreed into a public proposal, through proposals' own
    create use case. The proposal is published by the staff member on behalf of the municipality (or
    their department), never under the resident's name; the request links to it and records it."""
    from django.utils.html import linebreaks

    from proposals import services as proposals
    from proposals.rules import organisations_for

    request = _locked(request)
    _require_handler(user, request)
    if request.kind != Kind.SUGGESTION:
        raise DeskRefused("invalid", _("Only suggestions can be published as proposals."))
    if not request.publish_consent:
        raise DeskRefused(
            "forbidden",
            _("The author has not agreed that this suggestion is published. It stays private."),
        )
    if request.proposal_id:
        raise DeskRefused("bad_state", _("This suggestion is already published as a proposal."))
    if space is None or not proposal_spaces(request).filter(pk=space.pk).exists():
        raise DeskRefused("invalid", _("Choose a proposal space of this municipality that is open for proposals."))
    body = _clean_text(body, TEXT_MAX_LENGTH, _("Write the text of the proposal."))
    candidates = organisations_for(user).filter(pk__in=[request.municipality_id, request.department_id])
    mine = {org.pk: org for org in candidates}
    organisation = mine.get(request.municipality_id) or mine.get(request.department_id)
    district = request.district if request.district in space.district_list() else ""
    try:
        proposal = proposals.create_proposal(
            user,
            space,
            title=title,
            body=linebreaks(body, autoescape=True),
            district=district,
            organisation=organisation,
        )
    except proposals.ProposalRefused as refusal:
        raise DeskRefused(_PROPOSAL_CODES.get(refusal.code, "forbidden"), refusal.message) from None
    request.proposal, request.is_public = proposal, True
    request.save(update_fields=["proposal", "is_public", "updated_at"])
    _record(request, Entry.PUBLISHED, user)
    _mail_requester(
        request,
        gettext_lazy("Your suggestion is now a public proposal"),
        "desk/mail/published.txt",
        proposal_url=absolute(proposal.get_absolute_url()),
    )
    return proposal
