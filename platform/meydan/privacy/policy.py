"""What export and erasure do with every relation to the user model.

Keys are "app_label.ModelName.field" of the model that declares the field (so Wagtail page types
share "wagtailcore.Page.owner"). Models are looked up through the app registry at run time, so an
app that is not installed is simply skipped, and the core imports no app.

Erasure keeps the user row as an anonymised account ("former participant"): e-mail replaced by a
unique address under the reserved `.invalid` domain, names wiped, password unusable, inactive.
Rows that must stay countable (supports, likes, poll answers) stay linked to that row, because the
"one per person" constraints have to keep holding: two erased people who supported the same
proposal are still two supports, which one shared placeholder account could not express. The
anonymised row carries nothing that identifies the person.

Actions:
    KEEP    the row stays, linked to the anonymised account
    UNLINK  the field is set to NULL (only for nullable fields)
    DELETE  the rows are deleted
    other   the name of a handler in `erasure.HANDLERS` (content wiped the way its app does it)

`keep` applies when the person keeps their contributions, `remove` when they remove them.
"""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings

from meydan.accounts.models import ERASED_EMAIL_DOMAIN  # noqa: F401 - re-exported for the privacy modules

KEEP = "keep"
UNLINK = "unlink"
DELETE = "delete"


@dataclass(frozen=True)
class Rule:
    export: tuple  # field names written to the export; FKs as their id; empty: nothing exported
    keep: str
    remove: str
    reason: str  # for developers and reviewers: why this model is treated this way


def rule(export, keep, reason, remove=None):
    return Rule(tuple(export), keep, remove or keep, reason)


# The person's own contributions: kept as "former participant" or removed at their choice.
CONTRIBUTION = "contribution"
# Rows written in an official role (answers, decisions, moderation): the public record of an
# institution. Kept, linked to the anonymised account, in both modes.
STAFF_RECORD = "staff record: the institution's record of who decided stays, without personal data"
TOTALS = "counted in public totals; 'one per person' constraints must keep holding"
PRIVATE_STATE = "private working state of the person, useless to anyone else"

POLICY = {
    # --- core -------------------------------------------------------------------------------------
    "accounts.Organisation.applied_by": rule(
        ("id", "name", "kind", "status", "created_at"),
        UNLINK,
        "the organisation belongs to its members, not to the applicant",
    ),
    "accounts.Organisation.decided_by": rule(("id", "name", "status", "decided_at"), KEEP, STAFF_RECORD),
    "accounts.Membership.user": rule(
        ("organisation", "role", "created_at"), DELETE, "an erased account holds no role anywhere"
    ),
    "notifications.Notification.user": rule(
        ("title", "body", "url", "created_at", "read_at"), DELETE, "messages to the person only"
    ),
    # --- proposals --------------------------------------------------------------------------------
    "proposals.Proposal.author": rule(
        (
            "id",
            "space",
            "title",
            "body",
            "district",
            "image",
            "state",
            "support_count",
            "created_at",
            "answer",
            "answered_at",
        ),
        KEEP,
        "others' supports and the municipality's answer and timeline refer to the proposal, so it is "
        "never deleted; removing wipes its text and image instead",
        remove="wipe_proposal",
    ),
    "proposals.Proposal.answered_by": rule(("id", "answer", "answered_at"), KEEP, STAFF_RECORD),
    "proposals.ProposalEvent.actor": rule(
        ("proposal", "kind", "from_state", "to_state", "note", "created_at"), KEEP, "the public timeline"
    ),
    "proposals.Support.user": rule(("proposal", "created_at"), KEEP, TOTALS),
    # --- comments ---------------------------------------------------------------------------------
    "comments.Comment.author": rule(
        (
            "id",
            "content_type",
            "object_id",
            "parent",
            "organisation",
            "alignment",
            "text",
            "created_at",
            "edited_at",
            "is_deleted",
            "hidden",
            "hidden_reason",
            "like_count",
        ),
        KEEP,
        "replies hang off the comment; removing deletes it the comments app's way (text wiped, row "
        "kept so the thread stays whole)",
        remove="wipe_comment",
    ),
    "comments.Comment.hidden_by": rule(("id", "hidden_reason", "hidden_at"), KEEP, STAFF_RECORD),
    "comments.CommentLike.user": rule(("comment", "created_at"), KEEP, TOTALS),
    # --- live -------------------------------------------------------------------------------------
    "live.Participant.user": rule(
        ("session", "last_comment_at", "banned", "ban_reason"), KEEP, "a ban is a moderation record"
    ),
    "live.LiveComment.author": rule(
        ("id", "session", "agenda_item", "parent", "text", "stream_offset", "pinned", "hidden", "created_at"),
        KEEP,
        "others' replies hang off it (deleting would delete them); removing wipes the text and hides it",
        remove="wipe_live_comment",
    ),
    "live.LiveComment.hidden_by": rule(("id", "hidden_reason", "hidden_at"), KEEP, STAFF_RECORD),
    "live.Poll.opened_by": rule(("id", "question", "opened_at"), KEEP, STAFF_RECORD),
    "live.PollAnswer.user": rule(("poll", "option", "created_at"), KEEP, TOTALS),
    # --- consultations ----------------------------------------------------------------------------
    "consultations.Question.author": rule(
        ("id", "page", "organisation", "text", "created_at", "answer", "answered_at", "hidden"),
        UNLINK,
        "the public Q&A keeps the question as 'a former participant'; removing wipes its text (the "
        "municipality's answer stays on the record)",
        remove="wipe_question",
    ),
    "consultations.Question.answered_by": rule(("id", "answer", "answered_at"), KEEP, STAFF_RECORD),
    "consultations.PositionPaper.submitted_by": rule(
        ("id", "page", "organisation", "title", "summary", "submitted_at"),
        UNLINK,
        "the paper is the organisation's position, not the person's",
    ),
    "consultations.Theme.created_by": rule(("id", "page", "title"), UNLINK, STAFF_RECORD),
    "consultations.Outcome.decided_by": rule(("id", "page", "decision", "reason", "decided_at"), KEEP, STAFF_RECORD),
    "consultations.Application.applicant": rule(
        ("id", "page", "organisation", "statement", "represents", "status", "reason", "created_at", "decided_at"),
        KEEP,
        "the dialogue's list of participants; removing deletes the application (nothing else refers to it)",
        remove=DELETE,
    ),
    "consultations.Application.decided_by": rule(("id", "status", "decided_at"), KEEP, STAFF_RECORD),
    "consultations.SelfAssessment.submitted_by": rule(
        ("id", "organisation", "municipality", "year", "cooperation", "comment", "updated_at"),
        UNLINK,
        "the assessment is the organisation's",
    ),
    # --- questionnaires ---------------------------------------------------------------------------
    "questionnaires.Response.respondent": rule(
        ("id", "content_type", "object_id", "subject", "organisation", "answers", "created_at", "updated_at"),
        UNLINK,
        TOTALS + " (the per-person constraint only applies while linked, so NULL is safe)",
    ),
    # --- desk -------------------------------------------------------------------------------------
    "desk.Request.requester": rule(
        (
            "id",
            "tracking_code",
            "kind",
            "municipality",
            "topic",
            "contact_email",
            "language",
            "text",
            "district",
            "photo",
            "status",
            "publish_consent",
            "created_at",
            "due_at",
            "answered_at",
            "closed_at",
        ),
        "unlink_request",
        "the municipality's record and statistics stay; the person is unlinked and no longer reachable. "
        "Removing also wipes text, photo and attachments, as the retention purge does",
        remove="purge_request",
    ),
    "desk.Request.assignee": rule(("id", "tracking_code", "status"), KEEP, STAFF_RECORD),
    "desk.TimelineEntry.actor": rule(("request", "kind", "to_status", "public_text", "created_at"), KEEP, STAFF_RECORD),
    # --- moderation -------------------------------------------------------------------------------
    # The moderation log is append-only and public without names: it stays linked to the anonymised
    # account, so an appeal or a suspension keeps its history.
    "moderation.ModerationAction.author": rule(
        ("id", "action", "rule", "reason", "outcome", "created_at"), KEEP, "append-only moderation log; shows no names"
    ),
    "moderation.ModerationAction.moderator": rule(
        ("id", "action", "rule", "reason", "outcome", "created_at"), KEEP, STAFF_RECORD
    ),
    "moderation.Flag.user": rule(
        ("content_type", "object_id", "reason", "text", "status", "created_at", "resolved_at"),
        KEEP,
        "moderators still need the report; removing wipes its free text and keeps the reason",
        remove="wipe_flag_text",
    ),
    "moderation.Appeal.user": rule(
        ("id", "action", "text", "status", "created_at", "decided_at", "decision_reason"),
        KEEP,
        "part of the moderation record (one appeal per decision)",
    ),
    "moderation.Appeal.decided_by": rule(("id", "status", "decided_at", "decision_reason"), KEEP, STAFF_RECORD),
    "moderation.Suspension.user": rule(
        ("id", "until", "reason", "lifted_at"),
        KEEP,
        "part of the moderation record; the anonymised account cannot log in anyway",
    ),
    # --- crisis mode (audited staff toggles) ------------------------------------------------------
    "crisis.CrisisState.started_by": rule(("id", "started_at"), KEEP, STAFF_RECORD),
    "crisis.CrisisState.ended_by": rule(("id", "ended_at"), KEEP, STAFF_RECORD),
    "crisis.CrisisPeriod.started_by": rule(("id", "started_at"), KEEP, STAFF_RECORD),
    "crisis.CrisisPeriod.ended_by": rule(("id", "ended_at"), KEEP, STAFF_RECORD),
    # --- Wagtail ----------------------------------------------------------------------------------
    "wagtailcore.Page.owner": rule(("id", "title", "first_published_at"), KEEP, STAFF_RECORD),
    "wagtailcore.Page.locked_by": rule(("id", "title", "locked_at"), "unlock_page", "a lock nobody can release"),
    "wagtailcore.Revision.user": rule(
        ("id", "content_type", "object_id", "created_at"), KEEP, STAFF_RECORD + " (page history)"
    ),
    "wagtailcore.PageLogEntry.user": rule(
        ("action", "page", "timestamp"), KEEP, STAFF_RECORD + " (audit log, append-only)"
    ),
    "wagtailcore.ModelLogEntry.user": rule(
        ("action", "content_type", "object_id", "timestamp"), KEEP, STAFF_RECORD + " (audit log, append-only)"
    ),
    "wagtailcore.UploadedFile.uploaded_by_user": rule(("id",), DELETE, PRIVATE_STATE),
    "wagtailcore.WorkflowState.requested_by": rule(
        ("id", "content_type", "object_id", "status", "created_at"), KEEP, STAFF_RECORD
    ),
    "wagtailcore.TaskState.finished_by": rule(("id", "status", "finished_at"), KEEP, STAFF_RECORD),
    "wagtailcore.Comment.user": rule(
        ("id", "page", "text", "created_at"), KEEP, "editors' comments on drafts: staff work"
    ),
    "wagtailcore.Comment.resolved_by": rule(("id", "resolved_at"), KEEP, STAFF_RECORD),
    "wagtailcore.CommentReply.user": rule(("id", "comment", "text", "created_at"), KEEP, "editors' work"),
    "wagtailcore.PageSubscription.user": rule(("page", "comment_notifications"), DELETE, PRIVATE_STATE),
    "wagtailcore.APIToken.user": rule(("id", "name", "created"), DELETE, "credentials of the account"),
    "wagtailadmin.EditingSession.user": rule(("id", "last_seen_at"), DELETE, PRIVATE_STATE),
    "wagtailadmin.FormState.user": rule(("id",), DELETE, PRIVATE_STATE),
    "wagtailusers.UserProfile.user": rule(
        ("preferred_language", "current_time_zone", "theme", "density", "contrast"),
        "delete_user_profile",
        "admin preferences and the avatar picture",
    ),
    "wagtaildocs.Document.uploaded_by_user": rule(("id", "title", "created_at"), UNLINK, "documents are the site's"),
    "wagtailimages.Image.uploaded_by_user": rule(("id", "title", "created_at"), UNLINK, "images are the site's"),
}

# Personal data that no foreign key points to; erasure.py and export.py handle each by name.
#   desk.Satisfaction.respondent_key  "user:<id>" (kept: it names the anonymised row, not a person)
#   axes access logs                   the e-mail address as user name (deleted)
#   sessions                           ended
#   live.Event.payload                 author names and texts replayed to browsers (rewritten)
#   Wagtail log entries' labels        the person's name as the label of their own objects (rewritten)


def key_of(model, field):
    meta = field.model._meta
    return f"{meta.app_label}.{meta.object_name}.{field.name}"


def user_relations():
    """Every relation to the user model in the installed apps: {key: (model, field)}.

    Fields inherited from a concrete parent (Wagtail's Page) are listed once, under the parent.
    Automatically created many-to-many tables are covered by their many-to-many field; the user
    model's own groups and permissions are cleared with the account.
    """
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = {}
    for model in apps.get_models():
        for field in model._meta.get_fields(include_hidden=True):
            if not field.is_relation or field.auto_created or field.related_model is not user_model:
                continue
            if not (field.many_to_one or field.one_to_one or field.many_to_many):
                continue
            found.setdefault(key_of(model, field), (field.model, field))
    return found


def installed_policy():
    """(key, model, field, rule) for every policy entry whose model is installed, in table order."""
    relations = user_relations()
    return [(key, *relations[key], POLICY[key]) for key in POLICY if key in relations]
