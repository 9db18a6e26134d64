"""A consultation from the editor's draft to "you said, we did", in real browsers.

1. An editor of the participation pages builds a consultation in the Wagtail admin (a draft in three
   paragraphs and a questionnaire) and submits it to the communications office, which approves and
   publishes it: only then is the page public, its paragraphs numbered.
2. An NGO administrator comments on paragraph 2 as the organisation's official response, uploads a
   position paper and answers the questionnaire. The consultation closes; an official of the
   responsible department records an outcome for every contribution and publishes the report; the NGO
   administrator finds each outcome on the report and on the organisation's contributions page.
3. Every public page type of the participation levels passes axe.

Each step builds what it needs in the database, so a step can pass while another one is unfinished.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from .journeys import AXE, assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Park yönetmeliği taslağı"
SLUG = "park-yonetmeligi"
SUMMARY = "İlçedeki parkların halkla birlikte yönetilmesi için hazırlanan yönetmelik taslağı."
PARAGRAPHS = [
    ("Amaç", "Bu yönetmelik, parkların halkla birlikte yönetilmesini düzenler."),
    ("Park gönüllüleri", "Mahalle sakinleri ve dernekler park gönüllüsü olarak kayıt olabilir."),
    ("Bütçe", "Her yıl park bütçesinin yüzde onu katılımcı bütçe ile belirlenir."),
]
CHOICE_QUESTION = "Parkların bakımını kim üstlenmeli?"
CHOICE_OPTIONS = ["Belediye", "Gönüllüler ve belediye birlikte"]
LIKERT_QUESTION = "Taslak, parkların yönetimine katılımı artırır."
COMMENT = "Gönüllülerin sigortası belediye tarafından karşılanmalıdır."
PAPER_TITLE = "Park gönüllüleri için öneriler"
PAPER_SUMMARY = "Derneğimiz gönüllülerin eğitim ve sigortasının güvence altına alınmasını öneriyor."
COMMENT_REASON = "Sigorta, 5. maddeye eklendi."
PAPER_REASON = "Eğitim önerisi kabul edildi; sigorta bütçe nedeniyle kısmen karşılanacak."
REPORT_INTRO = "Katkılarınız için teşekkür ederiz. Her katkıya ne yaptığımızı aşağıda bulabilirsiniz."


@dataclass
class World:
    index_pk: int
    index_path: str
    ngo_slug: str
    ngo_name: str
    department_name: str
    editor: str
    approver: str
    ngo_admin: str
    official: str


@pytest.fixture
def world(asgi_server, make_user, make_organisation):
    """A municipality with its participation index (and so its editors' group, communications office
    and approval workflow), a department, a verified NGO, and one person per role; committed and the
    connections closed, so the server process sees it all."""
    from django.db import connections

    from consultations.models import ParticipationIndexPage
    from consultations.workflow import ensure_participation_workflow
    from meydan.accounts.models import Membership
    from meydan.site_setup import ensure_home_site

    municipality = make_organisation(kind="municipality", name="Moda Belediyesi", slug="moda-belediyesi")
    department = make_organisation(kind="department", name="Park ve Bahçeler", slug="park-bahce", parent=municipality)
    ngo = make_organisation(kind="ngo", name="Moda Doğa Derneği", slug="moda-doga")
    index = ensure_home_site().add_child(
        instance=ParticipationIndexPage(title="Katılım", slug="katilim", municipality=municipality)
    )
    groups = ensure_participation_workflow(index)
    make_user(email="editor@example.org", display_name="Eda Editör").groups.add(groups.editors)
    make_user(email="approver@example.org", display_name="İlker İletişim").groups.add(groups.approvers)
    ngo_admin = make_user(email="ngo-admin@example.org", display_name="Nur Dernek")
    Membership.objects.create(user=ngo_admin, organisation=ngo, role=Membership.Role.ADMIN)
    official = make_user(email="official@example.org", display_name="Osman Memur")
    Membership.objects.create(user=official, organisation=department, role=Membership.Role.OFFICIAL)
    index_path = ParticipationIndexPage.objects.get(pk=index.pk).url
    connections.close_all()
    yield World(
        index_pk=index.pk,
        index_path=index_path,
        ngo_slug=ngo.slug,
        ngo_name=ngo.name,
        department_name=department.name,
        editor="editor@example.org",
        approver="approver@example.org",
        ngo_admin="ngo-admin@example.org",
        official="official@example.org",
    )
    _remove_uploads()


def _remove_uploads():
    """The position papers this test stored, before the database (and the rows naming them) is flushed."""
    from django.db import connections

    from consultations.models import PositionPaper

    for paper in PositionPaper.objects.exclude(file=""):
        paper.file.storage.delete(paper.file.name)
    connections.close_all()


# --- The Wagtail admin ------------------------------------------------------------------------
# Wagtail's editor is built by JavaScript; these helpers hold the selectors read from its HTML:
# form fields by their `name`, choosers by `#id_<field>-chooser`, StreamField children by
# `[data-streamfield-child]` inside the field's `[data-contentpath]`, Draftail by its textbox role.


def admin_log_in(context, email, password):
    page = context.new_page()
    page.goto("/admin/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    return page


def admin_field(page, name):
    return page.locator(f'[name="{name}"]')


def choose_organisation(page, field, name):
    page.locator(f"#id_{field}-chooser [data-chooser-action-choose]").click()
    modal = page.locator(".modal")
    modal.get_by_role("link", name=name, exact=True).click()
    expect(modal).to_be_hidden()
    expect(page.locator(f"#id_{field}-chooser [data-chooser-title]")).to_have_text(name)


def set_datetime(page, field, value):
    """Type the date, then confirm it with Enter once the picker is open (it opens a moment after the
    field gets focus): Enter closes it, keeps the typed value and does not submit the form. The
    picker must be closed before anything else is clicked: closing it on that click moves the page
    under the pointer, and the click is lost."""
    text = value.strftime("%Y-%m-%d %H:%M")
    pickers = page.locator(".xdsoft_datetimepicker:visible")
    page.locator(f"#id_{field}").fill(text)
    expect(pickers).to_have_count(1)
    page.locator(f"#id_{field}").press("Enter")
    expect(pickers).to_have_count(0)
    expect(page.locator(f"#id_{field}")).to_have_value(text)


def stream(page, field):
    return page.locator(f'[data-contentpath="{field}"]')


def add_paragraph(page, heading, text):
    """Append a paragraph block (the draft's only block type, so the "+" inserts it at once)."""
    draft = stream(page, "draft")
    index = draft.locator("[data-streamfield-child]").count()
    draft.locator("button.c-sf-add-button").last.click()
    expect(draft.locator("[data-streamfield-child]")).to_have_count(index + 1)
    admin_field(page, f"draft-{index}-value-heading").fill(heading)
    draft.locator("[data-streamfield-child]").nth(index).get_by_role("textbox").last.click()
    page.keyboard.type(text)


def add_question(page, block_label):
    """Append a question block chosen by its label in the block picker; returns its form prefix."""
    questions = stream(page, "questions")
    index = questions.locator('[name$="-type"][name^="questions-"]:not([name*="-value-"])').count()
    questions.locator("button.c-sf-add-button").last.click()
    page.get_by_role("option", name=block_label, exact=True).click()
    prefix = f"questions-{index}-value"
    expect(admin_field(page, f"{prefix}-question")).to_be_visible()
    return prefix


def add_single_choice(page, question, options):
    prefix = add_question(page, "Single choice")
    admin_field(page, f"{prefix}-question").fill(question)
    admin_field(page, f"{prefix}-options-0-value").fill(options[0])
    block = (
        stream(page, "questions")
        .locator("[data-streamfield-child]")
        .filter(has=admin_field(page, f"{prefix}-question"))
    )
    for number, option in enumerate(options[1:], start=1):
        block.locator("[data-streamfield-list-add]").last.click()
        admin_field(page, f"{prefix}-options-{number}-value").fill(option)


def add_likert(page, statement):
    prefix = add_question(page, "Agreement scale (1–5)")
    admin_field(page, f"{prefix}-question").fill(statement)
    # The scale's labels come filled with their defaults.
    expect(admin_field(page, f"{prefix}-label_1")).to_have_value("Strongly disagree")


def footer_action(page, selector):
    """A button of the editor's footer, found by its attributes (its label carries the workflow's
    name, which is translated): the primary one, or one inside the "More actions" menu."""
    footer = page.locator("footer")
    button = footer.locator(selector)
    if not button.is_visible():
        footer.locator(".w-dropdown__toggle").last.click()
    expect(button).to_be_visible()
    return button


def consultation_row():
    from django.db import connections

    from consultations.models import ConsultationPage

    page = ConsultationPage.objects.filter(slug=SLUG).first()
    connections.close_all()
    return page


def test_editor_builds_a_consultation_and_the_communications_office_publishes_it(world, new_context, password):
    from django.utils import timezone

    now = timezone.localtime()
    editor = admin_log_in(new_context(), world.editor, password)
    editor.goto(f"/admin/pages/add/consultations/consultationpage/{world.index_pk}/")
    expect(editor.get_by_role("heading", level=1)).to_contain_text("New: Consultation")
    admin_field(editor, "title").fill(TITLE)
    admin_field(editor, "summary").fill(SUMMARY)
    choose_organisation(editor, "municipality", "Moda Belediyesi")
    choose_organisation(editor, "responsible", world.department_name)
    set_datetime(editor, "opens_at", now - timedelta(hours=1))
    set_datetime(editor, "closes_at", now + timedelta(days=14))
    for heading, text in PARAGRAPHS:
        add_paragraph(editor, heading, text)
    add_single_choice(editor, CHOICE_QUESTION, CHOICE_OPTIONS)
    add_likert(editor, LIKERT_QUESTION)
    editor.get_by_role("tab", name="Promote").click()
    admin_field(editor, "slug").fill(SLUG)
    editor.get_by_role("tab", name="Content").click()

    # Editors may not publish: their only way out is the communications office's approval.
    expect(editor.locator('footer [name="action-publish"]')).to_have_count(0)
    submit = footer_action(editor, '[name="action-submit"]')
    expect(submit).to_have_text(re.compile(r"^\s*Submit to "))
    submit.click()
    expect(editor.locator(".messages")).to_contain_text(f"Page '{TITLE}' has been submitted for moderation.")

    stored = consultation_row()
    assert stored is not None, "the consultation was not created"
    assert not stored.live, "the editor's consultation went live without approval"
    public_path = f"{world.index_path}{SLUG}/"
    anonymous = new_context().new_page()
    assert anonymous.goto(public_path).status == 404, "a consultation waiting for approval is public"

    # The communications office approves from the page's editor: approving the last task publishes.
    approver = admin_log_in(new_context(), world.approver, password)
    awaiting = approver.locator("#awaiting-review-section")
    expect(awaiting.get_by_role("link", name=TITLE)).to_be_visible()
    approver.goto(f"/admin/pages/{stored.pk}/edit/")
    expect(approver.locator('footer [name="action-publish"]')).to_have_count(1)
    approve = footer_action(approver, '[data-workflow-action-name="approve"]:not([data-workflow-action-modal-url])')
    expect(approve).to_have_text("Approve and Publish")
    approve.click()
    expect(approver.locator(".messages")).to_contain_text(TITLE)

    published = consultation_row()
    assert published.live, "the approved consultation is not live"
    assert [block.value["heading"] for block in published.draft] == [heading for heading, _text in PARAGRAPHS]
    assert [child.block_type for child in published.questions] == ["single_choice", "likert"]
    assert [str(option) for option in published.questions[0].value["options"]] == CHOICE_OPTIONS
    assert published.is_open(), "the consultation should be open: it opened an hour ago"

    response = anonymous.goto(public_path)
    assert response.status == 200
    expect(anonymous.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(anonymous.locator(".paragraphs > li h3")).to_have_text(
        [f"Paragraph {number}: {heading}" for number, (heading, _text) in enumerate(PARAGRAPHS, start=1)]
    )
    expect(anonymous.locator("#paragraph-2 .paragraph-text")).to_contain_text(PARAGRAPHS[1][1])
    # Publishing through the workflow made the paragraphs that people comment on.
    expect(anonymous.locator(".paragraph-comments a")).to_have_text(
        [f"Comment on paragraph {number} (0 comments)" for number in range(1, len(PARAGRAPHS) + 1)]
    )
    expect(anonymous.locator(".questionnaire-preview > li")).to_have_text([CHOICE_QUESTION, LIKERT_QUESTION])


# --- Pages built in the database --------------------------------------------------------------


def _uid():
    return str(uuid.uuid4())


def draft_stream():
    return [
        {"type": "paragraph", "id": _uid(), "value": {"heading": heading, "text": f"<p>{text}</p>"}}
        for heading, text in PARAGRAPHS
    ]


def questions_stream():
    # Option ids as Wagtail's editor stores them: answers stay attached to their option across edits.
    options = [{"type": "item", "id": _uid(), "value": option} for option in CHOICE_OPTIONS]
    return [
        {
            "type": "single_choice",
            "id": _uid(),
            "value": {"question": CHOICE_QUESTION, "help_text": "", "required": True, "options": options},
        },
        {
            "type": "likert",
            "id": _uid(),
            "value": {
                "question": LIKERT_QUESTION,
                "help_text": "",
                "required": True,
                "label_1": "Hiç katılmıyorum",
                "label_2": "Katılmıyorum",
                "label_3": "Kararsızım",
                "label_4": "Katılıyorum",
                "label_5": "Tamamen katılıyorum",
            },
        },
    ]


def publish_page(world, model, **fields):
    """A page of `model` under the index, published the way an approved revision is; returns (pk, path)."""
    from django.db import connections
    from django.utils import timezone

    from consultations.models import ParticipationIndexPage
    from meydan.accounts.models import Organisation

    now = timezone.now()
    fields.setdefault("summary", SUMMARY)
    fields.setdefault("opens_at", now - timedelta(days=2))
    fields.setdefault("closes_at", now + timedelta(days=14))
    fields.setdefault("municipality", Organisation.objects.get(slug="moda-belediyesi"))
    fields.setdefault("responsible", Organisation.objects.get(slug="park-bahce"))
    fields.setdefault("contact_name", "Park ve Bahçeler")
    fields.setdefault("contact_email", "park@example.org")
    page = model(**fields)
    ParticipationIndexPage.objects.get(pk=world.index_pk).add_child(instance=page)
    page.save_revision().publish()
    page = model.objects.get(pk=page.pk)
    result = page.pk, page.url
    connections.close_all()
    return result


def publish_consultation(world, **fields):
    from consultations.models import ConsultationPage

    fields.setdefault("title", TITLE)
    fields.setdefault("slug", SLUG)
    return publish_page(world, ConsultationPage, draft=draft_stream(), questions=questions_stream(), **fields)


def close_consultation(pk):
    """The closing date passes (a date is all it takes: no job runs at closing)."""
    from django.db import connections
    from django.utils import timezone

    from consultations.models import ConsultationPage
    from meydan.pagecache import pages_changed

    ConsultationPage.objects.filter(pk=pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    pages_changed()
    connections.close_all()


def minimal_pdf(text):
    """A small, valid one-page PDF (cross-reference table with real offsets)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def messages(page):
    return page.locator(".messages")


# --- Step 2: the NGO takes part, staff record outcomes, the NGO reads "you said, we did" -------


def comment_as_organisation(page, world):
    page.get_by_role("link", name=re.compile(r"^Comment on paragraph 2 \(0 comments\)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Paragraph 2: {PARAGRAPHS[1][0]}")
    form = page.locator("form.comment-form")
    form.get_by_label("Your comment").fill(COMMENT)
    form.get_by_label("Comment as").select_option(label=f"Official response of {world.ngo_name}")
    form.get_by_role("button", name="Publish comment").click()
    comment = page.locator(".comment-list > li").filter(has_text=COMMENT)
    expect(comment).to_have_count(1)
    expect(comment.locator(".badge-official")).to_have_text(f"Official response of {world.ngo_name}")
    page.get_by_role("link", name=re.compile(r"^Back to the consultation")).click()
    expect(page.locator("#paragraph-2 .paragraph-comments")).to_contain_text("(1 comment)")


def submit_position_paper(page, world):
    section = page.locator("#position-papers")
    form = section.locator("form.paper-form")
    expect(form.get_by_label("On behalf of")).to_have_value(re.compile(r"^\d+$"))
    form.get_by_label("Title").fill(PAPER_TITLE)
    form.get_by_label("Summary").fill(PAPER_SUMMARY)
    # A file that only claims to be a PDF is refused with the reason; the text typed is kept.
    fake = {"name": "gorus.pdf", "mimeType": "application/pdf", "buffer": b"GIF89a not a document"}
    form.get_by_label("PDF file").set_input_files(fake)
    form.get_by_role("button", name="Publish the position paper").click()
    expect(form.locator(".errorlist")).to_contain_text("This file is not a PDF document.")
    expect(section.locator(".empty")).to_have_text("No organisation has submitted a position paper yet.")
    expect(form.get_by_label("Title")).to_have_value(PAPER_TITLE)
    expect(form.get_by_label("Summary")).to_have_value(PAPER_SUMMARY)
    pdf = {"name": "gorus.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf("Park gonulluleri")}
    form.get_by_label("PDF file").set_input_files(pdf)
    form.get_by_role("button", name="Publish the position paper").click()
    expect(messages(page)).to_contain_text(f"The position paper of {world.ngo_name} is published.")
    paper = section.locator(".papers > li").filter(has_text=PAPER_TITLE)
    expect(paper.locator(".badge-official")).to_have_text(f"Official position of {world.ngo_name}")
    download = paper.get_by_role("link", name=re.compile(r"^Download"))
    response = page.request.get(download.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.body().startswith(b"%PDF-")


def answer_questionnaire(page, world):
    section = page.locator("section.questionnaire").first
    section.get_by_role("group", name=re.compile(re.escape(CHOICE_QUESTION))).get_by_label(CHOICE_OPTIONS[1]).check()
    section.get_by_role("group", name=re.compile(re.escape(LIKERT_QUESTION))).get_by_role(
        "radio", name="4 Katılıyorum"
    ).check()
    section.get_by_label("Answer as").select_option(label=f"On behalf of {world.ngo_name}")
    section.get_by_role("button", name="Send my answers").click()
    expect(page.locator(".questionnaire-status").first).to_contain_text(f"on behalf of {world.ngo_name}")


def record_outcome(page, text, decision, reason):
    """Record the outcome of the contribution containing `text` on the staff screen."""
    row = page.locator("li.contribution").filter(has_text=text)
    form = row.locator("form.record-outcome")
    form.get_by_label(decision, exact=True).check()
    form.get_by_label("Reason").fill(reason)
    form.get_by_role("button", name="Save the outcome").click()
    expect(messages(page)).to_contain_text("The outcome is saved.")
    expect(row.locator(".outcome")).to_contain_text(f"Outcome: {decision}")


def test_ngo_takes_part_staff_record_outcomes_and_the_ngo_sees_what_was_done(world, new_context, password):
    pk, path = publish_consultation(world)

    ngo = log_in(new_context(), world.ngo_admin, password, path)
    expect(ngo.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert_no_axe_violations(ngo, "consultation page with the NGO's forms")
    comment_as_organisation(ngo, world)
    submit_position_paper(ngo, world)
    answer_questionnaire(ngo, world)
    assert_no_axe_violations(ngo, "consultation page after the NGO took part")

    close_consultation(pk)
    ngo.reload()
    expect(ngo.locator(".phase-notes")).to_contain_text("outcome report due on")
    expect(ngo.locator("form.paper-form")).to_have_count(0)

    # The department's official goes through every contribution, then publishes the report.
    official = log_in(new_context(), world.official, password, f"/consultations/{pk}/outcomes/")
    expect(official.get_by_role("heading", level=1)).to_have_text("Outcomes of the contributions")
    expect(official.locator("#outcome-progress")).to_have_text("0 of 2 contributions have an outcome")
    assert_no_axe_violations(official, "staff outcomes screen")
    record_outcome(official, COMMENT, "Adopted", COMMENT_REASON)
    record_outcome(official, PAPER_TITLE, "Partly adopted", PAPER_REASON)
    expect(official.locator("#outcome-progress")).to_have_text("2 of 2 contributions have an outcome")
    official.get_by_role("link", name="Publish the report").click()
    official.get_by_label("Introduction to the report").fill(REPORT_INTRO)
    official.get_by_role("button", name="Publish the report and notify contributors").click()
    expect(messages(official)).to_contain_text("The outcome report is published and every contributor is notified.")
    expect(official).to_have_url(re.compile(rf"/consultations/{pk}/report/$"))

    # The NGO is told, and reads the report: each of its contributions with what was done.
    report_path = f"/consultations/{pk}/report/"
    ngo.reload()
    expect(ngo.locator(".phase-notes")).to_contain_text("The outcome report was published on")
    expect(ngo.get_by_role("link", name=re.compile(r"^Read the outcome report"))).to_have_attribute("href", report_path)
    ngo.goto("/notifications/")
    ngo.get_by_role("main").get_by_role("link", name=f"The outcome report of “{TITLE}” is published").click()
    expect(ngo).to_have_url(re.compile(re.escape(report_path) + "$"))
    expect(ngo.get_by_role("heading", level=1)).to_have_text(f"You said, we did: {TITLE}")
    expect(ngo.locator(".report-intro")).to_contain_text(REPORT_INTRO)
    comment = ngo.locator('section[aria-labelledby="by-paragraph"] li.contribution').filter(has_text=COMMENT)
    expect(comment.locator(".contribution-meta")).to_contain_text(f"{world.ngo_name} (official response)")
    expect(comment.locator(".outcome")).to_contain_text("Outcome: Adopted")
    expect(comment.locator(".outcome-reason")).to_contain_text(COMMENT_REASON)
    paper = ngo.locator("li.contribution").filter(has_text=PAPER_TITLE)
    expect(paper.locator(".outcome")).to_contain_text("Outcome: Partly adopted")
    expect(paper.locator(".outcome-reason")).to_contain_text(PAPER_REASON)
    by_organisation = ngo.locator('section[aria-labelledby="by-organisation"] section')
    ours = by_organisation.filter(has=ngo.get_by_role("heading", name=world.ngo_name, exact=True))
    expect(ours.locator("tbody tr")).to_have_text(
        [
            re.compile(rf"Position paper: {re.escape(PAPER_TITLE)}\s+Partly adopted\s+{re.escape(PAPER_REASON)}"),
            re.compile(rf"Comment on paragraph 2: {re.escape(COMMENT)}\s+Adopted\s+{re.escape(COMMENT_REASON)}"),
        ]
    )
    assert_no_axe_violations(ngo, "published outcome report")

    # And on the organisation's own page, everything it said in one place.
    ngo.goto(f"/consultations/organisations/{world.ngo_slug}/")
    expect(ngo.get_by_role("heading", level=1)).to_have_text(f"Contributions of {world.ngo_name}")
    comments = ngo.locator('section[aria-labelledby="comments-title"] .contributions > li')
    expect(comments).to_have_count(1)
    expect(comments.first).to_contain_text(f"{TITLE}, paragraph 2")
    expect(comments.first.locator(".you-said-we-did")).to_contain_text(f"Outcome: Adopted — {COMMENT_REASON}")
    papers = ngo.locator('section[aria-labelledby="papers-title"] .contributions > li')
    expect(papers).to_have_count(1)
    expect(papers.first).to_contain_text(PAPER_TITLE)
    expect(papers.first.locator(".you-said-we-did")).to_contain_text(f"Outcome: Partly adopted — {PAPER_REASON}")
    answers = ngo.locator('section[aria-labelledby="answers-title"] .contributions > li')
    expect(answers).to_have_count(1)
    expect(answers.first).to_contain_text(TITLE)
    assert_no_axe_violations(ngo, "organisation's contributions page")


# --- Step 3: axe on every public page type of the participation levels ------------------------


def build_every_level(world):
    """One page of each level with the content that makes its template show most of its parts;
    returns {name: path}."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections
    from django.utils import timezone

    from comments.models import Comment
    from consultations.models import (
        Application,
        ConsultationPage,
        Decision,
        DialoguePage,
        InformationPage,
        JointStatement,
        Milestone,
        Outcome,
        Paragraph,
        PartnershipMember,
        PartnershipPage,
        Question,
        Theme,
    )
    from meydan.accounts.models import Organisation, User

    now = timezone.now()
    ngo = Organisation.objects.get(slug=world.ngo_slug)
    ngo_admin = User.objects.get(email=world.ngo_admin)
    official = User.objects.get(email=world.official)
    resident = User.objects.create_user(email="resident@example.org", password="x" * 20, display_name="Rana Sakin")
    paragraph_type = ContentType.objects.get_for_model(Paragraph)
    paths = {"index": world.index_path}

    information_pk, paths["information"] = publish_page(
        world, InformationPage, title="2027 bütçe taslağı", slug="butce-2027", answer_days=10
    )
    Question.objects.create(
        page_id=information_pk,
        author=resident,
        text="Parklara ne kadar ayrıldı?",
        created_at=now - timedelta(days=3),
        answer="Bütçenin yüzde sekizi.",
        answered_by=official,
        answered_at=now - timedelta(days=1),
    )
    # Older than the promised response time and unanswered: marked overdue.
    Question.objects.create(
        page_id=information_pk,
        author=ngo_admin,
        organisation=ngo,
        text="Ağaç dikimi?",
        created_at=now - timedelta(days=30),
    )

    consultation_pk, paths["consultation"] = publish_consultation(world)
    paragraphs = list(Paragraph.objects.filter(page_id=consultation_pk).order_by("number"))
    Comment.objects.create(
        content_type=paragraph_type, object_id=paragraphs[1].pk, author=ngo_admin, organisation=ngo, text=COMMENT
    )
    Comment.objects.create(
        content_type=paragraph_type, object_id=paragraphs[1].pk, author=resident, text="Katılıyorum."
    )
    paths["paragraph"] = f"/consultations/paragraph/{paragraphs[1].pk}/"

    reported_pk, _path = publish_consultation(
        world,
        title="Otopark yönetmeliği",
        slug="otopark",
        opens_at=now - timedelta(days=40),
        closes_at=now - timedelta(days=10),
    )
    reported_paragraph = Paragraph.objects.filter(page_id=reported_pk, number=1).get()
    comment = Comment.objects.create(
        content_type=paragraph_type, object_id=reported_paragraph.pk, author=ngo_admin, organisation=ngo, text=COMMENT
    )
    Outcome.objects.create(page_id=reported_pk, comment=comment, decision="adopted", reason=COMMENT_REASON)
    theme = Theme.objects.create(page_id=reported_pk, title="Güvenlik", summary="Aydınlatma istendi.", answer_count=4)
    Outcome.objects.create(page_id=reported_pk, theme=theme, decision="out_of_scope", reason="Başka bir birimin işi.")
    ConsultationPage.objects.filter(pk=reported_pk).update(report_published_at=now, report_intro=REPORT_INTRO)
    paths["report"] = f"/consultations/{reported_pk}/report/"

    dialogue_pk, paths["dialogue"] = publish_page(
        world,
        DialoguePage,
        title="Sahil düzenlemesi diyaloğu",
        slug="sahil",
        public_summary="<p>İlk toplantıda yürüyüş yolu konuşuldu.</p>",
    )
    Application.objects.create(
        page_id=dialogue_pk,
        applicant=ngo_admin,
        organisation=ngo,
        statement="Sahilde doğa koruma çalışıyoruz.",
        represents="120 üye",
        status=Application.Status.APPROVED,
        decided_by=official,
        decided_at=now,
    )

    partnership_pk, paths["partnership"] = publish_page(
        world, PartnershipPage, title="Mahalle bahçeleri ortaklığı", slug="bahceler"
    )
    PartnershipMember.objects.create(page_id=partnership_pk, organisation=ngo, role="Eş başkan")
    today = timezone.localdate()
    Milestone.objects.create(page_id=partnership_pk, title="Pilot bahçe", due_on=today - timedelta(days=5))
    Milestone.objects.create(
        page_id=partnership_pk, title="Değerlendirme", due_on=today + timedelta(days=30), status="done"
    )
    decision = Decision.objects.create(page_id=partnership_pk, decided_on=today, text="Pilot Moda'da başlar.")
    decision.agreed.add(ngo)
    JointStatement.objects.create(
        page_id=partnership_pk, title="Ortak açıklama", published_on=today, body="<p>Birlikte çalışıyoruz.</p>"
    )
    connections.close_all()
    return paths


PAGE_HEADINGS = {
    "index": "Katılım",
    "information": "2027 bütçe taslağı",
    "consultation": TITLE,
    "paragraph": f"Paragraph 2: {PARAGRAPHS[1][0]}",
    "dialogue": "Sahil düzenlemesi diyaloğu",
    "partnership": "Mahalle bahçeleri ortaklığı",
    "report": "You said, we did: Otopark yönetmeliği",
}
# Where forms appear, the pages are also checked as the NGO administrator.
WITH_FORMS = ("information", "consultation", "paragraph", "dialogue", "report")


def axe_report(page, label):
    """The lines describing `page`'s axe violations (empty when there are none)."""
    violations = AXE.run(page).response["violations"]
    lines = [f"{len(violations)} axe violation(s) on the {label} ({page.url}):"] if violations else []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '')}")
    return lines


@pytest.mark.parametrize("viewer", ["anonymous", "ngo_admin"])
def test_every_participation_page_type_has_no_axe_violations(world, new_context, password, viewer):
    """All page types in one test per viewer (one world to build), every page's violations reported."""
    paths = build_every_level(world)
    names = list(PAGE_HEADINGS) if viewer == "anonymous" else list(WITH_FORMS)
    context = new_context()
    page = context.new_page() if viewer == "anonymous" else log_in(context, world.ngo_admin, password, paths["index"])
    problems = []
    for name in names:
        response = page.goto(paths[name])
        assert response.status == 200, f"the {name} page ({paths[name]}) answered {response.status}"
        expect(page.get_by_role("heading", level=1)).to_have_text(PAGE_HEADINGS[name])
        problems += axe_report(page, f"{name} page as {viewer.replace('_', ' ')}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
