from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An entry in a person's on-site notification list (an e-mail is sent alongside)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, max_length=4000)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return self.title


class HeldEmail(models.Model):
    """The e-mail of a notification, held back while something (crisis mode) stops a site's mail; sent
    in the order held when it is released. The address is read at release time, so a changed or erased
    address is respected."""

    notification = models.OneToOneField(Notification, on_delete=models.CASCADE, related_name="held_email")
    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+")
    link_base = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("held e-mail")
        verbose_name_plural = _("held e-mails")

    def __str__(self):
        return str(self.notification)


class QueuedEmail(models.Model):
    """The e-mail of a notification sent to many people at once (a published report, say): sent by
    `manage.py send_queued_email`, run every minute, instead of inside the request that caused it, where
    thousands of SMTP deliveries would outlast any web timeout. Sent oldest first; the address is read
    at sending time."""

    notification = models.OneToOneField(Notification, on_delete=models.CASCADE, related_name="queued_email")
    site = models.ForeignKey("wagtailcore.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    link_base = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("queued e-mail")
        verbose_name_plural = _("queued e-mails")

    def __str__(self):
        return str(self.notification)
