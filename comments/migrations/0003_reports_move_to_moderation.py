"""Reports about comments move to moderation.Flag, which holds reports about every kind of content."""

from django.db import migrations

FIELDS = ("user_id", "reason", "text", "status", "created_at", "resolved_at")


def copy_reports(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    CommentFlag = apps.get_model("comments", "CommentFlag")
    Flag = apps.get_model("moderation", "Flag")
    if not CommentFlag.objects.exists():
        return
    content_type, _created = ContentType.objects.get_or_create(app_label="comments", model="comment")
    rows = CommentFlag.objects.values("comment_id", *FIELDS).iterator(chunk_size=2000)
    Flag.objects.bulk_create(
        (Flag(content_type_id=content_type.pk, object_id=row.pop("comment_id"), **row) for row in rows),
        batch_size=2000,
    )


def copy_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    CommentFlag = apps.get_model("comments", "CommentFlag")
    Flag = apps.get_model("moderation", "Flag")
    content_type = ContentType.objects.filter(app_label="comments", model="comment").first()
    if content_type is None:
        return
    rows = Flag.objects.filter(content_type=content_type).values("object_id", *FIELDS)
    CommentFlag.objects.bulk_create(
        (CommentFlag(comment_id=row.pop("object_id"), **row) for row in rows.iterator(chunk_size=2000)),
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0002_comment_organisation"),
        ("moderation", "0002_flag"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_reports, copy_back),
        migrations.DeleteModel(name="CommentFlag"),
    ]
