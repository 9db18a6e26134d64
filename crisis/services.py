"""Use cases of crisis mode (a ministry circular: in a crisis, stop scheduled posts and coordinate all
communication centrally). Switching on, for one Wagtail site:

- takes the site's scheduled page revisions off Wagtail's schedule, remembering their times;
- holds the site's notification e-mails (the notifications service asks `is_active`);
- sets aside the site's own workflow assignments and puts the whole site under a crisis workflow whose
  only task is the approval of the central "Crisis communications" group; pages already waiting in
  another workflow are moved to it; only central users keep the right to publish (see policy.py);
- shows an official banner on every page.

Switching off undoes all of it in order: workflows restored, revisions whose time has passed published
in their original order and the others put back on schedule, held e-mails sent in the order held.
Every toggle and every paused or resumed item is written to the audit log.
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Page,
    Revision,
    Workflow,
    WorkflowPage,
    WorkflowState,
    WorkflowTask,
)

from meydan import audit
from meydan.notifications.services import held_email_count, release_held_emails
from meydan.pagecache import pages_changed

from .models import MESSAGE_MAX_LENGTH, REASON_MAX_LENGTH, CrisisPeriod, CrisisState, PausedRevision, SwappedWorkflow
from .rules import is_central, is_communications_admin

BANNER_CACHE_SECONDS = 60
CENTRAL_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


class CrisisRefused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# Reading ---------------------------------------------------------------------------------------------


def state_for(site):
    state, _created = CrisisState.objects.get_or_create(site=site)
    return state


def is_active(site):
    """Whether `site` is in crisis mode now (one indexed query; services call it before acting)."""
    if site is None:
        return False
    return CrisisState.objects.filter(site=site, active=True).exists()


def _banner_key(site_id):
    return f"crisis:banner:{site_id}"


def banner(site):
    """What the banner shows on every page of `site` (or None), cached briefly: it is read on every
    page, and each toggle clears it."""
    if site is None:
        return None
    key = _banner_key(site.pk)
    value = cache.get(key)
    if value is None:
        state = CrisisState.objects.filter(site=site, active=True).values("message", "started_at").first()
        value = state or {}
        cache.set(key, value, BANNER_CACHE_SECONDS)
    return value or None


def require_answer_allowed(user, site):
    """Official answers go through the communications office while `site` is in crisis mode. Answer
    services call this before publishing an answer."""
    state = CrisisState.objects.filter(site=site, active=True).first() if site is not None else None
    if state is not None and not is_central(user, state):
        raise CrisisRefused(
            "crisis", _("During crisis mode official answers are published by the communications office.")
        )


def answer_refusal(user, page):
    """The translated reason `user` may not publish an official answer on `page`'s site now, or None.
    For services with their own refusal type: ``if (why := answer_refusal(user, page)): raise Mine(why)``."""
    try:
        require_answer_allowed(user, page.get_site())
    except CrisisRefused as refused:
        return refused.message
    return None


def answer_refusal_for_municipality(user, municipality):
    """Like `answer_refusal`, for work that belongs to a municipality rather than a page (requests)."""
    states = CrisisState.objects.filter(municipality=municipality, active=True)
    if any(not is_central(user, state) for state in states):
        return _("During crisis mode official answers are published by the communications office.")
    return None


# Checks ------------------------------------------------------------------------------------------------


def _clean(text, *, limit, empty_message):
    if not isinstance(text, str):
        raise CrisisRefused("invalid", empty_message)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise CrisisRefused("invalid", empty_message)
    if "\x00" in text:
        raise CrisisRefused("invalid", _("The text contains characters that cannot be stored."))
    if len(text) > limit:
        raise CrisisRefused(
            "invalid",
            _("Keep it under %(limit)s characters (it has %(length)s).") % {"limit": limit, "length": len(text)},
        )
    return text


def _locked_state(site, user):
    state_for(site)
    state = CrisisState.objects.select_for_update().select_related("site__root_page").get(site=site)
    if not is_communications_admin(user, state):
        raise CrisisRefused("forbidden", _("Only the municipality's communications administrators may do this."))
    return state


def _after_toggle(site):
    def refresh():
        cache.delete(_banner_key(site.pk))
        pages_changed()  # cached anonymous pages must show (or drop) the banner at once

    transaction.on_commit(refresh)


# Switching on ------------------------------------------------------------------------------------------


@transaction.atomic
def activate(user, site, *, message, reason):
    message = _clean(message, limit=MESSAGE_MAX_LENGTH, empty_message=_("Write the message the banner shows."))
    reason = _clean(reason, limit=REASON_MAX_LENGTH, empty_message=_("Give the reason for switching crisis mode on."))
    state = _locked_state(site, user)
    if state.active:
        raise CrisisRefused("already_active", _("Crisis mode is already on for this site."))
    now = timezone.now()
    period = CrisisPeriod.objects.create(
        site=site, message=message, start_reason=reason, started_by=user, started_at=now
    )
    _ensure_central_group(state, user)
    paused = _pause_revisions(period, site, user)
    swapped, moved = _swap_workflows(period, state, user)
    state.active = True
    state.message = message
    state.started_by = user
    state.started_at = now
    state.ended_by = None
    state.ended_at = None
    state.save()
    audit.record(
        audit.CRISIS_ON,
        actor=user,
        target=period,
        data={
            "summary": str(site),
            "site": site.pk,
            "message": message,
            "reason": reason,
            "paused_revisions": paused,
            "swapped_workflows": swapped,
            "moved_workflow_states": moved,
        },
    )
    _after_toggle(site)
    return period


def _ensure_central_group(state, user):
    """The site's central group, its page permissions and the crisis workflow; set up on the first
    crisis and kept for the next. An empty group would leave nobody to approve: the person switching
    crisis mode on joins it."""
    site = state.site
    label = f"{site.site_name or site.hostname} ({site.hostname}:{site.port})"
    if state.group is None:
        state.group, _created = Group.objects.get_or_create(
            name=(_("Crisis communications – %(site)s") % {"site": label})[:150]
        )
    group = state.group
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    for codename in CENTRAL_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=site.root_page,
            permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
        )
    if state.workflow is None:
        task = GroupApprovalTask.objects.create(
            name=(_("Crisis communications approval – %(site)s") % {"site": label})[:255]
        )
        task.groups.add(group)
        state.workflow = Workflow.objects.create(name=(_("Crisis approval – %(site)s") % {"site": label})[:255])
        # Workflow is a ClusterableModel: its related manager would only stage the row in memory.
        WorkflowTask.objects.create(workflow=state.workflow, task=task, sort_order=0)
    elif not state.workflow.active:
        state.workflow.active = True
        state.workflow.save(update_fields=["active"])
    if not group.user_set.exists() and not user.is_superuser:
        group.user_set.add(user)
        audit.record(
            audit.ROLE_CHANGE,
            actor=user,
            target=user,
            data={"summary": group.name, "group": group.pk, "from": "", "to": "member"},
        )
    state.save(update_fields=["group", "workflow"])


def _site_page_ids(site, ids):
    return set(Page.objects.filter(pk__in=ids, path__startswith=site.root_page.path).values_list("pk", flat=True))


def _page_content_type():
    return ContentType.objects.get_for_model(Page)


def _pause_revisions(period, site, user):
    scheduled = list(
        Revision.objects.filter(base_content_type=_page_content_type(), approved_go_live_at__isnull=False).order_by(
            "approved_go_live_at", "pk"
        )
    )
    in_site = _site_page_ids(site, [int(revision.object_id) for revision in scheduled])
    paused = [revision for revision in scheduled if int(revision.object_id) in in_site]
    PausedRevision.objects.bulk_create(
        PausedRevision(period=period, revision=revision, go_live_at=revision.approved_go_live_at) for revision in paused
    )
    Revision.objects.filter(pk__in=[revision.pk for revision in paused]).update(approved_go_live_at=None)
    pages = Page.objects.in_bulk([int(revision.object_id) for revision in paused])
    for revision in paused:
        audit.record(
            audit.CRISIS_PAUSED,
            actor=user,
            target=pages[int(revision.object_id)],
            data={
                "summary": _("scheduled publication of %(time)s") % {"time": revision.approved_go_live_at.isoformat()},
                "kind": "scheduled_revision",
                "revision": revision.pk,
                "go_live_at": revision.approved_go_live_at,
                "period": period.pk,
            },
        )
    return len(paused)


def _swap_workflows(period, state, user):
    """Every page of the site falls under the crisis workflow: Wagtail uses the nearest assignment up
    the tree, so the site's own assignments are set aside and the crisis workflow goes on the root."""
    site, crisis_workflow = state.site, state.workflow
    own = list(
        WorkflowPage.objects.filter(page__path__startswith=site.root_page.path).exclude(workflow=crisis_workflow)
    )
    SwappedWorkflow.objects.bulk_create(
        SwappedWorkflow(period=period, page_id=assignment.page_id, workflow_id=assignment.workflow_id)
        for assignment in own
    )
    WorkflowPage.objects.filter(pk__in=[assignment.pk for assignment in own]).delete()
    WorkflowPage.objects.update_or_create(page=site.root_page, defaults={"workflow": crisis_workflow})
    return len(own), _move_waiting_pages(period, state, user)


def _move_waiting_pages(period, state, user):
    """Pages already waiting for another approval would be published by it without the centre:
    their workflows are cancelled and the pages submitted to the crisis workflow on behalf of the
    same editors."""
    waiting = list(
        WorkflowState.objects.active()
        .filter(base_content_type=_page_content_type())
        .exclude(workflow=state.workflow)
        .select_related("requested_by")
    )
    in_site = _site_page_ids(state.site, [int(workflow_state.object_id) for workflow_state in waiting])
    moved = 0
    for workflow_state in waiting:
        page_id = int(workflow_state.object_id)
        if page_id not in in_site:
            continue
        workflow_state.cancel(user=user)
        page = Page.objects.get(pk=page_id).specific
        state.workflow.start(page, workflow_state.requested_by)
        audit.record(
            audit.CRISIS_PAUSED,
            actor=user,
            target=page,
            data={
                "summary": _("moved to the crisis workflow"),
                "kind": "workflow_state",
                "workflow": workflow_state.workflow_id,
                "period": period.pk,
            },
        )
        moved += 1
    return moved


# Switching off -----------------------------------------------------------------------------------------


@transaction.atomic
def deactivate(user, site, *, reason):
    reason = _clean(reason, limit=REASON_MAX_LENGTH, empty_message=_("Give the reason for switching crisis mode off."))
    state = _locked_state(site, user)
    if not state.active:
        raise CrisisRefused("not_active", _("Crisis mode is not on for this site."))
    period = CrisisPeriod.objects.select_for_update().get(site=site, ended_at__isnull=True)
    now = timezone.now()
    # Inactive first: the guard in signals.py must not take the restored assignments away again.
    state.active = False
    state.ended_by = user
    state.ended_at = now
    state.save(update_fields=["active", "ended_by", "ended_at"])
    period.end_reason = reason
    period.ended_by = user
    period.ended_at = now
    period.save(update_fields=["end_reason", "ended_by", "ended_at"])
    restored = _restore_workflows(period, state)
    resumed = _resume_revisions(period, user)
    emails = release_held_emails(site)
    audit.record(
        audit.CRISIS_OFF,
        actor=user,
        target=period,
        data={
            "summary": str(site),
            "site": site.pk,
            "reason": reason,
            "restored_workflows": restored,
            "resumed_revisions": resumed,
            "released_emails": emails,
        },
    )
    if emails:
        audit.record(
            audit.CRISIS_RESUMED,
            actor=user,
            target=period,
            data={
                "summary": _("%(count)s held e-mails sent") % {"count": emails},
                "kind": "held_emails",
                "count": emails,
            },
        )
    _after_toggle(site)
    return period


def _restore_workflows(period, state):
    root = state.site.root_page
    WorkflowPage.objects.filter(page__path__startswith=root.path, workflow=state.workflow).delete()
    restored = 0
    for swapped in period.swapped_workflows.select_related("page"):
        if swapped.page.path.startswith(root.path):  # a page moved out of the site keeps what it has now
            WorkflowPage.objects.update_or_create(
                page_id=swapped.page_id, defaults={"workflow_id": swapped.workflow_id}
            )
            restored += 1
    return restored


def _resume_revisions(period, user):
    """In their original order: past times are published now, future ones go back on schedule. A page
    published or rescheduled during the crisis has superseded its paused revision (as in Wagtail, where
    publishing clears a page's schedule)."""
    now = timezone.now()
    page_type = _page_content_type()
    resumed = 0
    for paused in period.paused_revisions.select_related("revision").order_by("go_live_at", "pk"):
        revision = paused.revision
        page = Page.objects.filter(pk=int(revision.object_id)).first()
        if page is None:
            continue
        rescheduled_since = Revision.objects.filter(
            base_content_type=page_type, object_id=revision.object_id, approved_go_live_at__isnull=False
        ).exists()
        if rescheduled_since or (page.last_published_at and page.last_published_at > period.started_at):
            outcome = "superseded"
        elif paused.go_live_at <= now:
            revision.publish(log_action="wagtail.publish.scheduled", skip_permission_checks=True)
            outcome = "published"
        else:
            Revision.objects.filter(pk=revision.pk).update(approved_go_live_at=paused.go_live_at)
            outcome = "rescheduled"
        paused.outcome = outcome
        paused.resumed_at = now
        paused.save(update_fields=["outcome", "resumed_at"])
        audit.record(
            audit.CRISIS_RESUMED,
            actor=user,
            target=page,
            data={
                "summary": outcome,
                "kind": "scheduled_revision",
                "revision": revision.pk,
                "go_live_at": paused.go_live_at,
                "outcome": outcome,
                "period": period.pk,
            },
        )
        resumed += 1
    return resumed


def pending_summary(site):
    """What switching off would resume, for the confirmation page."""
    period = CrisisPeriod.objects.filter(site=site, ended_at__isnull=True).first()
    if period is None:
        return None
    return {
        "revisions": period.paused_revisions.count(),
        "workflows": period.swapped_workflows.count(),
        "emails": held_email_count(site),
    }
