"""Reactions to Wagtail's page life cycle."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from meydan.pagecache import pages_changed

from .models import ConsultationPage, Paragraph, ParticipationIndexPage


@receiver(post_save, sender=ParticipationIndexPage)
def give_index_its_workflow(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from .workflow import ensure_participation_workflow

    # After commit: the page's tree position (and so its permissions) must exist first.
    transaction.on_commit(lambda: ensure_participation_workflow(ParticipationIndexPage.objects.get(pk=instance.pk)))


@receiver(page_published)
def sync_consultation_paragraphs(sender, instance, **kwargs):
    """Publishing a consultation turns its draft into the numbered paragraphs people comment on."""
    if not isinstance(instance, ConsultationPage):
        return
    from .services.consultation import sync_paragraphs

    sync_paragraphs(instance)


@receiver(post_save, sender="comments.Comment")
def paragraph_comment_changed(sender, instance, raw=False, **kwargs):
    # The consultation page shows each paragraph's comment count to anonymous visitors from the page cache.
    if raw:
        return
    from django.contrib.contenttypes.models import ContentType

    if instance.content_type_id == ContentType.objects.get_for_model(Paragraph).pk:
        transaction.on_commit(pages_changed)
