"""Who may comment and, new, who may vote in a session's polls: the shared eligibility rules of
meydan.accounts.eligibility. The old "logged_in" (a confirmed e-mail address) is now "confirmed", in
the pages and in their revisions, so that publishing a draft or a scheduled revision, or reverting to
an older one, cannot bring the old value back."""

from django.db import migrations, models

CHOICES = [
    ("anyone", "Anyone with an account, even before confirming their e-mail address"),
    ("confirmed", "Anyone with a confirmed e-mail address"),
    ("verified", "Verified residents only"),
]
FIELDS = ("commenters",)


def _rename(apps, renames):
    Session = apps.get_model("live", "CouncilSessionPage")
    for field in FIELDS:
        for old, new in renames.items():
            Session.objects.filter(**{field: old}).update(**{field: new})
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    content_type = ContentType.objects.filter(app_label="live", model="councilsessionpage").first()
    if content_type is None:
        return
    for revision in Revision.objects.filter(content_type=content_type).only("pk", "content").iterator():
        content = revision.content if isinstance(revision.content, dict) else {}
        changed = {field: renames[content[field]] for field in FIELDS if content.get(field) in renames}
        if changed:
            revision.content = {**content, **changed}
            revision.save(update_fields=["content"])


def forwards(apps, schema_editor):
    _rename(apps, {"logged_in": "confirmed"})


def backwards(apps, schema_editor):
    # "anyone" did not exist before: the nearest old rule asks for more, never for less.
    _rename(apps, {"confirmed": "logged_in", "anyone": "logged_in"})


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("live", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.AddField(
            model_name="councilsessionpage",
            name="voters",
            field=models.CharField(
                choices=CHOICES, default="confirmed", max_length=20, verbose_name="who may vote in polls"
            ),
        ),
        migrations.AlterField(
            model_name="councilsessionpage",
            name="commenters",
            field=models.CharField(choices=CHOICES, default="confirmed", max_length=20, verbose_name="who may comment"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
