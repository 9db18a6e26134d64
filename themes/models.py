from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField

from .colours import validate_colour_on_white


class FooterLinkBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("label"), max_length=80)
    page = blocks.PageChooserBlock(label=_("page"), required=False)
    url = blocks.URLBlock(label=_("or address"), required=False)

    class Meta:
        icon = "link"
        label = _("Footer link")

    def clean(self, value):
        value = super().clean(value)
        if not value.get("page") and not value.get("url"):
            raise blocks.StructBlockValidationError(
                block_errors={"url": ValidationError(_("Choose a page or enter an address."))}
            )
        return value


@register_setting(icon="image")
class ThemeSettings(BaseSiteSetting):
    site_name = models.CharField(_("site name"), max_length=80, default="Meydan")
    logo = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("logo"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#1d4e89", validators=[validate_colour_on_white],
        help_text=_("Used for links and buttons; must reach 4.5:1 contrast on white."),
    )
    accent_colour = models.CharField(
        _("accent colour"), max_length=7, default="#8a3b12", validators=[validate_colour_on_white],
        help_text=_("Used for highlights; must reach 4.5:1 contrast on white."),
    )
    footer_links = StreamField([("link", FooterLinkBlock())], verbose_name=_("footer links"), blank=True)
    contact_address = models.TextField(_("contact address"), blank=True, max_length=500)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)

    panels = [
        MultiFieldPanel([FieldPanel("site_name"), FieldPanel("logo")], heading=_("Identity")),
        MultiFieldPanel([FieldPanel("primary_colour"), FieldPanel("accent_colour")], heading=_("Colours")),
        FieldPanel("footer_links"),
        MultiFieldPanel([FieldPanel("contact_address"), FieldPanel("contact_email")], heading=_("Contact")),
    ]

    class Meta:
        verbose_name = _("theme")
