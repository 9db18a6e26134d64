"""The account journey in a real browser: sign up, confirm by e-mail, log in, switch language, log out."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "lantern-orchard-4817"
# "Password" but not "Password again"; the label may end with the required-field asterisk.
PASSWORD_LABEL = re.compile(r"^Password\W*$")


def _user(email):
    from django.db import connections

    from meydan.accounts.models import User

    try:
        return User.objects.get(email=email)
    finally:
        connections.close_all()


def _log_in(page, email, password):
    form = page.get_by_role("main").locator("form")
    form.get_by_label("E-mail address").fill(email)
    form.get_by_label(PASSWORD_LABEL).fill(password)
    form.get_by_role("button", name="Log in").click()


def test_sign_up_confirm_log_in_switch_language_and_log_out(page, mailbox):
    email = "ayse.browser@example.org"
    header = page.get_by_role("banner")

    page.goto("/")
    header.get_by_role("link", name="Sign up", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")

    form = page.get_by_role("main").locator("form")
    form.get_by_label("E-mail address").fill(email)
    form.get_by_label("Display name").fill("Ayşe B.")
    form.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    form.get_by_label("Password again").fill(PASSWORD)
    form.get_by_label("Language").select_option(label="English")
    form.get_by_role("button", name="Sign up").click()

    expect(page).to_have_url(re.compile(r"/accounts/signup/done/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")

    message = mailbox.wait_for(to=email, subject="Confirm your e-mail address")
    links = [link for link in mailbox.links(message) if "/accounts/confirm/" in link]
    assert len(links) == 1, mailbox.body(message)
    page.goto(mailbox.local_path(links[0]))

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.locator(".messages .message-success")).to_contain_text("your e-mail address is confirmed")

    _log_in(page, email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/profile/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My profile")
    expect(page.get_by_role("main")).to_contain_text(f"You are logged in as {email}")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The language switcher in the header: the choice applies at once and is saved on the profile.
    switcher = header.locator("form.language-switcher")
    expect(switcher.locator("option[value=fi]")).to_have_text(re.compile("suomi", re.IGNORECASE))
    switcher.get_by_label("Language").select_option("fi")
    switcher.get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page).to_have_url(re.compile(r"/accounts/profile/$"))
    assert _user(email).preferred_language == "fi"

    # Back to English (finding the switcher by its form, since its texts may now be Finnish), so the
    # logged-out page can be checked by its English texts whatever the Finnish catalogue holds.
    switcher.locator("select").select_option("en")
    switcher.locator("button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert _user(email).preferred_language == "en"

    header.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/logout/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("You are logged out")
    expect(header.get_by_role("link", name="Log in", exact=True)).to_be_visible()
    expect(header.get_by_role("button", name="Log out")).to_have_count(0)

    # The session really is gone: the profile asks for a login again.
    page.goto("/accounts/profile/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/accounts/profile/$"))


def test_log_in_before_confirming_the_address_is_refused(page, asgi_server):
    from django.db import connections

    from meydan.accounts.models import User

    email = "unconfirmed.browser@example.org"
    User.objects.create_user(email=email, password=PASSWORD, display_name="Not Yet")
    connections.close_all()

    page.goto("/accounts/login/")
    _log_in(page, email, PASSWORD)

    expect(page.get_by_role("alert")).to_contain_text("Confirm your e-mail address first")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_role("banner").get_by_role("link", name="Log in", exact=True)).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("button", name="Log out")).to_have_count(0)
