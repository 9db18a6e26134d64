"""Data export: a zip with, for every relation in `policy.POLICY` that holds the person's rows, a JSON
and a CSV file of the fields the policy names, the files they uploaded, and a README.

Only the policy's fields are written, and foreign keys only as ids, so nothing of another person
(who liked a comment, who answered a proposal) ends up in someone's export.
"""

import csv
import io
import json
import tempfile
import zipfile
from pathlib import PurePosixPath

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from meydan.csvexport import safe_cell

from .policy import installed_policy
from .services import PrivacyRefused, confirm_password

EXPORT_INTERVAL = 10 * 60  # one export per person per ten minutes
PROFILE_FIELDS = (
    "email",
    "display_name",
    "first_name",
    "last_name",
    "preferred_language",
    "date_joined",
    "last_login",
    "email_confirmed_at",
    "is_verified",
    "verified_at",
)


def _columns(model, names):
    fields = [model._meta.get_field(name) for name in names]
    return fields, [field.attname for field in fields]


def _write_table(archive, stem, columns, rows):
    archive.writestr(f"{stem}.json", json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
    text = io.StringIO()
    text.write("\ufeff")  # spreadsheet programs need the BOM to read UTF-8
    writer = csv.writer(text)
    writer.writerow(columns)
    for row in rows:
        cells = [row[column] for column in columns]
        writer.writerow(
            [
                safe_cell(json.dumps(cell, cls=DjangoJSONEncoder) if isinstance(cell, (dict, list)) else cell)
                for cell in cells
            ]
        )
    archive.writestr(f"{stem}.csv", text.getvalue())


def _write_files(archive, stem, fields, rows):
    """Uploaded files (a proposal's image, a request's photo) go in files/<stem>/."""
    for field in fields:
        if not isinstance(field, models.FileField):
            continue
        for row in rows:
            name = row[field.attname]
            if name and field.storage.exists(name):
                with field.storage.open(name, "rb") as source:
                    archive.writestr(f"files/{stem}/{row.get('id', '')}-{PurePosixPath(name).name}", source.read())


def _json_ready(rows):
    return [
        {key: (str(value) if isinstance(value, models.Model) else value) for key, value in row.items()} for row in rows
    ]


def _profile(user):
    fields, columns = _columns(get_user_model(), PROFILE_FIELDS)
    row = {field.attname: field.value_from_object(user) for field in fields}
    return columns, [row]


def _satisfaction_rows(user):
    """Ratings are linked by a key ("user:<id>"), or through one's own requests, not by a foreign key."""
    try:
        Satisfaction, Request = apps.get_model("desk", "Satisfaction"), apps.get_model("desk", "Request")
    except LookupError:
        return None
    request_type = ContentType.objects.get_for_model(Request)
    own_requests = Request.objects.filter(requester=user).values("pk")
    columns = ["content_type_id", "object_id", "rating", "comment", "created_at"]
    rows = (
        Satisfaction.objects.filter(
            models.Q(respondent_key=f"user:{user.pk}")
            | models.Q(content_type=request_type, object_id__in=own_requests, respondent_key="")
        )
        .order_by("pk")
        .values(*columns)
    )
    return columns, list(rows)


def build_archive(user):
    """Write the export to a temporary file; return it open at the start."""
    # Returned open: the response streams it and closes it.
    target = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115
    entries = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        columns, rows = _profile(user)
        _write_table(archive, "accounts.User", columns, rows)
        entries.append(("accounts.User", _("Your account"), 1))
        for key, model, field, rule in installed_policy():
            if not rule.export:
                continue
            fields, columns = _columns(model, rule.export)
            queryset = model._base_manager.filter(**{field.name: user}).order_by("pk").values(*columns)
            rows = _json_ready(queryset)
            if not rows:
                continue
            _write_table(archive, key, columns, rows)
            _write_files(archive, key, fields, rows)
            description = f"{capfirst(model._meta.verbose_name_plural)} ({field.verbose_name})"
            entries.append((key, description, len(rows)))
        ratings = _satisfaction_rows(user)
        if ratings and ratings[1]:
            _write_table(archive, "desk.Satisfaction", *ratings)
            entries.append(("desk.Satisfaction", _("Your satisfaction ratings"), len(ratings[1])))
        readme = render_to_string(
            "privacy/export_readme.txt",
            {"user": user, "entries": entries, "generated_at": timezone.now(), "site_name": settings.WAGTAIL_SITE_NAME},
        )
        archive.writestr("README.txt", readme)
    target.seek(0)
    return target


def _export_key(user):
    return f"privacy:export:{user.pk}"


def export_data(user, *, password):
    """The person downloads their own data: (open file, file name). At most once per ten minutes."""
    confirm_password(user, password)
    if not cache.add(_export_key(user), 1, EXPORT_INTERVAL):
        raise PrivacyRefused("rate_limited", _("You can download your data once every ten minutes. Try again later."))
    try:
        with translation.override(user.preferred_language or translation.get_language()):
            archive = build_archive(user)
    except Exception:
        cache.delete(_export_key(user))
        raise
    return archive, f"meydan-data-{timezone.localdate():%Y-%m-%d}.zip"
