"""Privacy in a real browser: download one's data, erase the account keeping contributions, see the
comment shown as a former participant's, and fail to log in again."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import PASSWORD_LABEL, assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "lantern-orchard-4817"
EMAIL = "deniz.privacy@example.org"


def _world():
    from django.db import connections
    from django.utils import timezone

    from comments import services as comments
    from meydan.accounts.models import Organisation, User
    from meydan.site_setup import ensure_home_site
    from proposals import services as proposals
    from proposals.models import ProposalSpacePage

    try:
        now = timezone.now()
        deniz = User.objects.create_user(
            email=EMAIL, password=PASSWORD, display_name="Deniz Yılmaz", preferred_language="en", email_confirmed_at=now
        )
        other = User.objects.create_user(
            email="other@example.org",
            password=PASSWORD,
            display_name="Ece",
            preferred_language="en",
            email_confirmed_at=now,
        )
        municipality = Organisation.objects.create(
            kind="municipality", status="verified", decided_at=now, name="Meydan Belediyesi", slug="meydan"
        )
        space = ensure_home_site().add_child(
            instance=ProposalSpacePage(
                title="Fikirler",
                slug="fikirler",
                municipality=municipality,
                proposing_opens=now - timedelta(days=1),
                proposing_closes=now + timedelta(days=30),
                supporting_opens=now - timedelta(days=1),
                supporting_closes=now + timedelta(days=30),
            )
        )
        proposal = proposals.create_proposal(other, space, title="Sahile bisiklet yolu", body="<p>Güvenli yol</p>")
        comments.post_comment(deniz, proposal, "Bu yolu her gün kullanırım.")
        return proposal.get_absolute_url()
    finally:
        connections.close_all()


def test_download_data_then_erase_account_keeping_contributions(page):
    proposal_url = _world()
    context = page.context
    profile = log_in(context, EMAIL, PASSWORD, "/accounts/profile/")

    profile.get_by_role("link", name="Download your data").click()
    expect(profile).to_have_url(re.compile(r"/accounts/privacy/export/$"))
    assert_no_axe_violations(profile, "export page")
    profile.get_by_label(re.compile(r"^Your password")).fill("not-my-password")
    profile.get_by_role("button", name="Download my data").click()
    expect(profile.locator(".messages .message-error")).to_contain_text("That is not your password")
    profile.get_by_label(re.compile(r"^Your password")).fill(PASSWORD)
    with profile.expect_download() as download_info:
        profile.get_by_role("button", name="Download my data").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    with open(download.path(), "rb") as file:
        archive = zipfile.ZipFile(io.BytesIO(file.read()))
    assert {"README.txt", "accounts.User.json", "comments.Comment.author.csv"} <= set(archive.namelist())
    assert "Bu yolu her gün kullanırım." in archive.read("comments.Comment.author.json").decode()
    assert "other@example.org" not in "".join(archive.read(n).decode() for n in archive.namelist())

    profile.goto("/accounts/profile/")
    profile.get_by_role("link", name="Erase your account").click()
    expect(profile.get_by_role("heading", level=1)).to_have_text("Erase your account")
    assert_no_axe_violations(profile, "erasure page")
    profile.get_by_label("Keep my contributions, shown as written by a former participant").check()
    profile.get_by_label("I understand that my account cannot be restored.").check()
    profile.get_by_label(re.compile(r"^Your password")).fill(PASSWORD)
    profile.get_by_role("button", name="Erase my account").click()
    expect(profile).to_have_url(re.compile(r"/accounts/privacy/erased/$"))
    expect(profile.get_by_role("heading", level=1)).to_have_text("Account erased")
    expect(profile.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()

    profile.goto(proposal_url)
    comment = profile.locator(".comment-body", has_text="Bu yolu her gün kullanırım.")
    expect(comment).to_contain_text("former participant")
    expect(profile.get_by_role("main")).not_to_contain_text("Deniz")

    profile.goto("/accounts/login/")
    form = profile.get_by_role("main").locator("form")
    form.get_by_label("E-mail address").fill(EMAIL)
    form.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    form.get_by_role("button", name="Log in").click()
    expect(profile).to_have_url(re.compile(r"/accounts/login/$"))
    expect(profile.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()


def test_privacy_notice_is_linked_from_every_page_and_accessible(page):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Privacy notice").click()
    expect(page).to_have_url(re.compile(r"/privacy/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    assert_no_axe_violations(page, "privacy notice")
