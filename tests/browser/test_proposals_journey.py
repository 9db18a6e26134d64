"""A citizen proposal from idea to official answer, in real browsers.

Resident A writes a proposal with an image, is shown the similar proposal that already exists while
typing, previews and publishes it. Residents B and C support it: A's open page counts B's support
without reloading and shows the answer deadline once the threshold is reached. A department official
answers; A's page shows the answer, and A's notifications list it. The same forms work with
JavaScript switched off, and the list, detail and form pages pass axe.
"""

import io
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import DEFAULT_TIMEOUT_MS
from .journeys import LIVE_TIMEOUT_MS, assert_no_axe_violations, count_loads, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXISTING_TITLE = "Moda sahiline bisiklet yolu"
TITLE = "Moda sahilinde bisiklet yolu olsun"
BODY = "Sahil boyunca yayalardan ayrılmış, güvenli bir bisiklet yolu istiyoruz."
ANSWER = "Bisiklet yolu 2027 yatırım programına alındı; proje çalışması başladı."
NOTIFICATION_TITLE = "The municipality answered a proposal you follow"


@dataclass
class ProposalWorld:
    space_pk: int
    space_path: str
    create_path: str
    existing_pk: int
    author: str
    supporter: str
    second_supporter: str
    official: str


@pytest.fixture(autouse=True)
def live_timeouts():
    expect.set_options(timeout=LIVE_TIMEOUT_MS)
    yield
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)


@pytest.fixture
def world(asgi_server, make_user, make_organisation):
    """An open space (threshold 2) with two categories, "Parklar" answered by a department whose
    official takes part, one existing proposal, and three residents; committed and the connections
    closed, so the server process sees it all."""
    from django.db import connections
    from django.utils import timezone

    from meydan.accounts.models import Membership
    from meydan.site_setup import ensure_home_site
    from proposals.models import Category, Proposal, ProposalEvent, ProposalSpacePage

    municipality = make_organisation(kind="municipality", name="Meydan Belediyesi", slug="meydan-belediyesi")
    department = make_organisation(kind="department", name="Park ve Bahçeler", slug="park-bahce", parent=municipality)
    now = timezone.now()
    space = ensure_home_site().add_child(
        instance=ProposalSpacePage(
            title="Fikirler 2026",
            slug="fikirler",
            municipality=municipality,
            intro="Şehrimiz için fikirler",
            proposing_opens=now - timedelta(days=1),
            proposing_closes=now + timedelta(days=30),
            supporting_opens=now - timedelta(days=1),
            supporting_closes=now + timedelta(days=60),
            support_threshold=2,
            answer_days=30,
            districts="Kadıköy\nModa\nFenerbahçe",
        )
    )
    parks = Category.objects.create(space=space, name="Parklar", department=department, sort_order=0)
    Category.objects.create(space=space, name="Ulaşım", sort_order=1)
    # Made straight in the database: live.publish would broadcast from the test thread, where
    # Playwright's event loop runs.
    existing = Proposal.objects.create(
        space=space,
        author=make_user(email="first@example.org", display_name="Deniz Önce"),
        title=EXISTING_TITLE,
        body="<p>Sahil boyunca güvenli bir bisiklet yolu.</p>",
        category=parks,
    )
    ProposalEvent.objects.create(proposal=existing, kind="published", to_state="published")
    make_user(email="author@example.org", display_name="Ayşe Öneren")
    make_user(email="supporter@example.org", display_name="Burak Destek")
    make_user(email="second@example.org", display_name="Cem İkinci")
    official = make_user(email="official@example.org", display_name="Memur Bey")
    Membership.objects.create(user=official, organisation=department, role="official")
    space_path = ProposalSpacePage.objects.get(pk=space.pk).url
    connections.close_all()
    yield ProposalWorld(
        space_pk=space.pk,
        space_path=space_path,
        create_path=f"/proposals/spaces/{space.pk}/new/",
        existing_pk=existing.pk,
        author="author@example.org",
        supporter="supporter@example.org",
        second_supporter="second@example.org",
        official="official@example.org",
    )
    # The uploads of this test, before the database (and the rows naming them) is flushed.
    for name in Proposal.objects.exclude(image="").values_list("image", flat=True):
        path = Path(Proposal._meta.get_field("image").storage.path(name))
        path.unlink(missing_ok=True)
    connections.close_all()


class SocketFrames:
    """The frames the page's websockets receive, to know when a topic is subscribed: counters
    ("support.count" values) are not replayed, so a support made before that would not be shown."""

    def __init__(self, page):
        self.page = page
        self.frames = []
        page.on("websocket", lambda socket: socket.on("framereceived", lambda payload: self.frames.append(payload)))

    def subscribed(self, topic):
        for frame in self.frames:
            try:
                data = json.loads(frame)
            except (TypeError, ValueError):
                continue
            if data.get("type") == "subscribed" and data.get("topic") == topic:
                return True
        return False

    def wait_for_subscription(self, topic, timeout_ms=LIVE_TIMEOUT_MS):
        waited = 0
        while not self.subscribed(topic):
            if waited >= timeout_ms:
                raise AssertionError(f"{self.page.url} did not subscribe to {topic}; frames: {self.frames}")
            self.page.wait_for_timeout(50)
            waited += 50


def png_image():
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (96, 64), "#2a7ab0")
    ImageDraw.Draw(image).rectangle((10, 40, 86, 50), fill="#f0c419")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return {"name": "bisiklet-yolu.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def messages(page):
    return page.locator(".messages")


def support_count(page):
    return page.locator("#support-count")


def answer_due_text(proposal_pk):
    """The deadline sentence as the server renders it in English."""
    from django.db import connections
    from django.utils import formats, translation

    from proposals.models import Proposal

    due = Proposal.objects.values_list("answer_due", flat=True).get(pk=proposal_pk)
    connections.close_all()
    assert due is not None, "the threshold was reached but no answer date was set"
    with translation.override("en"):
        return f"The municipality must answer by {formats.date_format(due, 'DATE_FORMAT')}."


def stored_image(proposal_pk):
    from django.db import connections

    from proposals.models import Proposal

    proposal = Proposal.objects.get(pk=proposal_pk)
    connections.close_all()
    assert proposal.image, "the published proposal has no image"
    path = Path(proposal.image.path)
    assert path.exists(), f"the uploaded image is not stored at {path}"
    assert path.read_bytes().startswith(b"\x89PNG"), "the stored image is not a PNG"
    return proposal.image.url


def propose(page, world, *, check_similar_live):
    """From the form page: the similar proposal is shown, preview, choose the image again, publish.
    Returns the new proposal's number."""
    form = page.locator("#proposal-form")
    similar = page.locator("#similar")
    if check_similar_live:
        lookups = []
        page.on("request", lambda request: "/similar/" in request.url and lookups.append(request.url))
        form.get_by_label("Title").press_sequentially(TITLE)
        form.get_by_label("Description").fill(BODY)
        # Suggested while typing, before anything is sent.
        expect(similar).to_be_visible()
        expect(similar.get_by_role("heading")).to_have_text("Similar proposals already exist")
        expect(similar.get_by_role("link")).to_have_text([EXISTING_TITLE])
        expect(similar.get_by_role("link")).to_have_attribute("href", f"/proposals/{world.existing_pk}/")
        page.wait_for_timeout(600)  # past the debounce, so that the last lookup was made
        assert 1 <= len(lookups) <= 3, f"the lookups are not debounced: {len(lookups)} for {len(TITLE)} keystrokes"
        assert_no_axe_violations(page, "proposal form with suggestions")
    else:
        expect(similar).to_be_hidden()
        form.get_by_label("Title").fill(TITLE)
        form.get_by_label("Description").fill(BODY)
    form.get_by_label("Category").select_option(label="Parklar")
    form.get_by_label("District").select_option("Moda")
    form.get_by_label("Tags").fill("bisiklet, sahil")
    form.get_by_label("Image").set_input_files(png_image())
    form.get_by_role("button", name="Preview and check for similar proposals").click()

    # The preview step: nothing stored yet, the similar proposals listed by the server.
    preview = page.locator("section.preview")
    expect(preview.get_by_role("heading", level=3)).to_have_text(TITLE)
    expect(preview).to_contain_text("güvenli bir bisiklet yolu")
    expect(similar).to_be_visible()
    expect(similar.get_by_role("listitem")).to_have_text([f"{EXISTING_TITLE} (0 supports)"])
    expect(page.get_by_text("the image is not kept between the preview and publishing")).to_be_visible()
    expect(form.get_by_label("Title")).to_have_value(TITLE)
    expect(form.get_by_label("Category")).to_have_value(re.compile(r"^\d+$"))
    if check_similar_live:
        assert_no_axe_violations(page, "proposal preview")
    form.get_by_label("Image").set_input_files(png_image())
    form.get_by_role("button", name="Publish", exact=True).click()

    expect(page).to_have_url(re.compile(r"/proposals/\d+/$"))
    expect(messages(page)).to_contain_text("Your proposal is published.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("#proposal-state")).to_have_text("Published")
    expect(page.locator(".proposal-body")).to_contain_text(BODY)
    expect(page.locator("#timeline > li")).to_have_count(1)
    pk = int(re.search(r"/proposals/(\d+)/$", page.url).group(1))
    expect(page.locator("img.proposal-image")).to_have_attribute("src", stored_image(pk))
    return pk


def support(page):
    page.get_by_role("button", name="Support this proposal").click()
    expect(messages(page)).to_contain_text("Thank you for your support.")
    expect(page.get_by_role("button", name="Withdraw my support")).to_be_visible()


def answer(page):
    section = page.locator("section.staff").filter(has=page.get_by_role("heading", name="Answer as the municipality"))
    section.get_by_label("New state").select_option(label="Accepted")
    section.get_by_label("Official answer").fill(ANSWER)
    section.get_by_role("button", name="Publish the answer").click()
    expect(messages(page)).to_contain_text("The answer is published and the author and supporters are notified.")


def official_answer(page):
    return page.locator("section.answer")


def assert_notified(page, proposal_path):
    page.goto("/notifications/")
    link = page.get_by_role("main").get_by_role("link", name=NOTIFICATION_TITLE)
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", proposal_path)
    item = page.locator(".notifications > li").filter(has=page.get_by_role("link", name=NOTIFICATION_TITLE))
    expect(item).to_contain_text(TITLE)


def test_resident_proposes_others_support_and_an_official_answers(world, new_context, password, mailbox):
    author = log_in(new_context(), world.author, password, world.space_path)
    expect(author.get_by_role("heading", level=1)).to_have_text("Fikirler 2026")
    author.get_by_role("link", name="Make a proposal").click()
    expect(author).to_have_url(re.compile(re.escape(world.create_path) + "$"))
    expect(author.get_by_role("heading", level=1)).to_have_text("Make a proposal")

    # An empty submission: errors, no preview.
    form = author.locator("#proposal-form")
    form.get_by_role("button", name="Preview and check for similar proposals").click()
    expect(form.locator(".field-error")).to_have_count(2)
    expect(form.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    expect(author.locator("section.preview")).to_have_count(0)
    assert_no_axe_violations(author, "proposal form with errors")

    frames = SocketFrames(author)
    pk = propose(author, world, check_similar_live=True)
    path = f"/proposals/{pk}/"
    author.wait_for_load_state()
    frames.wait_for_subscription(f"proposal.{pk}")
    author_loads = count_loads(author)
    expect(support_count(author)).to_have_text("0")
    expect(author.get_by_role("link", name="Edit")).to_be_visible()

    # B supports: A's open page counts it without reloading.
    supporter = log_in(new_context(), world.supporter, password, path)
    expect(supporter.get_by_role("button", name="Support this proposal")).to_be_visible()
    expect(supporter.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert_no_axe_violations(supporter, "proposal page with the support form")
    support(supporter)
    expect(support_count(supporter)).to_have_text("1")
    expect(support_count(author)).to_have_text("1")
    expect(author.locator("#support-progress")).to_have_attribute("value", "1")
    assert author_loads == [], f"the author's page reloaded: {author_loads}"

    # C supports: the threshold (2) is reached; A's page reloads itself on that timeline event.
    second = log_in(new_context(), world.second_supporter, password, path)
    support(second)
    due = answer_due_text(pk)
    expect(second.locator(".support-box")).to_contain_text(due)
    expect(author.locator(".support-box")).to_contain_text(due)
    expect(support_count(author)).to_have_text("2")
    expect(author.locator("#timeline > li").last).to_contain_text("Reached the support threshold")
    expect(author.get_by_role("link", name="Edit")).to_have_count(0)

    # The department's official answers; A's page shows the answer.
    official = log_in(new_context(), world.official, password, path)
    assert_no_axe_violations(official, "proposal page with the answer form")
    answer(official)
    expect(official_answer(official)).to_contain_text(ANSWER)
    expect(official_answer(author).get_by_role("heading", level=2)).to_have_text("Official answer")
    expect(official_answer(author)).to_contain_text(ANSWER)
    expect(author.locator("#proposal-state")).to_have_text("Accepted")
    expect(author.locator(".support-box")).not_to_contain_text("must answer by")
    assert_no_axe_violations(author, "proposal page with the official answer")

    # A is told: in the notification list, and by e-mail (as is B, a supporter).
    for email in (world.author, world.supporter):
        message = mailbox.wait_for(to=email, subject=NOTIFICATION_TITLE)
        assert any(mailbox.local_path(link) == path for link in mailbox.links(message)), mailbox.body(message)
    notifications = author.context.new_page()
    assert_notified(notifications, path)

    # The space's list with both proposals.
    notifications.goto(world.space_path)
    cards = notifications.locator(".proposal-card")
    expect(cards).to_have_count(2)
    mine = cards.filter(has=notifications.get_by_role("link", name=TITLE, exact=True))
    expect(mine.locator(".badge").first).to_have_text("Accepted")
    expect(mine.locator(".supports")).to_have_text("2 supports")
    assert_no_axe_violations(notifications, "proposal space list")


def test_propose_support_and_answer_without_javascript(world, new_context, password):
    no_js = {"java_script_enabled": False}
    author = log_in(new_context(**no_js), world.author, password, world.space_path)
    author.get_by_role("link", name="Make a proposal").click()
    expect(author).to_have_url(re.compile(re.escape(world.create_path) + "$"))
    pk = propose(author, world, check_similar_live=False)
    path = f"/proposals/{pk}/"

    supporter = log_in(new_context(**no_js), world.supporter, password, path)
    support(supporter)
    expect(support_count(supporter)).to_have_text("1")
    second = log_in(new_context(**no_js), world.second_supporter, password, path)
    support(second)
    expect(support_count(second)).to_have_text("2")
    expect(second.locator(".support-box")).to_contain_text(answer_due_text(pk))

    official = log_in(new_context(**no_js), world.official, password, path)
    answer(official)
    expect(official_answer(official)).to_contain_text(ANSWER)

    author.reload()
    expect(author.locator("#proposal-state")).to_have_text("Accepted")
    expect(support_count(author)).to_have_text("2")
    expect(official_answer(author)).to_contain_text(ANSWER)
    assert_notified(author, path)
