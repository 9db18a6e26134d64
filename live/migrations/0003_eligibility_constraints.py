"""Only the known eligibility rules can be stored. Apart from 0002 so that on PostgreSQL the
constraints are added in a transaction of their own, after the data was renamed."""

from django.db import migrations, models

RULES = ["anyone", "confirmed", "verified"]


class Migration(migrations.Migration):

    dependencies = [
        ("live", "0002_eligibility"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="councilsessionpage",
            constraint=models.CheckConstraint(
                condition=models.Q(("commenters__in", RULES)), name="live_session_commenters_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="councilsessionpage",
            constraint=models.CheckConstraint(condition=models.Q(("voters__in", RULES)), name="live_session_voters_valid"),
        ),
    ]
