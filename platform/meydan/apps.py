from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeydanConfig(AppConfig):
    name = "meydan"
    label = "meydan"
    verbose_name = _("Meydan")
