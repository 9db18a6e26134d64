"""The per-space eligibility rules (anyone / confirmed e-mail / verified resident): who meets which
rule, and why not. The apps' own grids (propose, support, comment, vote) are next to their tests."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from meydan.accounts.eligibility import Eligibility, eligibility_refusal
from meydan.accounts.rules import account_refusal

pytestmark = pytest.mark.django_db

KINDS = ["anonymous", "unconfirmed", "confirmed", "verified", "suspended", "suspended_unconfirmed"]

# rule -> kind -> the refusal code, or None when the person may take part.
EXPECTED = {
    Eligibility.ANYONE: {
        "anonymous": "login_required",
        "unconfirmed": None,
        "confirmed": None,
        "verified": None,
        "suspended": "suspended",
        "suspended_unconfirmed": "suspended",
    },
    Eligibility.CONFIRMED: {
        "anonymous": "login_required",
        "unconfirmed": "unconfirmed",
        "confirmed": None,
        "verified": None,
        "suspended": "suspended",
        "suspended_unconfirmed": "unconfirmed",
    },
    Eligibility.VERIFIED: {
        "anonymous": "login_required",
        "unconfirmed": "unconfirmed",
        "confirmed": "not_verified",
        "verified": None,
        "suspended": "suspended",
        "suspended_unconfirmed": "unconfirmed",
    },
}


def suspend(user):
    """A real suspension, made by a site administrator through the moderation service."""
    from meydan.accounts.models import User
    from moderation import services as moderation
    from moderation.models import forget_suspension

    admin = User.objects.create_superuser(email=f"admin-for-{user.pk}@example.org", password="a-long-admin-pass-1")
    moderation.suspend(admin, user, timezone.now() + timedelta(days=7), "insult", "Repeated insults")
    forget_suspension(user.pk)  # as the moderation app does on commit


@pytest.fixture
def person(make_user):
    def make(kind):
        if kind == "anonymous":
            return AnonymousUser()
        user = make_user(
            confirmed=kind not in ("unconfirmed", "suspended_unconfirmed"),
            is_verified=kind in ("verified", "suspended"),
        )
        if kind.startswith("suspended"):
            suspend(user)
        return user

    return make


@pytest.mark.parametrize("rule", list(Eligibility))
@pytest.mark.parametrize("kind", KINDS)
def test_who_meets_which_rule(person, rule, kind):
    user = person(kind)
    refusal = eligibility_refusal(user, rule)
    expected = EXPECTED[rule][kind]
    if expected is None:
        assert refusal is None
    else:
        code, message = refusal
        assert code == expected and message.strip()


def test_a_suspended_verified_resident_is_told_about_the_suspension_with_its_end(person):
    from django.utils import translation

    user = person("suspended")
    with translation.override("en"):
        code, message = eligibility_refusal(user, Eligibility.VERIFIED)
    assert code == "suspended"
    assert "suspended until" in message and str((timezone.now() + timedelta(days=7)).year) in message


def test_the_not_verified_message_names_what_the_space_refuses(person):
    from django.utils import translation

    user = person("confirmed")
    with translation.override("en"):
        generic = eligibility_refusal(user, Eligibility.VERIFIED)
        custom = eligibility_refusal(user, Eligibility.VERIFIED, not_verified_message="Only verified residents vote.")
    assert generic == ("not_verified", "Only verified residents may take part here.")
    assert custom == ("not_verified", "Only verified residents vote.")


@pytest.mark.parametrize("rule", ["logged_in", "", None, "VERIFIED", "anyone "])
def test_an_unknown_rule_is_the_strictest(person, rule):
    assert eligibility_refusal(person("confirmed"), rule)[0] == "not_verified"
    assert eligibility_refusal(person("verified"), rule) is None
    assert eligibility_refusal(person("unconfirmed"), rule)[0] == "unconfirmed"


@pytest.mark.parametrize("kind", KINDS)
def test_account_refusal_is_the_confirmed_rule(person, kind):
    """Writes without a rule of their own (requests, questionnaires, ratings) keep asking for a
    confirmed address and an account that is not suspended."""
    user = person(kind)
    assert account_refusal(user) == eligibility_refusal(user, Eligibility.CONFIRMED)


def test_the_rules_have_plain_translatable_labels():
    from django.utils import translation

    with translation.override("en"):
        labels = {value: str(label) for value, label in Eligibility.choices}
    assert labels == {
        "anyone": "Anyone with an account, even before confirming their e-mail address",
        "confirmed": "Anyone with a confirmed e-mail address",
        "verified": "Verified residents only",
    }


def test_refusal_messages_follow_the_language(person):
    from django.utils import translation

    with translation.override("tr"):
        code, message = eligibility_refusal(AnonymousUser(), Eligibility.ANYONE)
    with translation.override("en"):
        english = eligibility_refusal(AnonymousUser(), Eligibility.ANYONE)[1]
    assert code == "login_required" and english == "Log in to take part." and message != english
