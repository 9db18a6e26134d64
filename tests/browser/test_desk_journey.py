"""A complaint from submission to rating, in real browsers.

A resident submits a complaint with a photo and is shown a tracking code. An official of the
department the topic routes to redirects it; the other department's official answers. The resident
sees the whole timeline, closes the request and rates the answer; the municipality's administrator
finds it on the dashboard. The same submit form works with JavaScript switched off, a visitor without
an account follows the request with its code and e-mail address, and the public pages, the inbox and
the dashboard pass axe.
"""

import io
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .journeys import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = re.compile(r"MYD-[2-9A-Z]{4}-[2-9A-Z]{4}")
TEXT = "Bahariye Caddesi'nde kaldırım taşları kırık; yaşlılar düşüyor."
REASON = "Kaldırımlar Park ve Bahçeler Müdürlüğü'nün işi."
ANSWER = "Kaldırım taşları bu hafta yenilenecek. Teşekkür ederiz."


@dataclass
class DeskWorld:
    resident: str
    official: str
    other_official: str
    admin: str
    password: str
    topic_label: str
    other_department: str


def _png():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def world(asgi_server, make_user, make_organisation, password, tmp_path, settings):
    from django.db import connections

    from desk.models import Topic
    from meydan.accounts.models import Membership

    municipality = make_organisation(kind="municipality", name="Meydan Belediyesi", slug="meydan-belediyesi")
    roads = make_organisation(kind="department", name="Fen İşleri", slug="fen-isleri", parent=municipality)
    parks = make_organisation(kind="department", name="Park ve Bahçeler", slug="park-bahce", parent=municipality)
    Topic.objects.create(municipality=municipality, name="Yol ve kaldırım", department=roads)
    people = {}
    for key, organisation, role in (
        ("official", roads, "official"),
        ("other_official", parks, "official"),
        ("admin", municipality, "admin"),
    ):
        user = make_user(email=f"{key.replace('_', '-')}@example.org", display_name=key)
        Membership.objects.create(user=user, organisation=organisation, role=role)
        people[key] = user.email
    resident = make_user(email="selin@example.org", display_name="Selin")
    connections.close_all()
    return DeskWorld(
        resident=resident.email,
        password=password,
        topic_label="Yol ve kaldırım (Meydan Belediyesi)",
        other_department=parks.name,
        **people,
    )


def _submit_complaint(page, world, text=TEXT):
    page.goto("/desk/")
    form = page.get_by_role("main").locator("form.desk-form")
    form.get_by_label("Complaint").check()
    form.get_by_label("Topic").select_option(label=world.topic_label)
    form.get_by_label("Your message").fill(text)
    form.get_by_label("District or neighbourhood").fill("Moda")
    form.get_by_label("Photo").set_input_files({"name": "kaldirim.png", "mimeType": "image/png", "buffer": _png()})
    form.get_by_role("button", name="Send").click()
    expect(page.locator(".messages")).to_contain_text("Your tracking code is")
    code = CODE.search(page.locator(".messages").inner_text()).group(0)
    return code, page.url


def test_complaint_from_submission_to_rating(new_context, world):
    # The resident submits a complaint with a photo and gets a code.
    resident = log_in(new_context(), world.resident, world.password, "/desk/")
    assert_no_axe_violations(resident, "submit page")
    code, request_url = _submit_complaint(resident, world)
    expect(resident.get_by_role("heading", level=1)).to_contain_text(code)
    photo = resident.locator("img.request-photo")
    expect(photo).to_be_visible()
    assert resident.evaluate("img => img.naturalWidth", photo.element_handle()) == 64
    assert_no_axe_violations(resident, "request page (requester)")
    path = urlsplit(request_url).path

    # The roads official finds it in the inbox and redirects it to parks.
    official = log_in(new_context(), world.official, world.password, "/desk/inbox/")
    expect(official.get_by_role("link", name=re.compile(code))).to_be_visible()
    assert_no_axe_violations(official, "inbox")
    official.get_by_role("link", name=re.compile(code)).click()
    redirect = official.locator(f"form[action='{path}redirect/']")
    redirect.get_by_label("Send to").select_option(label=world.other_department)
    redirect.get_by_label("Reason (the requester sees it)").fill(REASON)
    redirect.get_by_role("button", name="Redirect").click()
    expect(official.locator(".messages")).to_contain_text("The request is redirected.")

    # The parks official answers.
    other = log_in(new_context(), world.other_official, world.password, "/desk/inbox/")
    other.get_by_role("link", name=re.compile(code)).click()
    answer = other.locator(f"form[action='{path}answer/']")
    answer.get_by_label("Answer to the requester").fill(ANSWER)
    answer.get_by_role("button", name="Send the answer").click()
    expect(other.locator(".messages")).to_contain_text("The answer is published")

    # The resident sees the timeline, closes the request and rates the answer.
    resident.goto(path)
    timeline = resident.locator("ol.timeline")
    expect(timeline).to_contain_text("Redirected")
    expect(timeline).to_contain_text(REASON)
    expect(timeline).to_contain_text(ANSWER)
    resident.locator(f"form[action='{path}close/']").get_by_role("button", name="Close the request").click()
    expect(resident.locator(".messages")).to_contain_text("The request is closed.")
    rate = resident.locator("form#rate")
    rate.get_by_label("Satisfied", exact=True).check()
    rate.get_by_label("Comment (optional)").fill("Hızlı cevap, teşekkürler.")
    rate.get_by_role("button", name="Send the rating").click()
    expect(resident.get_by_text("You rated the answer 4 out of 5")).to_be_visible()

    # The municipality's administrator finds it on the dashboard.
    admin = log_in(new_context(), world.admin, world.password, "/desk/dashboard/")
    figures = admin.locator("dl.key-figures")
    expect(figures.locator("dd").first).to_have_text("1")
    expect(figures).to_contain_text("of 5 (1 rating)")
    departments = admin.locator("section[aria-labelledby='department-title'] table")
    expect(departments).to_contain_text(world.other_department)
    expect(admin.locator("figure svg").first).to_be_visible()
    assert_no_axe_violations(admin, "dashboard")

    # A visitor without an account follows it with the code and the e-mail address.
    visitor = new_context().new_page()
    visitor.goto("/desk/lookup/")
    assert_no_axe_violations(visitor, "lookup page")
    form = visitor.get_by_role("main").locator("form")
    form.get_by_label("Tracking code").fill(code.lower())
    form.get_by_label("E-mail address").fill(world.resident)
    form.get_by_role("button", name="Show the request").click()
    expect(visitor.locator("ol.timeline")).to_contain_text(ANSWER)
    assert_no_axe_violations(visitor, "request page (looked up)")

    # The open-data summary counts it, without any personal data.
    visitor.goto("/desk/open-data/")
    expect(visitor.locator("section[aria-labelledby='month-title'] tfoot")).to_contain_text("1")
    content = visitor.content()
    assert TEXT not in content and world.resident not in content and code not in content
    assert_no_axe_violations(visitor, "open data page")


def test_submit_form_works_without_javascript(new_context, world):
    context = new_context(java_script_enabled=False)
    page = log_in(context, world.resident, world.password, "/desk/")
    code, _url = _submit_complaint(page, world, text="JavaScript kapalıyken de gönderilir.")
    expect(page.locator("ol.timeline")).to_contain_text("Received")
    from desk.models import Request

    assert Request.objects.get(tracking_code=code).photo
