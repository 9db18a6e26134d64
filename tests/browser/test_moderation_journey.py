"""Moderation with transparency, in real browsers.

A resident reports a comment on a proposal; a moderator finds it in the moderation queue and hides
it under a guideline with a reason; the author sees the reason on the proposal page, opens the
decision and appeals; a second moderator upholds the appeal, which makes the comment visible again;
the public moderation log shows both decisions without the comment or anybody's name. The log,
guidelines, queue, hide form, decision and appeal pages pass axe.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from .journeys import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMENT = "Bu öneriyi yazanların hepsi cahil."
REASON = "Kişilere hakaret ediliyor; öneriyi eleştirin, kişileri değil."
APPEAL = "Kimseye hakaret etmedim, öneriyi eleştirdim."
DECISION = "Sert ama kişisel hakaret sayılmaz."


@dataclass
class World:
    proposal_path: str
    resident: str
    author: str
    moderator: str
    second_moderator: str


@pytest.fixture
def world(asgi_server, make_user, make_organisation):
    from django.db import connections
    from django.utils import timezone

    from comments.models import Comment
    from meydan.accounts.models import Membership
    from meydan.site_setup import ensure_home_site
    from proposals.models import Proposal, ProposalEvent, ProposalSpacePage

    municipality = make_organisation(kind="municipality", name="Meydan Belediyesi", slug="meydan-belediyesi")
    now = timezone.now()
    space = ensure_home_site().add_child(
        instance=ProposalSpacePage(
            title="Fikirler",
            slug="fikirler",
            municipality=municipality,
            proposing_opens=now - timedelta(days=1),
            proposing_closes=now + timedelta(days=30),
            supporting_opens=now - timedelta(days=1),
            supporting_closes=now + timedelta(days=30),
            support_threshold=10,
            answer_days=30,
        )
    )
    proposer = make_user(email="proposer@example.org", display_name="Deniz Öneren")
    # Made straight in the database: live.publish would broadcast from the test thread.
    proposal = Proposal.objects.create(
        space=space, author=proposer, title="Sahile gölgelik", body="<p>Yazın gölge yok.</p>"
    )
    ProposalEvent.objects.create(proposal=proposal, kind="published", to_state="published")
    author = make_user(email="author@example.org", display_name="Ayşe Yazar")
    Comment.objects.create(target=proposal, author=author, text=COMMENT)
    make_user(email="resident@example.org", display_name="Burak Komşu")
    for email, name in (("moderator@example.org", "Mod Bir"), ("second@example.org", "Mod İki")):
        Membership.objects.create(
            user=make_user(email=email, display_name=name), organisation=municipality, role="moderator"
        )
    path = proposal.get_absolute_url()
    connections.close_all()
    yield World(path, "resident@example.org", "author@example.org", "moderator@example.org", "second@example.org")
    connections.close_all()


def test_flag_hide_appeal_restore_and_the_public_log(world, new_context, password, mailbox):
    # A resident reports the comment.
    resident = log_in(new_context(), world.resident, password, world.proposal_path)
    resident.get_by_role("link", name=re.compile(r"^Report the comment")).click()
    resident.get_by_label("Insult or harassment").check()
    resident.get_by_role("button", name="Send the report").click()
    expect(resident.get_by_text("The moderators will look at the comment.")).to_be_visible()

    # The first moderator finds it in the queue and hides it under a guideline, with a reason.
    moderator = log_in(new_context(), world.moderator, password, "/moderation/queue/")
    reported = moderator.locator(".moderation-queue > li").filter(has_text=COMMENT)
    expect(reported).to_contain_text("Insult or harassment")
    assert_no_axe_violations(moderator, "moderation queue")
    reported.get_by_role("link", name="Hide", exact=True).click()
    assert_no_axe_violations(moderator, "hide form")
    moderator.get_by_label("Insult or harassment").check()
    moderator.get_by_label("Reason (shown to the author)").fill(REASON)
    moderator.get_by_role("button", name="Hide it").click()
    expect(moderator.get_by_text("its author is told why and may appeal")).to_be_visible()

    # Everyone else no longer sees it; the author sees why, and appeals.
    resident.reload()
    expect(resident.get_by_text(COMMENT)).to_have_count(0)
    author = log_in(new_context(), world.author, password, world.proposal_path)
    expect(author.get_by_text(REASON)).to_be_visible()
    assert "A moderator hid your comment" in str(mailbox.wait_for(to=world.author)["Subject"])
    author.get_by_role("link", name="See the decision and appeal").click()
    expect(author.locator("#decision-reason")).to_have_text(REASON)
    assert_no_axe_violations(author, "decision page")
    author.get_by_label("Why should the decision change?").fill(APPEAL)
    author.get_by_role("button", name="Send the appeal").click()
    expect(author.locator("#appeal-status")).to_have_text("Waiting for a decision")

    # The moderator who hid it may not decide; a second moderator upholds the appeal.
    moderator.goto("/moderation/queue/")
    expect(moderator.get_by_text("a different moderator must decide the appeal")).to_be_visible()
    second = log_in(new_context(), world.second_moderator, password, "/moderation/queue/")
    second.get_by_role("link", name="Decide the appeal").click()
    expect(second.get_by_text(APPEAL)).to_be_visible()
    assert_no_axe_violations(second, "appeal page")
    second.get_by_label("Uphold the appeal: reverse the decision").check()
    second.get_by_label("Reason (shown to the person who appealed)").fill(DECISION)
    second.get_by_role("button", name="Decide").click()
    expect(second.get_by_text("The appeal is decided")).to_be_visible()

    resident.reload()
    expect(resident.get_by_text(COMMENT)).to_be_visible()

    # The public log shows both decisions, without the comment, the reasons or anybody's name.
    visitor = new_context().new_page()
    visitor.goto("/moderation/log/")
    rows = visitor.locator("table.moderation-log tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Appeal upheld")
    expect(rows.nth(0)).to_contain_text("Content visible again")
    expect(rows.nth(1)).to_contain_text("Hidden")
    expect(rows.nth(1)).to_contain_text("Insult or harassment")
    for secret in (COMMENT, REASON, APPEAL, DECISION, "Ayşe Yazar", "Mod Bir", "Mod İki"):
        expect(visitor.get_by_text(secret)).to_have_count(0)
    assert_no_axe_violations(visitor, "moderation log")
    visitor.get_by_role("link", name="Community guidelines").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Community guidelines")
    assert_no_axe_violations(visitor, "community guidelines")
