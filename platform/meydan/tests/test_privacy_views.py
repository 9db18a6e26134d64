"""Privacy pages: who may do what, and what a refusal leaves behind (nothing changed)."""

import io
import zipfile

import pytest
from django.urls import reverse

EXPORT = "/accounts/privacy/export/"
ERASE = "/accounts/privacy/erase/"


@pytest.fixture
def alice(make_user):
    return make_user(email="alice@example.org", display_name="Alice")


@pytest.fixture
def bob(make_user, make_organisation):
    bob = make_user(email="bob@example.org", display_name="Bob")
    make_organisation(members=[(bob, "admin")])
    return bob


def unchanged(user):
    fresh = type(user).objects.get(pk=user.pk)
    return (fresh.email, fresh.display_name, fresh.is_active, fresh.password) == (
        user.email,
        user.display_name,
        user.is_active,
        user.password,
    )


@pytest.mark.parametrize("url", [EXPORT, ERASE])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_log_in(client, db, url, method):
    response = getattr(client, method)(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_the_privacy_notice_lists_the_only_cookies_and_the_rights(client, db, home_site):
    response = client.get("/privacy/")
    html = response.content.decode()
    assert response.status_code == 200
    for cookie in ("sessionid", "csrftoken", "meydan_language"):
        assert f"<code>{cookie}</code>" in html
    assert "KVKK" in html and "GDPR" in html and "730 days" in html
    assert 'href="/privacy/"' in html  # the footer link


def test_the_profile_page_links_to_export_and_erasure(client, alice):
    client.force_login(alice)
    html = client.get("/accounts/profile/").content.decode()
    assert f'href="{EXPORT}"' in html and f'href="{ERASE}"' in html


def test_a_logged_in_person_downloads_their_own_data_whatever_id_they_post(client, alice, bob, password):
    client.force_login(alice)
    response = client.post(EXPORT, {"password": password, "user": bob.pk, "user_id": bob.pk, "pk": bob.pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    text = "".join(archive.read(name).decode() for name in archive.namelist())
    assert "alice@example.org" in text and "bob@example.org" not in text and "Bob" not in text


def test_export_with_a_wrong_password_is_403_with_a_message(client, alice):
    client.force_login(alice)
    response = client.post(EXPORT, {"password": "wrong-password"})
    assert response.status_code == 403
    assert "That is not your password" in response.content.decode()


def test_a_second_export_within_ten_minutes_is_429(client, alice, password):
    client.force_login(alice)
    assert client.post(EXPORT, {"password": password}).status_code == 200
    response = client.post(EXPORT, {"password": password})
    assert response.status_code == 429 and "once every ten minutes" in response.content.decode()


def test_password_guessing_on_the_privacy_forms_is_stopped(client, alice, password):
    client.force_login(alice)
    for _ in range(5):
        assert client.post(EXPORT, {"password": "guess"}).status_code == 403
    assert client.post(EXPORT, {"password": password}).status_code == 429


def test_export_requires_csrf(alice, password):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(EXPORT, {"password": password}).status_code == 403


def test_erasure_page_offers_both_choices_in_a_fieldset(client, alice):
    client.force_login(alice)
    html = client.get(ERASE).content.decode()
    assert "<fieldset" in html and "<legend>" in html
    assert 'value="keep"' in html and 'value="remove"' in html


def test_erasure_with_a_wrong_password_is_403_and_changes_nothing(client, alice):
    client.force_login(alice)
    response = client.post(ERASE, {"password": "wrong-password", "mode": "keep", "confirm": "on"})
    assert response.status_code == 403 and "That is not your password" in response.content.decode()
    assert unchanged(alice)


@pytest.mark.parametrize(
    "data",
    [{"mode": "keep"}, {"mode": "everything", "confirm": "on"}, {"confirm": "on"}],
    ids=["unconfirmed", "bad-mode", "no-mode"],
)
def test_incomplete_erasure_forms_are_400_and_change_nothing(client, alice, password, data):
    client.force_login(alice)
    response = client.post(ERASE, {"password": password, **data})
    assert response.status_code == 400 and 'class="errorlist"' in response.content.decode()
    assert unchanged(alice)


def test_erasure_acts_on_the_logged_in_person_only_whatever_id_is_posted(client, alice, bob, password):
    client.force_login(alice)
    response = client.post(
        ERASE, {"password": password, "mode": "keep", "confirm": "on", "user": bob.pk, "user_id": bob.pk}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/privacy/erased/"
    assert unchanged(bob) and bob.memberships.count() == 1
    alice.refresh_from_db()
    assert not alice.is_active and alice.email.endswith("@erased.invalid")
    # Logged out: the profile asks for a login again; the confirmation page shows the message.
    assert client.get("/accounts/profile/").status_code == 302
    assert "Your account has been erased." in client.get("/accounts/privacy/erased/").content.decode()
