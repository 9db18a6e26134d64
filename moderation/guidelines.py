"""The published community guidelines: the rules that flags, hidden content and warnings cite.

The keys are stable (they are stored in flags and in the moderation log); the labels and the
explanations are translated. The page at /moderation/guidelines/ shows them as numbered rules, and
every log entry links to the rule it cites (``#rule-<key>``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Rule(models.TextChoices):
    # The labels are also the reasons offered when reporting a comment (comments.models.FlagReason).
    INSULT = "insult", _("Insult or harassment")
    SPAM = "spam", _("Spam or advertising")
    DISINFORMATION = "disinformation", _("Disinformation")
    PERSONAL_DATA = "personal_data", _("Personal data of someone else")
    OFF_TOPIC = "off_topic", _("Off-topic")
    OTHER = "other", _("Something else")


EXPLANATIONS = {
    Rule.INSULT: _(
        "Criticise ideas, not people. Insults, threats, hate speech and harassment of anyone, including "
        "officials and other participants, are removed."
    ),
    Rule.SPAM: _(
        "No advertising, chain messages or the same text posted again and again. Links are welcome when they "
        "help the discussion."
    ),
    Rule.DISINFORMATION: _(
        "Do not spread claims that are shown to be false and could harm people or the public debate. Say where "
        "your facts come from when you can."
    ),
    Rule.PERSONAL_DATA: _(
        "Do not publish anybody's address, telephone number, identity number, health data or pictures without "
        "their consent. Your own data is yours to share."
    ),
    Rule.OFF_TOPIC: _(
        "Stay with the subject of the page. Requests and complaints about other matters go to the request desk, "
        "where an official answers them."
    ),
    Rule.OTHER: _(
        "Content that breaks the law or these principles in another way may be hidden; the moderator explains "
        "why in every case."
    ),
}


def numbered():
    """[(number, key, label, explanation)] in the published order."""
    return [(number, rule.value, rule.label, EXPLANATIONS[rule]) for number, rule in enumerate(Rule, start=1)]


def label_of(key):
    return Rule(key).label if key in Rule.values else ""
