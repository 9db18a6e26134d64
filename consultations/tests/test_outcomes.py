"""Recording outcomes: what a contribution is, who may record outcomes when, and hostile input."""

import pytest
from django.urls import reverse

from consultations.models import Outcome, Theme
from consultations.services import ParticipationRefused
from consultations.services import outcomes as services
from consultations.tests.conftest import ROLES

from .test_outcomes_fixtures import *  # noqa: F403 - fixtures: consultation, official, residents, english
from .test_outcomes_fixtures import add_comment, add_outcome, add_paper, add_theme, key_of, login

pytestmark = pytest.mark.django_db
PHASES = ("upcoming", "open", "closed", "reported")

# What each role gets when recording an outcome (one or in bulk), per phase of the consultation.
# 302: stored, back to the list. 403: not theirs. 409: not in this phase (still open / report published).
RECORD_POLICY = {
    #                  upcoming  open  closed  reported
    "anonymous": (403, 403, 403, 403),
    "resident": (403, 403, 403, 403),
    "ngo_member": (403, 403, 403, 403),
    "ngo_admin": (403, 403, 403, 403),
    "official": (409, 409, 302, 409),
    "editor": (403, 403, 403, 403),
    "comms_approver": (403, 403, 403, 403),
}
REFUSAL_TEXT = {
    403: ("Log in to take part.", "Only the officials responsible for this consultation may record outcomes."),
    409: ("The consultation is still open", "The outcome report is published"),
}
# The staff screen: officials in every phase (read-only outside "closed"), nobody else.
SCREEN_POLICY = {role: (200 if role == "official" else 403) for role in ROLES}


def _grid(policy):
    return [(role, phase, policy[role][n]) for role in ROLES for n, phase in enumerate(PHASES)]


def _assert_refused(response, status):
    assert response.status_code == status
    assert any(text in response.text for text in REFUSAL_TEXT[status]), response.text[:2000]


@pytest.mark.parametrize(("role", "phase", "expected"), _grid(RECORD_POLICY))
def test_permission_grid_record_one(client, people, consultation, ngo, role, phase, expected):
    page = consultation(phase)
    comment = add_comment(page, 1, people["resident"])
    login(client, people[role])
    response = client.post(
        reverse("consultations:outcome_record", args=[page.pk]),
        {
            "contribution": key_of(comment),
            f"{key_of(comment)}-decision": "adopted",
            f"{key_of(comment)}-reason": "Done.",
        },
    )
    if expected == 302:
        assert response.status_code == 302
        outcome = Outcome.objects.get(comment=comment)
        assert (outcome.decision, outcome.reason, outcome.decided_by) == ("adopted", "Done.", people[role])
    else:
        _assert_refused(response, expected)
        assert not Outcome.objects.exists()


@pytest.mark.parametrize(("role", "phase", "expected"), _grid(RECORD_POLICY))
def test_permission_grid_record_in_bulk(client, people, consultation, ngo, role, phase, expected):
    page = consultation(phase)
    comment = add_comment(page, 1, people["resident"])
    paper = add_paper(page, ngo, people["ngo_admin"])
    login(client, people[role])
    response = client.post(
        reverse("consultations:outcome_bulk", args=[page.pk]),
        {"contribution": [key_of(comment), key_of(paper)], "bulk-decision": "partly", "bulk-reason": "In part."},
    )
    if expected == 302:
        assert response.status_code == 302
        assert Outcome.objects.filter(decision="partly", reason="In part.").count() == 2
    else:
        _assert_refused(response, expected)
        assert not Outcome.objects.exists()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", PHASES)
def test_permission_grid_staff_screen(client, people, consultation, role, phase):
    page = consultation(phase)
    add_comment(page, 1, people["resident"], text="Secret until reviewed? No: public, but the screen is staff-only.")
    login(client, people[role])
    response = client.get(reverse("consultations:outcomes", args=[page.pk]))
    assert response.status_code == SCREEN_POLICY[role]
    if SCREEN_POLICY[role] == 200:
        assert "1 of 1 contributions have an outcome" not in response.text
        assert "0 of 1 contributions have an outcome" in response.text
        # Forms only while outcomes may be recorded.
        assert ('name="bulk-decision"' in response.text) == (phase == "closed")
    else:
        assert "Secret until reviewed" not in response.text


# What a contribution is -----------------------------------------------------------------------


def test_contributions_are_top_level_visible_comments_papers_and_themes(people, consultation, ngo, make_page):
    page = consultation("closed")
    author = people["resident"]
    kept = add_comment(page, 2, author, text="Second paragraph idea")
    first = add_comment(page, 1, author, text="First paragraph idea")
    official_response = add_comment(page, 1, people["ngo_admin"], text="NGO view", organisation=ngo)
    add_comment(page, 1, author, text="a reply", parent=first)
    add_comment(page, 1, author, text="", is_deleted=True)
    add_comment(page, 1, author, text="rude", hidden=True, hidden_reason="insult")
    other_page = consultation("closed")
    add_comment(other_page, 1, author, text="elsewhere")
    paper = add_paper(page, ngo, people["ngo_admin"])
    theme = add_theme(page)

    rows = services.contributions(page)

    assert [row.key for row in rows] == [key_of(c) for c in (first, official_response, kept, paper, theme)]
    assert [row.paragraph.number if row.paragraph else None for row in rows] == [1, 1, 2, None, None]
    assert rows[1].organisation == ngo and rows[0].organisation is None
    entries = services.contribution_index(page, services.paragraphs_of(page))
    assert [entry.key for entry in entries] == [row.key for row in rows]
    assert services.progress(entries) == (0, 5)
    add_outcome(page, first)
    assert services.progress(services.contribution_index(page, services.paragraphs_of(page))) == (1, 5)


def test_contributions_take_a_bounded_number_of_queries(people, consultation, ngo, django_assert_num_queries):
    page = consultation("closed")
    services.paragraph_content_type()  # cached for the process, like in production
    for n in range(30):
        comment = add_comment(page, 1 + n % 3, people["resident"], organisation=ngo if n % 5 == 0 else None)
        if n % 2:
            add_outcome(page, comment)
    add_paper(page, ngo, people["ngo_admin"])
    add_theme(page)
    with django_assert_num_queries(4):
        rows = services.contributions(page)
        assert len(rows) == 32
        assert all(row.outcome is None or row.outcome.reason for row in rows)
        assert [row.organisation_name for row in rows]


# Recording: the service -----------------------------------------------------------------------


def test_an_outcome_can_be_changed_until_the_report_is_published(people, consultation, official):
    page = consultation("closed")
    comment = add_comment(page, 1, people["resident"])
    services.record_outcome(official, page, key_of(comment), decision="adopted", reason="First thought.")
    services.record_outcome(official, page, key_of(comment), decision="not_adopted", reason="  On reflection.  ")
    outcome = Outcome.objects.get(comment=comment)
    assert (outcome.decision, outcome.reason, outcome.page_id) == ("not_adopted", "On reflection.", page.pk)
    services.publish_report(official, page)
    with pytest.raises(ParticipationRefused) as refused:
        services.record_outcome(official, page, key_of(comment), decision="adopted", reason="Changed my mind.")
    assert refused.value.code == "bad_state"
    outcome.refresh_from_db()
    assert (outcome.decision, outcome.reason) == ("not_adopted", "On reflection.")


@pytest.mark.parametrize(
    ("decision", "reason", "code"),
    [
        ("approved", "A reason", "invalid"),
        ("", "A reason", "invalid"),
        (None, "A reason", "invalid"),
        ("adopted", "", "invalid"),
        ("adopted", "   \n ", "invalid"),
        ("adopted", None, "invalid"),
        ("adopted", "x" * 2001, "too_long"),
    ],
)
def test_bad_decisions_and_reasons_are_refused_and_keep_the_saved_outcome(
    people, consultation, official, decision, reason, code
):
    page = consultation("closed")
    comment = add_comment(page, 1, people["resident"])
    add_outcome(page, comment, decision="partly", reason="Saved before.")
    with pytest.raises(ParticipationRefused) as refused:
        services.record_outcome(official, page, key_of(comment), decision=decision, reason=reason)
    assert refused.value.code == code
    assert Outcome.objects.get(comment=comment).reason == "Saved before."


def test_a_reason_of_exactly_the_limit_is_accepted(people, consultation, official):
    page = consultation("closed")
    comment = add_comment(page, 1, people["resident"])
    services.record_outcome(official, page, key_of(comment), decision="out_of_scope", reason="y" * 2000)
    assert len(Outcome.objects.get(comment=comment).reason) == 2000


@pytest.mark.parametrize(
    "make_key",
    [
        lambda ctx: "comment-999999999",
        lambda ctx: "paper-999999",
        lambda ctx: "theme-0",
        lambda ctx: "comment-abc",
        lambda ctx: "../comment-1",
        lambda ctx: "user-1",
        lambda ctx: "comment-" + "9" * 40,
        lambda ctx: key_of(ctx["other_page_comment"]),
        lambda ctx: key_of(ctx["other_page_paper"]),
        lambda ctx: key_of(ctx["other_page_theme"]),
        lambda ctx: key_of(ctx["reply"]),
        lambda ctx: key_of(ctx["hidden"]),
        lambda ctx: key_of(ctx["deleted"]),
    ],
)
def test_outcomes_only_for_this_pages_contributions(people, consultation, official, ngo, make_key):
    page, other = consultation("closed"), consultation("closed")
    author = people["resident"]
    good = add_comment(page, 1, author)
    ctx = {
        "other_page_comment": add_comment(other, 1, author),
        "other_page_paper": add_paper(other, ngo, people["ngo_admin"]),
        "other_page_theme": add_theme(other),
        "reply": add_comment(page, 1, author, text="reply", parent=good),
        "hidden": add_comment(page, 1, author, text="hidden", hidden=True, hidden_reason="spam"),
        "deleted": add_comment(page, 1, author, text="", is_deleted=True),
    }
    with pytest.raises(ParticipationRefused) as refused:
        # A bad key in a batch refuses the batch: the good one is not stored either.
        services.record_outcomes(official, page, [key_of(good), make_key(ctx)], decision="adopted", reason="Yes.")
    assert refused.value.code == "not_found"
    assert not Outcome.objects.exists()


def test_bulk_is_bounded_and_needs_a_selection(people, consultation, official):
    page = consultation("closed")
    comments = [add_comment(page, 1, people["resident"], text=f"idea {n}") for n in range(3)]
    with pytest.raises(ParticipationRefused) as refused:
        services.record_outcomes(official, page, [], decision="adopted", reason="Yes.")
    assert refused.value.code == "invalid"
    too_many = [key_of(comments[0])] + [f"comment-{n}" for n in range(10**6, 10**6 + services.BULK_MAX)]
    with pytest.raises(ParticipationRefused) as refused:
        services.record_outcomes(official, page, too_many, decision="adopted", reason="Yes.")
    assert refused.value.code == "invalid"
    # Duplicates count once.
    saved = services.record_outcomes(
        official, page, [key_of(c) for c in comments] * 2, decision="adopted", reason="Yes."
    )
    assert len(saved) == 3 and Outcome.objects.count() == 3


def test_bulk_updates_existing_and_creates_new_outcomes(people, consultation, official, ngo):
    page = consultation("closed")
    old = add_comment(page, 1, people["resident"])
    add_outcome(page, old, decision="adopted", reason="Old")
    new = add_paper(page, ngo, people["ngo_admin"])
    services.record_outcomes(official, page, [key_of(old), key_of(new)], decision="out_of_scope", reason="Not ours.")
    assert (
        sorted(Outcome.objects.values_list("decision", "reason", "decided_by"))
        == [("out_of_scope", "Not ours.", official.pk)] * 2
    )


# Recording: the views -------------------------------------------------------------------------


def _post_one(client, page, key, decision="adopted", reason="Done.", back=""):
    return client.post(
        reverse("consultations:outcome_record", args=[page.pk]),
        {"contribution": key, f"{key}-decision": decision, f"{key}-reason": reason, "back": back},
    )


@pytest.mark.parametrize(
    ("decision", "reason", "status", "message"),
    [
        ("approved", "Done.", 400, "Choose one of the outcomes."),
        ("adopted", "", 400, "Give the reason for this outcome"),
        ("adopted", "x" * 2001, 400, "Ensure this value has at most 2000 characters"),
    ],
)
def test_the_list_comes_back_with_the_input_kept(
    client, people, consultation, official, decision, reason, status, message
):
    page = consultation("closed")
    comment = add_comment(page, 1, people["resident"])
    add_outcome(page, comment, decision="partly", reason="Saved before.")
    login(client, official)
    response = _post_one(client, page, key_of(comment), decision, reason)
    assert response.status_code == status
    assert message in response.text
    if reason:
        assert reason[:100] in response.text  # the textarea keeps what was typed
    assert Outcome.objects.get(comment=comment).reason == "Saved before."


def test_unknown_contribution_in_the_view_is_404_and_stores_nothing(client, people, consultation, official):
    page, other = consultation("closed"), consultation("closed")
    elsewhere = add_comment(other, 1, people["resident"])
    login(client, official)
    response = _post_one(client, page, key_of(elsewhere))
    assert response.status_code == 404
    assert "not a contribution to this consultation" in response.text
    response = _post_one(client, page, "<script>alert(1)</script>")
    assert response.status_code == 404
    assert "<script>alert(1)" not in response.text
    assert not Outcome.objects.exists()


def test_saving_returns_to_the_same_filters(client, people, consultation, official):
    page = consultation("closed")
    comment = add_comment(page, 1, people["resident"])
    login(client, official)
    response = _post_one(client, page, key_of(comment), back="view=organisation&missing=1&page=2&evil=x")
    assert response.status_code == 302
    assert response.url == reverse("consultations:outcomes", args=[page.pk]) + "?view=organisation&missing=1&page=2"
    response = _post_one(client, page, key_of(comment), back="https://evil.example/")
    assert response.url == reverse("consultations:outcomes", args=[page.pk])


def test_bulk_view_refuses_a_foreign_id_and_keeps_the_selection(client, people, consultation, official):
    page, other = consultation("closed"), consultation("closed")
    mine = add_comment(page, 1, people["resident"])
    theirs = add_comment(other, 1, people["resident"])
    login(client, official)
    response = client.post(
        reverse("consultations:outcome_bulk", args=[page.pk]),
        {"contribution": [key_of(mine), key_of(theirs)], "bulk-decision": "adopted", "bulk-reason": "Kept reason"},
    )
    assert response.status_code == 404
    assert "1 of the selected contributions is not a contribution to this consultation." in response.text
    assert f'value="{key_of(mine)}" id="select-{key_of(mine)}" checked' in response.text
    assert "Kept reason" in response.text
    assert not Outcome.objects.exists()


def test_outcome_for_an_unpublished_page_is_404(client, people, consultation, official):
    page = consultation("closed")
    comment = add_comment(page, 1, people["resident"])
    page.unpublish()
    login(client, official)
    assert _post_one(client, page, key_of(comment)).status_code == 404
    assert client.get(reverse("consultations:outcomes", args=[page.pk])).status_code == 404
    assert not Outcome.objects.exists()


# The staff screen -----------------------------------------------------------------------------


def test_screen_groups_filters_and_shows_progress(client, people, consultation, official, ngo):
    page = consultation("closed")
    with_outcome = add_comment(page, 2, people["resident"], text="Done idea")
    add_outcome(page, with_outcome)
    add_comment(page, 1, people["resident"], text="Open idea")
    add_comment(page, 3, people["ngo_admin"], text="NGO idea", organisation=ngo)
    add_paper(page, ngo, people["ngo_admin"], title="NGO paper")
    add_theme(page, title="Bus stops")
    login(client, official)
    url = reverse("consultations:outcomes", args=[page.pk])

    response = client.get(url)
    text = response.text
    assert "1 of 5 contributions have an outcome" in text
    assert text.index("Paragraph 1: Heading 1") < text.index("Open idea") < text.index("Paragraph 2: Heading 2")
    assert text.index("Done idea") < text.index("NGO idea") < text.index("NGO paper") < text.index("Bus stops")
    # Individuals are not named on the screen either: the outcome is about what was said.
    assert people["resident"].display_name not in text and people["resident"].email not in text

    missing = client.get(url, {"missing": "1"}).text
    assert "Open idea" in missing and "Done idea" not in missing

    by_org = client.get(url, {"view": "organisation"}).text
    assert "NGO idea" in by_org and "NGO paper" in by_org and "Open idea" not in by_org
    assert by_org.index("NGO paper") < by_org.index("NGO idea")  # the paper first, then comments

    # Unknown filter values fall back to the defaults.
    assert client.get(url, {"view": "<x>", "missing": "yes", "page": "abc"}).status_code == 200


def test_screen_shows_due_and_overdue(client, people, consultation, official):
    from datetime import timedelta

    from django.utils import timezone

    page = consultation("closed", report_due_days=30)
    login(client, official)
    url = reverse("consultations:outcomes", args=[page.pk])
    assert "Outcome report due on" in client.get(url).text
    overdue = consultation("closed", report_due_days=0)
    assert overdue.closes_at + timedelta(days=0) < timezone.now()
    assert "The outcome report is overdue" in client.get(reverse("consultations:outcomes", args=[overdue.pk])).text


def test_screen_paginates_with_flat_queries(client, people, consultation, official, ngo, django_assert_max_num_queries):
    page = consultation("closed")
    for n in range(5):
        add_comment(page, 1 + n % 3, people["resident"], text=f"idea {n}")
    login(client, official)
    url = reverse("consultations:outcomes", args=[page.pk])
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        assert client.get(url).status_code == 200
    assert len(small.captured_queries) >= 3  # the count is real, not an empty log
    for n in range(5, 120):
        comment = add_comment(
            page, 1 + n % 3, people["resident"], text=f"idea {n}", organisation=ngo if n % 7 else None
        )
        if n % 2:
            add_outcome(page, comment)
    with django_assert_max_num_queries(len(small.captured_queries)):
        first = client.get(url)
    assert first.text.count('class="record-outcome"') == 50
    assert "Page 1 of 3" in first.text
    third = client.get(url, {"page": 3}).text
    assert third.count('class="record-outcome"') == 20


# Themes ---------------------------------------------------------------------------------------


def test_staff_create_edit_and_delete_themes(client, people, consultation, official):
    page = consultation("closed")
    login(client, official)
    url = reverse("consultations:themes", args=[page.pk])
    response = client.post(url, {"title": "  Safer   crossings ", "summary": "Many asked.", "answer_count": "42"})
    assert response.status_code == 302
    theme = Theme.objects.get(page=page)
    assert (theme.title, theme.answer_count, theme.created_by) == ("Safer crossings", 42, official)
    edit = reverse("consultations:theme_edit", args=[page.pk, theme.pk])
    assert client.post(edit, {"title": "Crossings", "summary": "Many.", "answer_count": "40"}).status_code == 302
    theme.refresh_from_db()
    assert (theme.title, theme.answer_count) == ("Crossings", 40)
    add_outcome(page, theme)
    response = client.post(reverse("consultations:theme_delete", args=[page.pk, theme.pk]))
    assert response.status_code == 302
    assert not Theme.objects.exists() and not Outcome.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"title": "", "summary": "S", "answer_count": "1"},
        {"title": "T", "summary": "", "answer_count": "1"},
        {"title": "T", "summary": "S", "answer_count": "-1"},
        {"title": "T", "summary": "S", "answer_count": "many"},
        {"title": "T" * 201, "summary": "S", "answer_count": "1"},
        {"title": "T", "summary": "S" * 2001, "answer_count": "1"},
    ],
)
def test_bad_themes_are_refused_with_the_input_kept(client, consultation, official, data):
    page = consultation("closed")
    login(client, official)
    response = client.post(reverse("consultations:themes", args=[page.pk]), data)
    assert response.status_code == 400
    assert "Check the theme." in response.text
    assert not Theme.objects.exists()


def test_themes_are_per_page_and_frozen_after_the_report(client, people, consultation, official):
    page, other = consultation("closed"), consultation("closed")
    foreign = add_theme(other, title="Foreign")
    login(client, official)
    assert client.post(reverse("consultations:theme_delete", args=[page.pk, foreign.pk])).status_code == 404
    assert client.get(reverse("consultations:theme_edit", args=[page.pk, foreign.pk])).status_code == 404
    with pytest.raises(ParticipationRefused):
        services.edit_theme(official, page, foreign.pk, title="Mine now", summary="S", answer_count=1)
    foreign.refresh_from_db()
    assert foreign.title == "Foreign"

    reported = consultation("reported")
    theme = add_theme(reported)
    response = client.post(reverse("consultations:theme_delete", args=[reported.pk, theme.pk]))
    assert response.status_code == 409
    assert Theme.objects.filter(pk=theme.pk).exists()
    response = client.post(
        reverse("consultations:themes", args=[reported.pk]), {"title": "Late", "summary": "S", "answer_count": "1"}
    )
    assert response.status_code == 409
    assert not Theme.objects.filter(title="Late").exists()


@pytest.mark.parametrize("role", [role for role in ROLES if role != "official"])
def test_only_staff_manage_themes(client, people, consultation, role):
    page = consultation("closed")
    theme = add_theme(page)
    login(client, people[role])
    assert client.get(reverse("consultations:themes", args=[page.pk])).status_code == 403
    response = client.post(
        reverse("consultations:themes", args=[page.pk]), {"title": "Mine", "summary": "S", "answer_count": "1"}
    )
    assert response.status_code == 403
    assert client.post(reverse("consultations:theme_delete", args=[page.pk, theme.pk])).status_code == 403
    assert list(Theme.objects.values_list("title", flat=True)) == ["Safer crossings"]
