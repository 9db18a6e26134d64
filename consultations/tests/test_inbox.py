"""The staff inbox lists what participation pages ask of the page's own staff, and nothing of others'."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.models import Application, Question
from desk import inbox
from desk.inbox import Filters

from .test_outcomes_fixtures import *  # noqa: F403 - fixtures: consultation, official, residents, english
from .test_outcomes_fixtures import add_comment, add_outcome, add_paper

pytestmark = pytest.mark.django_db


def participation_items(user, **filters):
    total, items = inbox.collect(user, Filters(**filters), page=1, per_page=50)
    return [item for item in items if item.source == "participation"]


@pytest.fixture
def waiting_work(make_page, consultation, residents, ngo, people):
    information = make_page("information", phase="open", answer_days=10)
    Question.objects.create(
        page=information, author=residents[0], text="Overdue question", created_at=timezone.now() - timedelta(days=11)
    )
    Question.objects.create(page=information, author=residents[0], text="Fresh question")
    Question.objects.create(
        page=information, author=residents[0], text="Answered", answer="Yes", answered_at=timezone.now()
    )
    dialogue = make_page("dialogue", phase="open")
    Application.objects.create(page=dialogue, applicant=residents[1], statement="I want to take part")
    closed = consultation(phase="closed", title="Tree plan")
    add_comment(closed, 1, residents[0])
    done = consultation(phase="closed", title="Finished plan")
    add_outcome(done, add_paper(done, ngo, people["ngo_admin"]))
    return information, dialogue, closed


def test_official_sees_questions_applications_and_consultations_awaiting_outcomes(waiting_work, official):
    items = participation_items(official)
    titles = {item.title for item in items}
    assert titles == {"Overdue question", "Fresh question", waiting_work[1].title, "Tree plan"}
    overdue = {item.title for item in items if item.overdue}
    assert overdue == {"Overdue question"}
    assert {item.kind for item in participation_items(official, kind="participation:outcomes")} == {"outcomes"}
    assert {item.title for item in participation_items(official, due="overdue")} == {"Overdue question"}


@pytest.mark.parametrize("role", ["resident", "ngo_admin", "editor"])
def test_people_who_are_not_the_pages_staff_see_none_of_it(waiting_work, people, role):
    assert participation_items(people[role]) == []


def test_officials_of_another_municipality_see_none_of_it(waiting_work, make_user, make_organisation):
    from meydan.accounts.models import Membership

    stranger = make_user()
    Membership.objects.create(user=stranger, organisation=make_organisation(kind="municipality"), role="official")
    assert participation_items(stranger) == []
