"""Only the known eligibility rules can be stored. Apart from 0002 so that on PostgreSQL the
constraints are added in a transaction of their own, after the data was renamed."""

from django.db import migrations, models

RULES = ["anyone", "confirmed", "verified"]


class Migration(migrations.Migration):

    dependencies = [
        ("proposals", "0002_eligibility"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="proposalspacepage",
            constraint=models.CheckConstraint(
                condition=models.Q(("who_may_propose__in", RULES)), name="proposals_space_who_may_propose_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="proposalspacepage",
            constraint=models.CheckConstraint(
                condition=models.Q(("who_may_support__in", RULES)), name="proposals_space_who_may_support_valid"
            ),
        ),
    ]
