"""Fixtures of the outcome, report and export tests (no tests here).

Contributions are made as rows, the way the consultation page's own views (another module) store
them: paragraph comments as `comments.Comment` on a `Paragraph`, position papers, questionnaire
`Response` rows with the page as host, and themes.
"""

import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from comments.models import Comment
from consultations.models import ConsultationPage, Outcome, Paragraph, PositionPaper, Theme
from meydan.accounts.models import Membership

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the site's default language is Turkish)."""
    with translation.override("en"):
        yield


@pytest.fixture
def consultation(make_page):
    """make_consultation(phase, paragraphs=3) -> a published consultation with numbered paragraphs."""

    def make(phase="closed", paragraphs=3, **fields):
        page = make_page("consultation", phase=phase, **fields)
        for number in range(1, paragraphs + 1):
            Paragraph.objects.create(page=page, block_id=f"block-{number}", number=number, heading=f"Heading {number}")
        return page

    return make


def paragraph(page, number):
    return Paragraph.objects.get(page=page, number=number)


def add_comment(page, number, author, text="I suggest more trees.", organisation=None, parent=None, **fields):
    target = paragraph(page, number)
    return Comment.objects.create(
        content_type=ContentType.objects.get_for_model(Paragraph),
        object_id=target.pk,
        author=author,
        text=text,
        organisation=organisation,
        parent=parent,
        **fields,
    )


def add_paper(page, organisation, submitted_by, title="Our position", summary="We support the plan with changes."):
    return PositionPaper.objects.create(
        page=page,
        organisation=organisation,
        submitted_by=submitted_by,
        title=title,
        summary=summary,
        file=f"position-papers/{next(_numbers)}.pdf",
    )


def add_theme(page, title="Safer crossings", summary="Many asked for safer crossings.", answer_count=12):
    return Theme.objects.create(page=page, title=title, summary=summary, answer_count=answer_count)


def add_response(page, respondent, organisation=None, answers=None):
    from questionnaires.models import Response

    return Response.objects.create(
        content_type=ContentType.objects.get_for_model(ConsultationPage),
        object_id=page.pk,
        respondent=respondent,
        organisation=organisation,
        answers=answers or {},
    )


def add_outcome(page, contribution, decision="adopted", reason="We added it to the plan."):
    kind = {"Comment": "comment", "PositionPaper": "paper", "Theme": "theme"}[type(contribution).__name__]
    return Outcome.objects.create(page=page, decision=decision, reason=reason, **{kind: contribution})


def key_of(contribution):
    kind = {"Comment": "comment", "PositionPaper": "paper", "Theme": "theme"}[type(contribution).__name__]
    return f"{kind}-{contribution.pk}"


@pytest.fixture
def official(make_user, department):
    user = make_user(email="official-staff@example.org", display_name="Officer Oya")
    Membership.objects.create(user=user, organisation=department, role=Membership.Role.OFFICIAL)
    return user


@pytest.fixture
def residents(make_user):
    """Individual participants with names and e-mail addresses that must never leave the staff screens."""
    return [
        make_user(email=f"ayse.yilmaz{n}@example.org", display_name=f"Ayşe Yılmaz {n}", first_name="Ayşe")
        for n in range(1, 4)
    ]


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client
