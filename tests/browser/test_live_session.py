"""A council session followed live in real browsers: the moderator drives it from the console, a
resident comments and answers a poll, and every open page changes without being reloaded. The
pages pass axe, and commenting and voting also work with JavaScript switched off."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from .conftest import DEFAULT_TIMEOUT_MS
from .journeys import LIVE_TIMEOUT_MS, assert_no_axe_violations, count_loads, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AGENDA = ["Açılış", "Bütçe", "Park projesi"]
COMMENT = "Parkın bütçesi mahalle meclisinde de konuşulsun."
NO_JS_COMMENT = "Sent by a plain form post, without any script."


@dataclass
class LiveWorld:
    session_pk: int
    path: str
    console: str
    moderator: str
    resident: str
    offline: str


@pytest.fixture(autouse=True)
def live_timeouts():
    expect.set_options(timeout=LIVE_TIMEOUT_MS)
    yield
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)


@pytest.fixture
def world(asgi_server, make_user, make_organisation, password):
    """A scheduled session with three agenda items, its moderator and two residents; committed and
    the connections closed, so the server process sees it all."""
    from django.db import connections
    from django.utils import timezone

    from live.models import AgendaItem, CouncilIndexPage, CouncilSessionPage
    from meydan.accounts.models import Membership
    from meydan.site_setup import ensure_home_site

    municipality = make_organisation(kind="municipality", name="Meydan Belediyesi", slug="meydan-belediyesi")
    index = ensure_home_site().add_child(instance=CouncilIndexPage(title="Meclis", slug="meclis"))
    start = timezone.now()
    session = index.add_child(
        instance=CouncilSessionPage(
            title="Kasım olağan meclis toplantısı",
            slug="kasim",
            municipality=municipality,
            scheduled_start=start,
            scheduled_end=start + timedelta(hours=3),
            # The server answers 404 at once: no request leaves the machine.
            stream_kind="video",
            stream_url=f"{asgi_server.url}/media/no-such-stream.mp4",
        )
    )
    for n, title in enumerate(AGENDA):
        AgendaItem.objects.create(session=session, title=title, sort_order=n, description=f"Madde {n + 1}")
    moderator = make_user(email="moderator@example.org", display_name="Moderatör")
    Membership.objects.create(user=moderator, organisation=municipality, role="moderator")
    make_user(email="resident@example.org", display_name="Ayşe Sakin")
    make_user(email="offline@example.org", display_name="Kemal Betiksiz")
    path = CouncilSessionPage.objects.get(pk=session.pk).url
    connections.close_all()
    return LiveWorld(
        session_pk=session.pk,
        path=path,
        console=f"/live/sessions/{session.pk}/console/",
        moderator="moderator@example.org",
        resident="resident@example.org",
        offline="offline@example.org",
    )


def agenda_item(page, title):
    return page.locator("#agenda > li").filter(has=page.locator("strong", has_text=title))


def comment(page, text):
    return page.locator("#comment-list > li.comment").filter(has_text=text)


def test_moderator_and_resident_follow_the_session_live(world, new_context, password):
    moderator = new_context()
    console = log_in(moderator, world.moderator, password, world.console)
    resident = log_in(new_context(), world.resident, password, world.path)

    expect(console.get_by_role("heading", level=1)).to_contain_text("Moderator console")
    expect(resident.locator("#session-status")).to_have_text("Scheduled")
    expect(resident.get_by_text("Comments open when the session starts.")).to_be_visible()
    expect(resident.locator("#comment-form")).to_have_count(0)

    # Start: the console posts its form; the resident's open page notices and reloads itself once.
    console.get_by_role("button", name="Start the session").click()
    expect(console.locator(".messages")).to_contain_text("The session is live.")
    expect(console.locator("#session-status")).to_have_text("Live now")
    expect(resident.locator("#comment-form")).to_be_visible()
    expect(resident.locator("#session-status")).to_have_text("Live now")
    resident.wait_for_load_state()
    resident_loads = count_loads(resident)

    # From here on nobody's session page is reloaded: everything arrives over the websocket.
    console.get_by_role("button", name=f"Move to “{AGENDA[0]}”").click()
    expect(console.locator(".messages")).to_contain_text(f"Now on the agenda: {AGENDA[0]}")
    expect(agenda_item(resident, AGENDA[0])).to_have_attribute("aria-current", "step")
    console.get_by_role("button", name=f"Move to “{AGENDA[1]}”").click()
    expect(console.locator(".messages")).to_contain_text(f"Now on the agenda: {AGENDA[1]}")
    expect(agenda_item(resident, AGENDA[1])).to_have_attribute("aria-current", "step")
    expect(agenda_item(resident, AGENDA[1]).locator(".badge.now")).to_have_text("Now")
    expect(agenda_item(resident, AGENDA[0])).not_to_have_attribute("aria-current", re.compile(".*"))
    expect(resident.locator("#agenda > li[aria-current]")).to_have_count(1)

    # The moderator follows the public page in a second tab; a third person watches anonymously.
    watch = moderator.new_page()
    watch.goto(world.path)
    viewer = new_context().new_page()
    viewer.goto(world.path)
    for page in (watch, viewer):
        expect(agenda_item(page, AGENDA[1])).to_have_attribute("aria-current", "step")
    watch_loads, viewer_loads = count_loads(watch), count_loads(viewer)
    expect(viewer.get_by_text("Log in to take part.")).to_be_visible()

    # The resident comments; the form goes over the socket and every page shows the comment.
    form = resident.locator("#comment-form")
    form.get_by_label("Your comment").fill(COMMENT)
    form.get_by_role("button", name="Send").click()
    expect(comment(resident, COMMENT)).to_have_count(1)
    expect(form.get_by_label("Your comment")).to_have_value("")
    for page in (watch, viewer):
        expect(comment(page, COMMENT)).to_have_count(1)
        expect(comment(page, COMMENT).locator(".comment-meta")).to_contain_text("Ayşe Sakin")
    # The script draws the report link as the server would: for signed-in readers other than the author.
    report = comment(watch, COMMENT).get_by_role("link", name="Report")
    expect(report).to_have_attribute("href", re.compile(r"/moderation/report/live\.livecomment/\d+/$"))
    expect(comment(resident, COMMENT).get_by_role("link", name="Report")).to_have_count(0)
    expect(comment(viewer, COMMENT).get_by_role("link", name="Report")).to_have_count(0)
    expect(console.locator("#console-notice")).to_be_visible()
    expect(console.locator("#console-notice output")).to_have_text("1")
    # Back to the console tab: Chromium throttles background tabs, which slows clicks there by seconds.
    console.bring_to_front()
    console.locator("#console-notice").get_by_role("link", name="refresh the list").click()
    expect(console.locator("tbody tr").filter(has_text=COMMENT)).to_have_count(1)
    expect(console.locator("#console-notice")).to_be_hidden()

    # The moderator opens a poll: it appears on the resident's page, who answers it; the results on
    # the moderator's public tab count the answer.
    polls = console.locator("section").filter(has=console.get_by_role("heading", name="Polls"))
    polls.get_by_label("Question").fill("Should the park get a playground?")
    polls.get_by_label(re.compile(r"^Answer 1\W*$")).fill("Yes")
    polls.get_by_label(re.compile(r"^Answer 2\W*$")).fill("No")
    polls.get_by_role("button", name="Open the poll").click()
    expect(console.locator(".messages")).to_contain_text("The poll is open.")

    poll = resident.locator("#polls .poll").filter(has_text="Should the park get a playground?")
    expect(poll).to_be_visible()
    watch_poll = watch.locator("#polls .poll").filter(has_text="Should the park get a playground?")
    expect(watch_poll.get_by_role("row", name=re.compile("^Yes"))).to_be_visible()
    expect(watch_poll.get_by_role("row", name=re.compile("^Yes")).locator(".votes")).to_have_text("0")
    poll.get_by_label("Yes").check()
    poll.get_by_role("button", name="Answer").click()
    expect(poll.get_by_role("status")).to_have_text("✓")
    expect(poll.locator(".poll-form")).to_have_count(0)
    expect(watch_poll.get_by_role("row", name=re.compile("^Yes")).locator(".votes")).to_have_text("1")
    expect(watch_poll.get_by_role("row", name=re.compile("^Yes")).locator(".share")).to_have_text("100 %")
    expect(watch_poll.get_by_role("row", name=re.compile("^No")).locator(".votes")).to_have_text("0")
    # Having answered, the resident sees the results too.
    expect(poll.get_by_role("row", name=re.compile("^Yes")).locator(".votes")).to_have_text("1")

    # The moderator hides the comment from the console.
    row = console.locator("tbody tr").filter(has_text=COMMENT)
    row.get_by_label("Which guideline does it break?").select_option("off_topic")
    row.get_by_label("Reason (shown to the author)").fill("Off-topic")
    row.get_by_role("button", name="Hide", exact=True).click()
    expect(console.locator(".messages")).to_contain_text("The comment is hidden everywhere.")
    expect(console.locator("tbody tr").filter(has_text=COMMENT)).to_contain_text("Hidden: Off-topic")

    for page in (watch, viewer):
        expect(comment(page, COMMENT)).to_have_count(0)
    own = resident.locator("#comment-list > li.comment-hidden")
    expect(own).to_have_count(1)
    expect(own.locator(".comment-text")).to_have_text("A moderator hid your comment: Off-topic")
    expect(comment(resident, COMMENT)).to_have_count(0)

    assert resident_loads == [], f"the resident's page reloaded: {resident_loads}"
    assert watch_loads == [], f"the moderator's public tab reloaded: {watch_loads}"
    assert viewer_loads == [], f"the anonymous viewer's page reloaded: {viewer_loads}"

    # Accessibility of the pages as the live updates left them, and as the server renders them.
    assert_no_axe_violations(resident, "resident's live session page")
    assert_no_axe_violations(watch, "moderator's live session page")
    assert_no_axe_violations(viewer, "anonymous viewer's live session page")
    # Checked as a moderator opens it, without the one-off message of the last action: base.html
    # renders messages as <ul role="status">, which axe flags on every page (aria-allowed-role,
    # listitem); that shared template is not the live app's to change.
    console.reload()
    expect(console.locator(".messages")).to_have_count(0)
    assert_no_axe_violations(console, "moderator console")
    resident.reload()
    expect(resident.locator(".message-warning")).to_contain_text("Off-topic")
    expect(poll.get_by_role("row", name=re.compile("^Yes")).locator(".votes")).to_have_text("1")
    assert_no_axe_violations(resident, "resident's reloaded session page")
    watch.reload()
    expect(watch_poll.get_by_role("row", name=re.compile("^Yes")).locator(".votes")).to_have_text("1")
    assert_no_axe_violations(watch, "moderator's reloaded session page")


def test_comment_and_answer_without_javascript(world, new_context, password):
    from django.db import connections
    from django.utils import timezone

    from live.models import CouncilSessionPage, Poll, PollOption

    # Put the session live with an open poll straight in the database: no page is listening.
    CouncilSessionPage.objects.filter(pk=world.session_pk).update(status="live", started_at=timezone.now())
    poll = Poll.objects.create(session_id=world.session_pk, question="Is the meeting time convenient?")
    for position, label in enumerate(["Yes", "No"]):
        PollOption.objects.create(poll=poll, label=label, position=position)
    connections.close_all()

    page = log_in(new_context(java_script_enabled=False), world.offline, password, world.path)
    form = page.locator("#comment-form")
    form.get_by_label("Your comment").fill(NO_JS_COMMENT)
    form.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(re.escape(world.path) + "#comments$"))
    expect(page.locator(".messages")).to_contain_text("Your comment has been published.")
    expect(comment(page, NO_JS_COMMENT)).to_have_count(1)
    expect(comment(page, NO_JS_COMMENT).locator(".comment-meta")).to_contain_text("Kemal Betiksiz")

    section = page.locator(f"#poll-{poll.pk}")
    section.get_by_label("No").check()
    section.get_by_role("button", name="Answer").click()
    expect(page).to_have_url(re.compile(re.escape(world.path) + f"#poll-{poll.pk}$"))
    expect(page.locator(".messages")).to_contain_text("Thank you, your answer has been counted.")
    expect(section.get_by_role("row", name=re.compile("^No")).locator(".votes")).to_have_text("1")
    expect(section.locator(".poll-form")).to_have_count(0)
