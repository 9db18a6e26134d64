"""The consultation level: paragraphs kept in step with the published draft, the consultation page,
the page of one paragraph with its comments, and the questionnaire's permissions."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation

from comments.models import Comment
from consultations.models import ConsultationPage, Paragraph
from questionnaires.models import Response

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "resident", "ngo_member", "ngo_admin", "official", "editor", "comms_approver")
PHASES = ("upcoming", "open", "closed", "reported")
SIGNED_IN = ROLES[1:]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def block(block_id, heading, text):
    return {"type": "paragraph", "id": block_id, "value": {"heading": heading, "text": f"<p>{text}</p>"}}


def draft(count, prefix="b"):
    return [block(f"{prefix}{n}", f"Heading {n}", f"Text of paragraph {n}.") for n in range(1, count + 1)]


QUESTIONS = [
    {
        "type": "single_choice",
        "id": "park",
        "value": {
            "question": "Which park needs work first?",
            "help_text": "",
            "required": True,
            "options": [
                {"type": "item", "value": "North park", "id": "north"},
                {"type": "item", "value": "South park", "id": "south"},
            ],
        },
    },
    {
        "type": "free_text",
        "id": "ideas",
        "value": {"question": "Other ideas?", "help_text": "", "required": False, "max_length": 200},
    },
]


def republish(page, blocks):
    page = ConsultationPage.objects.get(pk=page.pk)
    page.draft = blocks
    page.save_revision().publish()
    return ConsultationPage.objects.get(pk=page.pk)


def rows(page):
    return {row.block_id: (row.number, row.heading, row.withdrawn) for row in Paragraph.objects.filter(page=page)}


def comment_on(paragraph, user, text="A comment", organisation=None):
    return Comment.objects.create(
        content_type=ContentType.objects.get_for_model(Paragraph),
        object_id=paragraph.pk,
        author=user,
        text=text,
        organisation=organisation,
    )


# Paragraph sync -------------------------------------------------------------------------------------


def test_publishing_creates_numbered_paragraphs_from_the_draft(make_page):
    page = make_page("consultation", draft=draft(3))
    assert rows(page) == {
        "b1": (1, "Heading 1", False),
        "b2": (2, "Heading 2", False),
        "b3": (3, "Heading 3", False),
    }


def test_editing_the_text_keeps_the_paragraph_and_its_comments(make_page, make_user):
    page = make_page("consultation", draft=draft(2))
    paragraph = Paragraph.objects.get(page=page, block_id="b2")
    comment = comment_on(paragraph, make_user())
    page = republish(page, [block("b1", "Heading 1", "Text 1"), block("b2", "New heading", "Rewritten text.")])
    paragraph.refresh_from_db()
    assert (paragraph.number, paragraph.heading, paragraph.withdrawn) == (2, "New heading", False)
    assert Comment.objects.filter(pk=comment.pk, object_id=paragraph.pk).exists()
    assert Paragraph.objects.filter(page=page).count() == 2


def test_reordering_renumbers_and_adding_creates(make_page):
    page = make_page("consultation", draft=draft(3))
    blocks = draft(3)
    page = republish(page, [blocks[2], block("new", "Added", "Added text."), blocks[0], blocks[1]])
    assert rows(page) == {
        "b3": (1, "Heading 3", False),
        "new": (2, "Added", False),
        "b1": (3, "Heading 1", False),
        "b2": (4, "Heading 2", False),
    }


def test_removing_withdraws_and_keeps_comments_and_restoring_brings_it_back(make_page, make_user):
    page = make_page("consultation", draft=draft(3))
    removed = Paragraph.objects.get(page=page, block_id="b2")
    comment = comment_on(removed, make_user())
    blocks = draft(3)
    page = republish(page, [blocks[0], blocks[2]])
    assert rows(page) == {"b1": (1, "Heading 1", False), "b2": (2, "Heading 2", True), "b3": (2, "Heading 3", False)}
    assert Comment.objects.filter(pk=comment.pk).exists()
    page = republish(page, blocks)
    assert rows(page)["b2"] == (2, "Heading 2", False)


def test_saving_a_draft_without_publishing_changes_nothing(make_page):
    page = make_page("consultation", draft=draft(2))
    page = ConsultationPage.objects.get(pk=page.pk)
    page.draft = draft(1)
    page.save_revision()
    assert rows(page) == {"b1": (1, "Heading 1", False), "b2": (2, "Heading 2", False)}


# The consultation page ------------------------------------------------------------------------------


def test_page_shows_numbered_paragraphs_with_comment_counts_and_links(client, make_page, make_user):
    page = make_page("consultation", draft=draft(3))
    second = Paragraph.objects.get(page=page, block_id="b2")
    author = make_user()
    comment_on(second, author)
    comment_on(second, author, text="Another")
    Comment.objects.create(
        content_type=ContentType.objects.get_for_model(Paragraph),
        object_id=second.pk,
        author=author,
        text="",
        is_deleted=True,
    )
    html = client.get(page.url).text
    assert 'id="paragraph-1"' in html and 'id="paragraph-3"' in html
    assert "Text of paragraph 2." in html
    assert f'href="/consultations/paragraph/{second.pk}/"' in html
    assert "Comment on paragraph 2 (2 comments)" in html  # the deleted one is not counted
    assert "Comment on paragraph 1 (0 comments)" in html
    assert html.index('id="paragraph-1"') < html.index('id="paragraph-2"') < html.index('id="paragraph-3"')


@pytest.mark.parametrize(
    ("phase", "overdue", "expected"),
    [
        ("upcoming", False, "Opens on"),
        ("open", False, "Open until"),
        ("closed", False, "outcome report due on"),
        ("closed", True, "outcome report overdue since"),
        ("reported", False, "The outcome report was published on"),
    ],
)
def test_phase_notes(client, make_page, phase, overdue, expected):
    page = make_page("consultation", phase=phase, report_due_days=0 if overdue else 30)
    html = client.get(page.url).text
    assert expected in html
    if phase == "closed" and not overdue:
        assert "overdue" not in html


def test_reported_page_links_to_the_report_when_it_exists(client, make_page):
    page = make_page("consultation", phase="reported")
    html = client.get(page.url).text
    try:
        url = reverse("consultations:report", args=[page.pk])
    except Exception:  # noqa: BLE001 - the report view is built separately; the page must render without it
        pytest.skip("consultations:report is not there yet")
    assert f'href="{url}"' in html


def test_withdrawn_paragraphs_with_comments_stay_reachable(client, make_page, make_user):
    page = make_page("consultation", draft=draft(2))
    removed = Paragraph.objects.get(page=page, block_id="b2")
    comment_on(removed, make_user(), text="Please keep this paragraph")
    page = republish(page, draft(1))
    html = client.get(page.url).text
    assert "Paragraphs removed from the draft" in html
    assert f"/consultations/paragraph/{removed.pk}/" in html
    detail = client.get(reverse("consultations:paragraph", args=[removed.pk]))
    assert detail.status_code == 200
    assert "removed from the draft" in detail.text
    assert "Please keep this paragraph" in detail.text


def test_questionnaire_form_while_open_and_results_after_closing(client, make_page, people):
    open_page = make_page("consultation", phase="open", questions=QUESTIONS)
    closed_page = make_page("consultation", phase="closed", questions=QUESTIONS)
    client.force_login(people["resident"])
    html = client.get(open_page.url).text
    assert 'name="q-park"' in html
    assert "Questionnaire results" not in html
    html = client.get(closed_page.url).text
    assert 'name="q-park"' not in html
    assert "Questionnaire results" in html
    # Staff follow the results while the consultation runs.
    client.force_login(people["official"])
    assert "Questionnaire results" in client.get(open_page.url).text


def test_anonymous_page_is_cached_and_signed_in_page_is_not(client, make_page, people):
    page = make_page("consultation", draft=draft(1))
    response = client.get(page.url)
    assert getattr(response, "meydan_cache_seconds", 0) > 0
    client.force_login(people["resident"])
    response = client.get(page.url)
    assert not getattr(response, "meydan_cache_seconds", 0)


def test_new_paragraph_comment_clears_the_anonymous_page_cache(
    client, make_page, make_user, django_capture_on_commit_callbacks
):
    page = make_page("consultation", draft=draft(1))
    paragraph = Paragraph.objects.get(page=page)
    assert "(0 comments)" in client.get(page.url).text
    with django_capture_on_commit_callbacks(execute=True):
        comment_on(paragraph, make_user())
    assert "(1 comment)" in client.get(page.url).text


def _populate(page, paragraphs, comments_each, author):
    page = republish(page, draft(paragraphs, prefix=f"p{page.pk}-"))
    content_type = ContentType.objects.get_for_model(Paragraph)
    Comment.objects.bulk_create(
        Comment(content_type=content_type, object_id=paragraph.pk, author=author, text=f"Comment {n}")
        for paragraph in Paragraph.objects.filter(page=page)
        for n in range(comments_each)
    )
    return page


@pytest.mark.parametrize("role", ["anonymous", "ngo_admin", "official"])
def test_page_queries_are_bounded_and_flat_in_paragraphs_and_comments(
    client, make_page, people, make_user, role, django_assert_max_num_queries
):
    author = make_user()
    small = _populate(make_page("consultation", questions=QUESTIONS), 2, 1, author)
    large = _populate(make_page("consultation", questions=QUESTIONS), 40, 10, author)
    if people[role]:
        client.force_login(people[role])
    # Warm the content type cache and the site lookup on another page (a cached page would skip queries).
    client.get(_populate(make_page("consultation", questions=QUESTIONS), 1, 1, author).url)
    # Signed in, about half the queries are the session, Wagtail routing and the header's permission checks.
    bound = 15 if role == "anonymous" else 23
    with django_assert_max_num_queries(bound) as few:
        assert client.get(small.url).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(large.url)
    assert "Comment on paragraph 40 (10 comments)" in response.text


# One paragraph ----------------------------------------------------------------------------------


def test_paragraph_page_shows_text_thread_and_neighbours(client, make_page, make_user):
    page = make_page("consultation", draft=draft(3))
    first, second, third = Paragraph.objects.filter(page=page).order_by("number")
    comment_on(second, make_user(display_name="Ayşe"), text="Widen the pavement")
    html = client.get(reverse("consultations:paragraph", args=[second.pk])).text
    assert "Paragraph 2" in html and "Heading 2" in html and "Text of paragraph 2." in html
    assert "Widen the pavement" in html and "Ayşe" in html
    assert f'href="/consultations/paragraph/{first.pk}/" rel="prev"' in html
    assert f'href="/consultations/paragraph/{third.pk}/" rel="next"' in html
    assert f"{page.url}#paragraph-2" in html
    edge = client.get(reverse("consultations:paragraph", args=[first.pk])).text
    assert 'rel="prev"' not in edge


def test_paragraph_of_an_unpublished_page_is_not_found(client, make_page):
    page = make_page("consultation", draft=draft(1))
    paragraph = Paragraph.objects.get(page=page)
    page.unpublish()
    assert client.get(reverse("consultations:paragraph", args=[paragraph.pk])).status_code == 404
    assert client.get(reverse("consultations:paragraph", args=[999_999])).status_code == 404


def _post_comment(client, paragraph, text="I support this paragraph", **extra):
    content_type = ContentType.objects.get_for_model(Paragraph)
    url = reverse("comments:post", args=[content_type.pk, paragraph.pk])
    return client.post(url, {"text": text, "alignment": "for", **extra})


# Who may comment on a paragraph: every confirmed account while the consultation is open; nobody before
# or after. Anonymous readers are asked to log in.
COMMENT_POLICY = {(role, phase): role != "anonymous" and phase == "open" for role in ROLES for phase in PHASES}


@pytest.mark.parametrize(("role", "phase"), sorted(COMMENT_POLICY))
def test_comment_on_paragraph_grid(client, make_page, people, role, phase):
    page = make_page("consultation", phase=phase, draft=draft(1))
    paragraph = Paragraph.objects.get(page=page)
    if people[role]:
        client.force_login(people[role])
    response = _post_comment(client, paragraph)
    stored = Comment.objects.filter(object_id=paragraph.pk).exists()
    if COMMENT_POLICY[(role, phase)]:
        assert response.status_code == 302
        assert response["Location"].startswith(f"/consultations/paragraph/{paragraph.pk}/")
        assert stored
    else:
        assert response.status_code == 403
        assert not stored
        expected = "Log in to take part." if role == "anonymous" else "This participation is not open"
        assert expected in response.text


def test_ngo_admin_comments_as_the_organisations_official_response(client, make_page, people, ngo):
    page = make_page("consultation", draft=draft(1))
    paragraph = Paragraph.objects.get(page=page)
    client.force_login(people["ngo_admin"])
    form_html = client.get(reverse("consultations:paragraph", args=[paragraph.pk])).text
    assert f"Official response of {ngo.name}" in form_html
    assert _post_comment(client, paragraph, organisation=str(ngo.pk)).status_code == 302
    assert Comment.objects.get(object_id=paragraph.pk).organisation == ngo
    # A member who is not an administrator cannot speak for the organisation.
    client.force_login(people["ngo_member"])
    response = _post_comment(client, paragraph, organisation=str(ngo.pk))
    assert response.status_code in (400, 403)
    assert Comment.objects.filter(object_id=paragraph.pk).count() == 1


def test_withdrawn_paragraph_refuses_new_comments(client, make_page, people):
    page = make_page("consultation", draft=draft(2))
    removed = Paragraph.objects.get(page=page, block_id="b2")
    republish(page, draft(1))
    client.force_login(people["resident"])
    response = _post_comment(client, removed)
    assert response.status_code == 403
    assert "removed from the draft" in response.text
    assert not Comment.objects.filter(object_id=removed.pk).exists()


@pytest.mark.parametrize(
    ("role", "moderates"),
    [("anonymous", False), ("resident", False), ("ngo_admin", False), ("editor", False), ("official", True)],
)
def test_paragraph_comments_are_moderated_by_the_pages_staff(make_page, people, role, moderates):
    from comments import targets

    page = make_page("consultation", draft=draft(1))
    paragraph = Paragraph.objects.get(page=page)
    registration = targets.for_object(paragraph)
    user = people[role] or AnonymousUser()
    assert bool(registration.can_moderate(user, paragraph)) is moderates
    assert registration.organisation_voice


# Questionnaire ----------------------------------------------------------------------------------


def _respond(client, page, answer="north"):
    content_type = ContentType.objects.get_for_model(ConsultationPage)
    url = reverse("questionnaires:respond", args=[content_type.pk, page.pk])
    return client.post(url, {"q-park": answer, "next": page.url})


RESPOND_POLICY = COMMENT_POLICY


@pytest.mark.parametrize(("role", "phase"), sorted(RESPOND_POLICY))
def test_respond_to_questionnaire_grid(client, make_page, people, role, phase):
    page = make_page("consultation", phase=phase, questions=QUESTIONS)
    if people[role]:
        client.force_login(people[role])
    response = _respond(client, page)
    stored = Response.objects.filter(object_id=page.pk).exists()
    if RESPOND_POLICY[(role, phase)]:
        assert response.status_code == 302
        assert stored
    else:
        assert response.status_code == 403
        assert not stored


def test_questionnaire_answers_stay_after_closing_and_cannot_change(client, make_page, people):
    page = make_page("consultation", phase="open", questions=QUESTIONS)
    client.force_login(people["resident"])
    assert _respond(client, page, "north").status_code == 302
    ConsultationPage.objects.filter(pk=page.pk).update(closes_at=timezone.now())
    assert _respond(client, page, "south").status_code == 403
    assert Response.objects.get(object_id=page.pk).answers["park"] == "north"


def test_question_that_does_not_exist_is_refused(client, make_page, people):
    page = make_page("consultation", phase="open", questions=QUESTIONS)
    client.force_login(people["resident"])
    assert _respond(client, page, "west").status_code == 400
    assert not Response.objects.filter(object_id=page.pk).exists()


RESULTS_POLICY = {
    # (role, phase): may see the aggregated results
    **{(role, phase): phase in ("closed", "reported") for role in ROLES for phase in PHASES},
    **{("official", phase): True for phase in PHASES},
}


@pytest.mark.parametrize(("role", "phase"), sorted(RESULTS_POLICY))
def test_questionnaire_results_grid(client, make_page, people, role, phase):
    page = make_page("consultation", phase=phase, questions=QUESTIONS)
    if people[role]:
        client.force_login(people[role])
    content_type = ContentType.objects.get_for_model(ConsultationPage)
    response = client.get(reverse("questionnaires:results", args=[content_type.pk, page.pk]))
    if RESULTS_POLICY[(role, phase)]:
        assert response.status_code == 200
    else:
        assert response.status_code in (403, 404)


def test_free_text_answers_are_for_staff_only(client, make_page, people):
    page = make_page("consultation", phase="open", questions=QUESTIONS)
    client.force_login(people["resident"])
    content_type = ContentType.objects.get_for_model(ConsultationPage)
    url = reverse("questionnaires:respond", args=[content_type.pk, page.pk])
    client.post(url, {"q-park": "north", "q-ideas": "A secret idea about benches", "next": page.url})
    ConsultationPage.objects.filter(pk=page.pk).update(closes_at=timezone.now())
    results = reverse("questionnaires:results", args=[content_type.pk, page.pk])
    assert "A secret idea about benches" not in client.get(results).text
    client.force_login(people["official"])
    assert "A secret idea about benches" in client.get(results).text
