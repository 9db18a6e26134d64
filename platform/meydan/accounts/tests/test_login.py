import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def test_wrong_password_gets_a_clear_message(client, make_user):
    make_user(email="a@example.org")
    response = client.post(LOGIN, {"username": "a@example.org", "password": "wrong-password"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unconfirmed_user_is_told_to_confirm(client, make_user, password):
    make_user(email="new@example.org", confirmed=False)
    response = client.post(LOGIN, {"username": "new@example.org", "password": password})
    assert "Confirm your e-mail address first" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_login_out(client, make_user, password):
    make_user(email="target@example.org")
    for _ in range(5):
        client.post(LOGIN, {"username": "target@example.org", "password": "guess"})
    response = client.post(LOGIN, {"username": "target@example.org", "password": password})
    assert response.status_code == 429
    assert "Too many login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_redirects_only_to_this_site(client, make_user, password):
    make_user(email="a@example.org")
    response = client.post(
        LOGIN + "?next=https://evil.example/steal", {"username": "a@example.org", "password": password}
    )
    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")


def test_logout_needs_post(client, make_user):
    client.force_login(make_user())
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 200
    assert "_auth_user_id" not in client.session


def test_password_reset_by_mail(client, make_user):
    user = make_user(email="forgetful@example.org")
    response = client.post(reverse("accounts:password_reset"), {"email": "forgetful@example.org"})
    assert response.status_code == 302
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "brand-new-secret-77", "new_password2": "brand-new-secret-77"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-secret-77")


def test_password_reset_for_unknown_address_looks_the_same(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "ghost@example.org"})
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []
