import pytest
from django.core.management import call_command

from meydan.accounts.models import Membership, Organisation, User
from meydan.models import HomePage

pytestmark = pytest.mark.django_db


def counts():
    return (User.objects.count(), Organisation.objects.count(), Membership.objects.count(), HomePage.objects.count())


def test_seed_demo_is_idempotent_and_covers_every_role(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert kinds == {"municipality", "department", "ngo"}
    assert Organisation.objects.filter(kind="department", parent__kind="municipality").count() == 2
    assert Organisation.objects.filter(kind="ngo").count() == 2
    assert set(Membership.objects.values_list("role", flat=True)) == {"admin", "official", "moderator", "member"}
    assert User.objects.filter(is_superuser=True).exists()
    assert User.objects.filter(is_verified=True).exists()
    output = capsys.readouterr().out
    assert "[##############################]" in output and "meydan-demo-2026" in output


def test_demo_users_can_log_in(client):
    call_command("seed_demo")
    response = client.post("/accounts/login/", {"username": "resident@meydan.example", "password": "meydan-demo-2026"})
    assert response.status_code == 302
