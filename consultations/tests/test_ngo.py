"""Pages for organisations: "our contributions" with the outcome of each ("you said, we did"), the
self-assessment of cooperation with a municipality, and the public chart per municipality."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from comments.models import Comment
from consultations.models import (
    Application,
    ConsultationPage,
    Outcome,
    Paragraph,
    PositionPaper,
    SelfAssessment,
)
from meydan.accounts.models import Membership
from questionnaires.models import Response

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "resident", "ngo_member", "ngo_admin", "official", "editor", "comms_approver")
PHASES = ("upcoming", "open", "closed", "reported")
THIS_YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def paragraph_page(make_page, phase):
    draft = [{"type": "paragraph", "id": "p1", "value": {"heading": "Trees", "text": "<p>Plant trees.</p>"}}]
    page = make_page("consultation", phase=phase, draft=draft)
    return page, Paragraph.objects.get(page=page)


def org_comment(paragraph, user, organisation, text):
    return Comment.objects.create(
        content_type=ContentType.objects.get_for_model(Paragraph),
        object_id=paragraph.pk,
        author=user,
        organisation=organisation,
        text=text,
    )


def contributions_url(organisation):
    return reverse("consultations:organisation_contributions", args=[organisation.slug])


def assessment_url(organisation):
    return reverse("consultations:self_assessment", args=[organisation.slug])


# Our contributions ---------------------------------------------------------------------------------

# Members of the organisation (any role) see its contributions, in every phase; everybody else gets a 404.
CONTRIBUTIONS_POLICY = {(role, phase): role in ("ngo_member", "ngo_admin") for role in ROLES for phase in PHASES}


@pytest.mark.parametrize(("role", "phase"), sorted(CONTRIBUTIONS_POLICY))
def test_see_our_contributions_grid(client, make_page, people, ngo, role, phase):
    _page, paragraph = paragraph_page(make_page, phase)
    org_comment(paragraph, people["ngo_admin"], ngo, f"Our view in the {phase} phase")
    if people[role]:
        client.force_login(people[role])
    response = client.get(contributions_url(ngo))
    if CONTRIBUTIONS_POLICY[(role, phase)]:
        assert response.status_code == 200
        assert f"Our view in the {phase} phase" in response.text
    else:
        assert response.status_code == 404
        assert f"Our view in the {phase} phase" not in response.text


def test_contributions_list_everything_with_you_said_we_did(client, make_page, people, ngo, make_user):
    admin = people["ngo_admin"]
    reported, paragraph = paragraph_page(make_page, "reported")
    comment = org_comment(paragraph, admin, ngo, "Plant plane trees")
    personal = org_comment(paragraph, admin, None, "My personal view")
    Outcome.objects.create(page=reported, comment=comment, decision="adopted", reason="Added to section 2.")
    paper = PositionPaper.objects.create(
        page=reported, organisation=ngo, submitted_by=admin, title="Green paper", summary="S", file="x/a.pdf"
    )
    Outcome.objects.create(page=reported, paper=paper, decision="not_adopted", reason="Outside the budget.")
    closed, closed_paragraph = paragraph_page(make_page, "closed")
    pending = org_comment(closed_paragraph, admin, ngo, "Awaiting a decision")
    # Recorded but not yet published: the organisation must not learn it before the report is out.
    Outcome.objects.create(page=closed, comment=pending, decision="partly", reason="Draft reason, not public")
    Response.objects.create(
        content_type=ContentType.objects.get_for_model(ConsultationPage),
        object_id=reported.pk,
        respondent=admin,
        organisation=ngo,
        answers={"q": "a"},
    )
    dialogue = make_page("dialogue", phase="open")
    Application.objects.create(
        page=dialogue,
        applicant=admin,
        organisation=ngo,
        statement="We want to take part",
        represents="300 families",
        status="declined",
        reason="The group is full.",
        decided_at=timezone.now(),
    )
    client.force_login(people["ngo_member"])
    html = client.get(contributions_url(ngo)).text
    assert "Plant plane trees" in html and "Outcome: Adopted" in html and "Added to section 2." in html
    assert "My personal view" not in html  # not said on behalf of the organisation
    assert "Green paper" in html and "Outcome: Not adopted" in html and "Outside the budget." in html
    assert "Awaiting a decision" in html and "Outcome: not yet published." in html
    assert "Draft reason, not public" not in html
    assert reported.title in html  # the questionnaire answered on behalf of the organisation
    assert "Declined" in html and "The group is full." in html
    assert personal.pk


def test_contributions_queries_do_not_grow(client, make_page, people, ngo, django_assert_max_num_queries):
    page, paragraph = paragraph_page(make_page, "reported")
    org_comment(paragraph, people["ngo_admin"], ngo, "One")
    client.force_login(people["ngo_member"])
    with django_assert_max_num_queries(20) as few:
        client.get(contributions_url(ngo))
    for n in range(3):
        other, other_paragraph = paragraph_page(make_page, "reported")
        comment = org_comment(other_paragraph, people["ngo_admin"], ngo, f"More {n}")
        Outcome.objects.create(page=other, comment=comment, decision="adopted", reason="Yes")
        PositionPaper.objects.create(page=other, organisation=ngo, title=f"P{n}", summary="S", file=f"x/{n}.pdf")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(contributions_url(ngo))
    assert "More 2" in response.text


def test_unknown_organisation_is_404(client, people):
    client.force_login(people["ngo_admin"])
    assert client.get(reverse("consultations:organisation_contributions", args=["nobody"])).status_code == 404


# Self-assessment --------------------------------------------------------------------------------

# Only an administrator of the organisation fills it in; other members are told why; non-members get
# a 404 (the page belongs to the organisation). Self-assessment is not tied to a consultation's phase.
ASSESS_POLICY = {
    "anonymous": 404,
    "resident": 404,
    "ngo_member": 403,
    "ngo_admin": 302,
    "official": 404,
    "editor": 404,
    "comms_approver": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_self_assess_grid(client, people, ngo, municipality, role):
    if people[role]:
        client.force_login(people[role])
    data = {"municipality": municipality.pk, "year": THIS_YEAR, "cooperation": 2, "comment": "Consulted twice."}
    response = client.post(assessment_url(ngo), data)
    expected = ASSESS_POLICY[role]
    assert response.status_code == expected
    stored = SelfAssessment.objects.filter(organisation=ngo).exists()
    assert stored is (expected == 302)
    if expected == 403:
        assert "Only an administrator of the organisation may fill in its self-assessment." in response.text


def test_a_second_answer_for_the_same_year_replaces_the_first(client, people, ngo, municipality):
    client.force_login(people["ngo_admin"])
    data = {"municipality": municipality.pk, "year": THIS_YEAR, "cooperation": 1}
    client.post(assessment_url(ngo), data)
    response = client.post(assessment_url(ngo), {**data, "cooperation": 3, "comment": "Better now"}, follow=True)
    assert "replaces the earlier one" in response.text
    assessment = SelfAssessment.objects.get()
    assert (assessment.cooperation, assessment.comment) == (3, "Better now")
    client.post(assessment_url(ngo), {**data, "year": THIS_YEAR - 1})
    assert SelfAssessment.objects.count() == 2


def test_the_database_holds_one_assessment_per_year(ngo, municipality):
    SelfAssessment.objects.create(organisation=ngo, municipality=municipality, year=THIS_YEAR, cooperation=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        SelfAssessment.objects.create(organisation=ngo, municipality=municipality, year=THIS_YEAR, cooperation=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        SelfAssessment.objects.create(organisation=ngo, municipality=municipality, year=THIS_YEAR + 1, cooperation=7)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cooperation": 5}, "Choose one of the five levels of cooperation."),
        ({"cooperation": "-1"}, "Choose one of the five levels of cooperation."),
        ({"cooperation": ""}, "Choose one of the five levels of cooperation."),
        ({"year": THIS_YEAR + 1}, "You can assess only this year or last year."),
        ({"year": 1990}, "You can assess only this year or last year."),
        ({"municipality": "ngo"}, "Choose a municipality."),
        ({"comment": "x" * 1001}, "at most 1000 characters"),
    ],
)
def test_bad_assessments_are_refused_and_keep_the_saved_one(client, people, ngo, municipality, change, message):
    SelfAssessment.objects.create(organisation=ngo, municipality=municipality, year=THIS_YEAR, cooperation=1)
    client.force_login(people["ngo_admin"])
    data = {"municipality": municipality.pk, "year": THIS_YEAR, "cooperation": 3, **change}
    if data["municipality"] == "ngo":
        data["municipality"] = ngo.pk  # an NGO is not a municipality
    response = client.post(assessment_url(ngo), data)
    assert response.status_code == 400
    assert message in response.text
    assert SelfAssessment.objects.get().cooperation == 1


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_unverified_organisations_cannot_assess(client, make_user, make_organisation, municipality, status):
    admin = make_user()
    organisation = make_organisation(status=status, members=[(admin, Membership.Role.ADMIN)])
    client.force_login(admin)
    response = client.post(
        assessment_url(organisation), {"municipality": municipality.pk, "year": THIS_YEAR, "cooperation": 2}
    )
    assert response.status_code == 403
    assert not SelfAssessment.objects.exists()


def test_form_shows_the_five_labelled_levels_in_a_fieldset(client, people, ngo):
    client.force_login(people["ngo_admin"])
    html = client.get(assessment_url(ngo)).text
    assert "<fieldset" in html and "<legend>" in html
    for label in ("We have no contact with the administration", "We receive information", "We work in partnership"):
        assert label in html


# Public chart ---------------------------------------------------------------------------------------


def test_cooperation_chart_aggregates_the_latest_year(client, make_organisation, municipality, people):
    ngos = [make_organisation(name=f"NGO {n}") for n in range(4)]
    for organisation, level in zip(ngos, (1, 1, 4, 2), strict=True):
        SelfAssessment.objects.create(
            organisation=organisation, municipality=municipality, year=THIS_YEAR, cooperation=level, comment="Secret"
        )
    SelfAssessment.objects.create(organisation=ngos[0], municipality=municipality, year=THIS_YEAR - 1, cooperation=0)
    pending = make_organisation(name="Unverified", status="pending")
    SelfAssessment.objects.create(organisation=pending, municipality=municipality, year=THIS_YEAR, cooperation=0)
    response = client.get(reverse("consultations:cooperation", args=[municipality.slug]))
    html = response.text
    assert response.status_code == 200
    assert "<svg" in html and "<table" in html
    assert f"{THIS_YEAR}: 4 organisations answered" in html
    assert "We receive information" in html
    assert "50 %" in html  # two of four said "we receive information"
    assert "Secret" not in html and "NGO 0" not in html  # the public sees totals only
    assert getattr(response, "meydan_cache_seconds", 0) > 0
    last_year = client.get(reverse("consultations:cooperation", args=[municipality.slug]) + f"?year={THIS_YEAR - 1}")
    assert f"{THIS_YEAR - 1}: 1 organisation answered" in last_year.text
    # The municipality's staff see each organisation's answer and comment.
    Membership.objects.create(user=people["resident"], organisation=municipality, role=Membership.Role.OFFICIAL)
    client.force_login(people["resident"])
    staff_html = client.get(reverse("consultations:cooperation", args=[municipality.slug])).text
    assert "NGO 0" in staff_html and "Secret" in staff_html


def test_cooperation_page_without_answers_and_unknown_municipality(client, municipality, ngo):
    html = client.get(reverse("consultations:cooperation", args=[municipality.slug])).text
    assert "No organisation has assessed its cooperation" in html
    assert client.get(reverse("consultations:cooperation", args=[ngo.slug])).status_code == 404
    assert client.get(reverse("consultations:cooperation", args=["nowhere"])).status_code == 404
    assert client.get(reverse("consultations:cooperation", args=[municipality.slug]) + "?year=abc").status_code == 200
