"""A test host: organisations hold questionnaires while these tests run (registered here, unregistered
after). Their questions live in `QUESTIONS` (raw StreamField data keyed by the organisation's pk), so
a host fetched again from the database by the views sees the same stream, with its block ids.

Policy of the test host: open unless its pk is in `CLOSED`; results visible to its staff (officials
and admins), or to everybody when its pk is in `PUBLIC_RESULTS`; written answers only to its staff;
subjects "case.1" and "case.2" accepted besides the empty one.
"""

import pytest

from questionnaires import hosts
from questionnaires.blocks import QuestionnaireBlock

QUESTIONS = {}
CLOSED = set()
PUBLIC_RESULTS = set()
SUBJECTS = {"", "case.1", "case.2"}
RESPONSES_SEEN = []


def option_list(*labels, prefix="o"):
    return [{"type": "item", "value": label, "id": f"{prefix}{n}"} for n, label in enumerate(labels, start=1)]


STANDARD = [
    {
        "type": "single_choice",
        "id": "single",
        "value": {
            "question": "Which park?",
            "help_text": "Pick one",
            "required": True,
            "options": option_list("North park", "South park", "River walk"),
        },
    },
    {
        "type": "multiple_choice",
        "id": "multi",
        "value": {
            "question": "Which services?",
            "help_text": "",
            "required": False,
            "options": option_list("Buses", "Bikes", "Trams", "Ferries", prefix="m"),
            "max_selections": 2,
        },
    },
    {
        "type": "likert",
        "id": "likert",
        "value": {
            "question": "The plan is clear.",
            "help_text": "",
            "required": True,
            "label_1": "Strongly disagree",
            "label_2": "Disagree",
            "label_3": "Neutral",
            "label_4": "Agree",
            "label_5": "Strongly agree",
        },
    },
    {
        "type": "free_text",
        "id": "text",
        "value": {"question": "Anything else?", "help_text": "", "required": False, "max_length": 20},
    },
    {
        "type": "ranking",
        "id": "rank",
        "value": {
            "question": "Rank the priorities",
            "help_text": "",
            "required": False,
            "items": option_list("Safety", "Green", "Cost", prefix="r"),
        },
    },
]


def stream_of(organisation):
    return QuestionnaireBlock().to_python(QUESTIONS.get(organisation.pk, []))


def _is_staff(user, organisation):
    from meydan.accounts.rules import STAFF_ROLES, has_org_role

    return has_org_role(user, organisation, STAFF_ROLES)


def can_respond(user, organisation):
    if organisation.pk in CLOSED:
        return False, "This questionnaire is closed."
    return True, None


def check_subject(user, organisation, subject):
    return (subject in SUBJECTS, None if subject in SUBJECTS else "Not your case.")


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the site's default language is Turkish)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def questionnaire_host():
    from meydan.accounts.models import Organisation

    hosts.register(
        Organisation,
        field=stream_of,
        can_respond=can_respond,
        can_view_results=lambda user, org: org.pk in PUBLIC_RESULTS or _is_staff(user, org),
        can_view_free_text=_is_staff,
        on_response=lambda response, created: RESPONSES_SEEN.append((response.pk, created)),
        check_subject=check_subject,
    )
    yield
    hosts.unregister(Organisation)
    QUESTIONS.clear()
    CLOSED.clear()
    PUBLIC_RESULTS.clear()
    RESPONSES_SEEN.clear()


@pytest.fixture
def host(make_organisation):
    organisation = make_organisation(name="Mahalle Derneği", slug="mahalle-dernegi")
    QUESTIONS[organisation.pk] = STANDARD
    return organisation


@pytest.fixture
def close():
    def do(organisation):
        CLOSED.add(organisation.pk)

    return do


@pytest.fixture
def publish_results():
    def do(organisation):
        PUBLIC_RESULTS.add(organisation.pk)

    return do


@pytest.fixture
def alice(make_user):
    return make_user(email="alice@example.org", display_name="Alice Yılmaz")


@pytest.fixture
def bob(make_user):
    return make_user(email="bob@example.org", display_name="Bob")


@pytest.fixture
def official(make_user, host):
    from meydan.accounts.models import Membership

    user = make_user(email="official@example.org", display_name="Official")
    Membership.objects.create(user=user, organisation=host, role="official")
    return user


@pytest.fixture
def ngo(make_organisation, alice):
    """A verified NGO Alice administers."""
    return make_organisation(name="Yeşil Dernek", slug="yesil-dernek", members=[(alice, "admin")])


@pytest.fixture
def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def full_answers(**changes):
    """A complete valid post: North park, Buses+Trams, Agree, a short text, ranking Green, Safety, Cost."""
    data = {
        "q-single": "o1",
        "q-multi": ["m1", "m3"],
        "q-likert": "4",
        "q-text": "More benches",
        "q-rank-r1": "2",
        "q-rank-r2": "1",
        "q-rank-r3": "3",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}
