import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from meydan.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, django_capture_on_commit_callbacks):
    """A client whose requests run their on-commit side effects (the mails) before returning."""
    original = client.request

    def request(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(**kwargs)

    client.request = request
    return client

SIGN_UP = reverse("accounts:sign_up")


def sign_up_data(**overrides):
    data = {
        "email": "Leyla@Example.org",
        "display_name": "Leyla",
        "password1": "kestane-kebap-2026",
        "password2": "kestane-kebap-2026",
        "preferred_language": "tr",
    }
    data.update(overrides)
    return data


def confirmation_path(message):
    return re.search(r"https?://[^/\s]+(/accounts/confirm/\S+/)", message.body).group(1)


def test_sign_up_confirm_and_log_in(client):
    response = client.post(SIGN_UP, sign_up_data())
    assert response.status_code == 302 and response.url == reverse("accounts:sign_up_done")
    user = User.objects.get()
    assert user.email == "leyla@example.org"
    assert user.email_confirmed_at is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["leyla@example.org"]

    login = {"username": "leyla@example.org", "password": "kestane-kebap-2026"}
    response = client.post(reverse("accounts:login"), login)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session

    response = client.get(confirmation_path(mail.outbox[0]))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_confirmed_at is not None

    response = client.post(reverse("accounts:login"), {**login, "username": "LEYLA@example.org"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_confirmation_mail_is_in_the_chosen_language(client):
    client.post(SIGN_UP, sign_up_data(preferred_language="fi"))
    with translation.override("fi"):
        expected = translation.gettext("Please confirm your e-mail address by opening this link:")
    assert expected in mail.outbox[0].body


def test_confirmation_link_cannot_be_tampered_with(client):
    client.post(SIGN_UP, sign_up_data())
    path = confirmation_path(mail.outbox[0])
    response = client.get(path[:-3] + "xx/")
    assert response.status_code == 400
    assert User.objects.get().email_confirmed_at is None
    assert client.get("/accounts/confirm/!!!/abc/").status_code == 400
    assert client.get("/accounts/confirm/OTk5OTk5/abc-def/").status_code == 400


def test_sign_up_with_a_registered_address_reveals_nothing(client, make_user):
    existing = make_user(email="taken@example.org")
    response = client.post(SIGN_UP, sign_up_data(email="TAKEN@example.org"))
    assert response.status_code == 302 and response.url == reverse("accounts:sign_up_done")
    assert User.objects.count() == 1
    existing.refresh_from_db()
    assert existing.check_password("a-long-enough-passphrase-42")
    assert mail.outbox[0].to == ["taken@example.org"]
    assert "already has one" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "a" * 250 + "@example.org"}, "email"),
        ({"email": ""}, "email"),
        ({"display_name": "x" * 500}, "display_name"),
        ({"display_name": " "}, "display_name"),
        ({"password2": "something-else-entirely"}, "password2"),
        ({"password1": "123", "password2": "123"}, "password1"),
        ({"password1": "password123", "password2": "password123"}, "password1"),
        ({"password1": "leyla@example.org", "password2": "leyla@example.org"}, "password1"),
        ({"preferred_language": "xx"}, "preferred_language"),
        ({"email": "<script>alert(1)</script>@x.org"}, "email"),
    ],
)
def test_bad_sign_up_input_is_refused_with_a_message(client, overrides, field):
    response = client.post(SIGN_UP, sign_up_data(**overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert User.objects.count() == 0
    assert mail.outbox == []
    assert b"<script>alert(1)" not in response.content


def test_sign_up_errors_are_translated(client):
    response = client.post(SIGN_UP, sign_up_data(password2="other-one-entirely"), HTTP_ACCEPT_LANGUAGE="tr")
    with translation.override("tr"):
        expected = translation.gettext("The two passwords differ.")
    assert expected != "The two passwords differ."
    assert expected in response.content.decode()


def test_resend_confirmation_does_not_reveal_accounts(client, make_user):
    make_user(email="pending@example.org", confirmed=False)
    for email in ("pending@example.org", "nobody@example.org"):
        response = client.post(reverse("accounts:resend_confirmation"), {"email": email})
        assert response.status_code == 302 and response.url == reverse("accounts:sign_up_done")
    assert [m.to for m in mail.outbox] == [["pending@example.org"]]
    assert client.post(reverse("accounts:resend_confirmation"), {"email": "bad"}).status_code == 400


def test_logged_in_user_is_sent_to_the_profile(client, make_user):
    client.force_login(make_user())
    assert client.get(SIGN_UP).url == reverse("accounts:profile")
