"""Use cases of proposals. Views, the API and websocket actions call these; each checks
permissions and raises `ProposalRefused` with a code and a translated message."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import live
from crisis.services import answer_refusal
from meydan import audit
from meydan.notifications.services import notify
from meydan.pagecache import pages_changed
from meydan.sanitize import clean_html, plain_text

from .models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, Proposal, ProposalEvent, Support
from .rules import can_answer, can_moderate_space, eligibility_refusal, organisations_for

State = Proposal.State
PROPOSALS_PER_HOUR = 5
MAX_TAGS = 8


class ProposalRefused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def support_payload(proposal_id):
    count = Proposal.objects.filter(pk=proposal_id).values_list("support_count", flat=True).first() or 0
    return {"proposal": proposal_id, "count": count}


def _record(proposal, kind, actor=None, note="", from_state="", to_state=""):
    pages_changed()  # cached anonymous lists must show this at once
    ProposalEvent.objects.create(
        proposal=proposal, kind=kind, actor=actor, note=note, from_state=from_state, to_state=to_state
    )
    live.publish(
        proposal.topic, "proposal.timeline", {"kind": kind, "state": proposal.state, "note": note, "to_state": to_state}
    )


def _check_eligible(user, rule):
    refusal = eligibility_refusal(user, rule)
    if refusal:
        raise ProposalRefused(*refusal)


# Writing ---------------------------------------------------------------------------------------------


def _clean_fields(user, space, *, title, body, category=None, district="", tags=(), organisation=None, **_ignored):
    title = " ".join((title or "").split())
    if not title:
        raise ProposalRefused("invalid", _("Give your proposal a title."))
    if len(title) > TITLE_MAX_LENGTH:
        raise ProposalRefused(
            "invalid", _("The title may have at most %(limit)d characters.") % {"limit": TITLE_MAX_LENGTH}
        )
    body = clean_html(body or "")
    if not plain_text(body).strip():
        raise ProposalRefused("invalid", _("Describe your proposal."))
    if len(plain_text(body)) > BODY_MAX_LENGTH:
        raise ProposalRefused(
            "invalid", _("The description may have at most %(limit)d characters.") % {"limit": BODY_MAX_LENGTH}
        )
    if category is not None and category.space_id != space.pk:
        raise ProposalRefused("invalid", _("Choose one of this space's categories."))
    if district and district not in space.district_list():
        raise ProposalRefused("invalid", _("Choose one of this space's districts."))
    tags = sorted({" ".join(tag.split())[:50].lower() for tag in tags if tag and tag.strip()})
    if len(tags) > MAX_TAGS:
        raise ProposalRefused("invalid", _("Use at most %(limit)d tags.") % {"limit": MAX_TAGS})
    if organisation is not None and not organisations_for(user).filter(pk=organisation.pk).exists():
        raise ProposalRefused("forbidden", _("You may propose only on behalf of your own verified organisations."))
    return {
        "title": title,
        "body": body,
        "category": category,
        "district": district,
        "organisation": organisation,
        "tags": tags,
    }


@transaction.atomic
def create_proposal(user, space, *, image=None, **fields):
    _check_eligible(user, space.who_may_propose)
    if not space.proposing_open():
        raise ProposalRefused("closed", _("Proposing is not open in this space now."))
    recent = Proposal.objects.filter(author=user, created_at__gte=timezone.now() - timedelta(hours=1)).count()
    if recent >= PROPOSALS_PER_HOUR:
        raise ProposalRefused(
            "rate_limited",
            _("You can publish at most %(limit)d proposals an hour. Please wait a little.")
            % {"limit": PROPOSALS_PER_HOUR},
        )
    data = _clean_fields(user, space, **fields)
    tags = data.pop("tags")
    proposal = Proposal.objects.create(space=space, author=user, image=image or "", **data)
    proposal.tags.set(tags)
    _record(proposal, ProposalEvent.Kind.PUBLISHED, user, to_state=State.PUBLISHED)
    return proposal


@transaction.atomic
def edit_proposal(user, proposal, *, image=None, remove_image=False, **fields):
    proposal = Proposal.objects.select_for_update(of=("self",)).select_related("space").get(pk=proposal.pk)
    if proposal.author_id != user.pk:
        raise ProposalRefused("forbidden", _("Only the author may edit a proposal."))
    _check_eligible(user, proposal.space.who_may_propose)  # editing is proposing again (and a suspension holds)
    if proposal.state != State.PUBLISHED or proposal.support_count > 0:
        raise ProposalRefused("locked", _("A proposal can be edited only until it receives its first support."))
    data = _clean_fields(user, proposal.space, **fields)
    tags = data.pop("tags")
    for name, value in data.items():
        setattr(proposal, name, value)
    if image:
        proposal.image = image
    elif remove_image:
        proposal.image = ""
    proposal.save()
    proposal.tags.set(tags)
    _record(proposal, ProposalEvent.Kind.EDITED, user)
    return proposal


def _change_state(proposal, actor, to_state, note="", kind=ProposalEvent.Kind.STATE):
    from_state = proposal.state
    proposal.state = to_state
    proposal.save(update_fields=["state", "updated_at"])
    _record(proposal, kind, actor, note=note, from_state=from_state, to_state=to_state)


@transaction.atomic
def withdraw_proposal(user, proposal):
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.author_id != user.pk:
        raise ProposalRefused("forbidden", _("Only the author may withdraw a proposal."))
    if proposal.state not in Proposal.OPEN_STATES:
        raise ProposalRefused("bad_state", _("This proposal can no longer be withdrawn."))
    _change_state(proposal, user, State.WITHDRAWN)
    return proposal


# The moderation log's codes that proposals' views do not know, as the nearest code they do.
_MODERATION_CODES = {"not_hidden": "bad_state", "already_hidden": "bad_state", "own_content": "forbidden",
                     "too_long": "invalid", "not_found": "forbidden"}


def moderate_proposal(user, proposal, *, hidden, reason, rule="other"):
    """Hide or restore through the moderation log (guideline, reason, author told, appeal)."""
    from moderation import services as moderation

    try:
        if hidden:
            moderation.hide(user, proposal, rule, reason)
        else:
            moderation.restore(user, proposal, reason)
    except moderation.ModerationRefused as refused:
        raise ProposalRefused(_MODERATION_CODES.get(refused.code, refused.code), refused.message) from None
    proposal.refresh_from_db()
    return proposal


def apply_moderation(user, proposal, reason, *, hidden):
    """Hook for moderation.targets, inside the moderation service's transaction."""
    proposal = (
        Proposal.objects.select_for_update(of=("self",)).select_related("space__municipality").get(pk=proposal.pk)
    )
    if not can_moderate_space(user, proposal.space):
        raise ProposalRefused("forbidden", _("Only the space's moderators may do this."))
    if hidden and proposal.state == State.HIDDEN or not hidden and proposal.state != State.HIDDEN:
        raise ProposalRefused("bad_state", _("Nothing to change."))
    last_visible = proposal.timeline.exclude(to_state=State.HIDDEN).exclude(to_state="").last()
    to_state = State.HIDDEN if hidden else (last_visible.to_state if last_visible else State.PUBLISHED)
    _change_state(proposal, user, to_state, note=reason)
    return proposal


# Supports --------------------------------------------------------------------------------------------


def _supportable(user, proposal):
    _check_eligible(user, proposal.space.who_may_support)
    if not proposal.space.supporting_open():
        raise ProposalRefused("closed", _("Supporting is not open in this space now."))
    if proposal.state not in Proposal.OPEN_STATES:
        raise ProposalRefused("bad_state", _("This proposal cannot be supported in its current state."))


def _reach_threshold(proposal, now):
    """Runs once per proposal: the conditional update wins for exactly one transaction."""
    due = proposal.due_date_from(now)
    won = Proposal.objects.filter(pk=proposal.pk, threshold_reached_at__isnull=True).update(
        threshold_reached_at=now, answer_due=due
    )
    if won:
        proposal.threshold_reached_at, proposal.answer_due = now, due
        _record(proposal, ProposalEvent.Kind.THRESHOLD, note=due.isoformat())


def support_proposal(user, proposal):
    proposal = Proposal.objects.select_related("space").get(pk=proposal.pk)
    _supportable(user, proposal)
    try:
        with transaction.atomic():
            Support.objects.create(proposal=proposal, user=user)
            Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
            count = Proposal.objects.values_list("support_count", flat=True).get(pk=proposal.pk)
            if count >= proposal.space.support_threshold:
                _reach_threshold(proposal, timezone.now())
            live.coalesce(proposal.topic, "support.count", proposal.pk, lambda: support_payload(proposal.pk))
    except IntegrityError:
        raise ProposalRefused("already_supported", _("You already support this proposal.")) from None
    return count


@transaction.atomic
def withdraw_support(user, proposal):
    proposal = Proposal.objects.select_related("space").get(pk=proposal.pk)
    if not user.is_authenticated:
        raise ProposalRefused("login_required", _("Log in to take part."))
    if not proposal.space.supporting_open():
        raise ProposalRefused("closed", _("Supporting is not open in this space now."))
    deleted, _rows = Support.objects.filter(proposal=proposal, user=user).delete()
    if not deleted:
        raise ProposalRefused("not_supported", _("You do not support this proposal."))
    Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") - 1)
    live.coalesce(proposal.topic, "support.count", proposal.pk, lambda: support_payload(proposal.pk))
    return Proposal.objects.values_list("support_count", flat=True).get(pk=proposal.pk)


# Answers and merges -------------------------------------------------------------------------------------


def _people_to_tell(proposal):
    from meydan.accounts.models import User

    return list(User.objects.filter(pk=proposal.author_id) | User.objects.filter(supports__proposal=proposal))


@transaction.atomic
def answer_proposal(user, proposal, *, state, text):
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("space__municipality", "category__department")
        .get(pk=proposal.pk)
    )
    if not can_answer(user, proposal):
        raise ProposalRefused(
            "forbidden", _("Only officials of the responsible municipality or department may answer.")
        )
    crisis_refusal = answer_refusal(user, proposal.space)
    if crisis_refusal:
        raise ProposalRefused("forbidden", crisis_refusal)
    if state not in Proposal.ANSWER_STATES:
        raise ProposalRefused("invalid", _("Choose the state the answer gives the proposal."))
    if proposal.state in (State.WITHDRAWN, State.HIDDEN, State.MERGED):
        raise ProposalRefused("bad_state", _("This proposal cannot be answered in its current state."))
    text = (text or "").strip()
    if not text:
        raise ProposalRefused("invalid", _("Write the answer; the author and the supporters will read it."))
    if len(text) > 8000:
        raise ProposalRefused("invalid", _("The answer may have at most 8,000 characters."))
    proposal.answer, proposal.answered_at, proposal.answered_by = text, timezone.now(), user
    proposal.save(update_fields=["answer", "answered_at", "answered_by", "updated_at"])
    _change_state(proposal, user, state, note=text, kind=ProposalEvent.Kind.ANSWERED)
    audit.record(audit.ANSWER, actor=user, target=proposal, data={"state": state})
    notify(
        _people_to_tell(proposal),
        title=gettext_lazy("The municipality answered a proposal you follow"),
        body=proposal.title,
        url=proposal.get_absolute_url(),
    )
    return proposal


@transaction.atomic
def merge_proposals(user, source, target, reason):
    """Merge `source` (B) into `target` (A): B's supporters support A, each counted once."""
    ids = sorted([source.pk, target.pk])
    locked = Proposal.objects.select_for_update(of=("self",)).select_related("space__municipality").in_bulk(ids)
    source, target = locked[source.pk], locked[target.pk]
    if not can_moderate_space(user, target.space):
        raise ProposalRefused("forbidden", _("Only the space's moderators may merge proposals."))
    if source.pk == target.pk or source.space_id != target.space_id:
        raise ProposalRefused("invalid", _("Choose another proposal of the same space."))
    if source.state == State.MERGED or target.state in (State.MERGED, State.HIDDEN, State.WITHDRAWN):
        raise ProposalRefused("bad_state", _("One of these proposals cannot take part in a merge."))
    reason = (reason or "").strip()
    if not reason:
        raise ProposalRefused("invalid", _("Give a reason; both authors will read it."))
    supporters = Support.objects.filter(proposal=source).values_list("user_id", flat=True)
    Support.objects.bulk_create([Support(proposal=target, user_id=uid) for uid in supporters], ignore_conflicts=True)
    target.support_count = Support.objects.filter(proposal=target).count()
    target.save(update_fields=["support_count", "updated_at"])
    from_state = source.state
    source.state, source.merged_into = State.MERGED, target
    source.save(update_fields=["state", "merged_into", "updated_at"])
    _record(source, ProposalEvent.Kind.MERGED, user, note=reason, from_state=from_state, to_state=State.MERGED)
    audit.record(audit.STATE_CHANGE, actor=user, target=source, data={"merged_into": target.pk, "reason": reason})
    _record(target, ProposalEvent.Kind.MERGED, user, note=reason)
    if target.support_count >= target.space.support_threshold:
        _reach_threshold(target, timezone.now())
    live.coalesce(target.topic, "support.count", target.pk, lambda: support_payload(target.pk))
    notify(
        [source.author, target.author],
        title=gettext_lazy("Two proposals were merged"),
        body=f"{source.title} → {target.title}\n{reason}",
        url=target.get_absolute_url(),
    )
    return target
