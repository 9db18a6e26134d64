import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")


def test_profile_needs_login(client):
    response = client.get(PROFILE)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_edit_profile(client, make_user):
    user = make_user()
    client.force_login(user)
    response = client.post(PROFILE, {"display_name": "  Kerem   K.  ", "preferred_language": "fi"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.preferred_language) == ("Kerem K.", "fi")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fi"


@pytest.mark.parametrize(
    "data",
    [
        {"display_name": "x" * 81, "preferred_language": "tr"},
        {"display_name": "a", "preferred_language": "tr"},
        {"display_name": "Kerem", "preferred_language": "klingon"},
    ],
)
def test_bad_profile_input_keeps_what_was_saved(client, make_user, data):
    user = make_user(display_name="Original", preferred_language="en")
    client.force_login(user)
    response = client.post(PROFILE, data)
    assert response.status_code == 400
    assert response.context["form"].errors
    user.refresh_from_db()
    assert (user.display_name, user.preferred_language) == ("Original", "en")


def test_oversized_request_body_is_refused(client, make_user):
    user = make_user(display_name="Original")
    client.force_login(user)
    response = client.post(PROFILE, {"display_name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.display_name == "Original"


def test_language_switcher_saves_the_preference(client, make_user):
    user = make_user(preferred_language="tr")
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/profile/"})
    assert response.status_code == 302 and response.url == "/accounts/profile/"
    user.refresh_from_db()
    assert user.preferred_language == "en"
    client.post(reverse("set_language"), {"language": "zz", "next": "/"})
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_saved_language_applies_after_login(client, make_user):
    client.force_login(make_user(preferred_language="fi"))
    response = client.get(PROFILE, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["LANGUAGE_CODE"] == "fi"


def test_oversized_upload_is_refused_before_it_is_read(client, make_user, settings):
    settings.MEYDAN_MAX_REQUEST_BYTES = 1024
    client.force_login(make_user())
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("big.png", b"x" * 4096, content_type="image/png")
    response = client.post("/organisations/apply/", {"name": "Big Logo Association", "logo": upload})
    assert response.status_code == 413
    assert "too large" in response.content.decode()
