"""Who edits participation pages and who approves them, per municipality.

Editors may draft pages under the municipality's participation index but not publish them; publishing
goes through a Wagtail workflow whose only task is the communications office's approval. Open and
close dates are fields read at request time, and `go_live_at` (Wagtail's scheduled publishing) can
delay publication after approval, so nothing here depends on a cron job.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.models import GroupApprovalTask, GroupPagePermission, Workflow, WorkflowPage, WorkflowTask

EDITOR_PERMISSIONS = ("add_page", "change_page")
APPROVER_PERMISSIONS = ("add_page", "change_page", "publish_page")


@dataclass(frozen=True)
class ParticipationGroups:
    editors: Group
    approvers: Group
    workflow: Workflow


def _group(name, index, codenames):
    group, _created = Group.objects.get_or_create(name=name[:150])
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    for codename in codenames:
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=index,
            permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
        )
    return group


@transaction.atomic
def ensure_participation_workflow(index):
    """The editors' and communications office's groups of `index`'s municipality and the approval
    workflow on `index`; idempotent, so it can run on every save of the index."""
    # Names are looked up again on every save: build them in the site's language, not the editor's,
    # or an editor working in Finnish would get a second, empty set of groups.
    with translation.override(settings.LANGUAGE_CODE):
        return _ensure(index)


def _ensure(index):
    name = index.municipality.name
    editors = _group(_("Participation editors – %(name)s") % {"name": name}, index, EDITOR_PERMISSIONS)
    approvers = _group(_("Communications office – %(name)s") % {"name": name}, index, APPROVER_PERMISSIONS)
    task, _created = GroupApprovalTask.objects.get_or_create(
        name=(_("Communications office approval – %(name)s") % {"name": name})[:255]
    )
    task.groups.add(approvers)
    workflow, created = Workflow.objects.get_or_create(
        name=(_("Participation approval – %(name)s") % {"name": name})[:255]
    )
    if created:
        # Workflow is a ClusterableModel: its related manager would only stage the row in memory.
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
    return ParticipationGroups(editors=editors, approvers=approvers, workflow=workflow)
