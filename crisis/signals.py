"""Keep the whole site under the crisis workflow while it lasts: an assignment made during a crisis
(e.g. the consultations app re-attaches its approval workflow whenever a participation index is saved)
is set aside with the others and restored when the crisis ends."""

from django.db.models.signals import post_save

from .models import CrisisPeriod, CrisisState, SwappedWorkflow


def _set_aside_during_crisis(sender, instance, raw=False, **kwargs):
    if raw:
        return
    for state in CrisisState.objects.filter(active=True).select_related("site__root_page"):
        if instance.workflow_id == state.workflow_id:
            continue
        if instance.page.path.startswith(state.site.root_page.path):
            period = CrisisPeriod.objects.get(site_id=state.site_id, ended_at__isnull=True)
            SwappedWorkflow.objects.update_or_create(
                period=period, page_id=instance.page_id, defaults={"workflow_id": instance.workflow_id}
            )
            sender.objects.filter(pk=instance.pk).delete()
            return


def connect():
    from wagtail.models import WorkflowPage

    post_save.connect(_set_aside_during_crisis, sender=WorkflowPage, dispatch_uid="crisis_set_aside_workflow")
