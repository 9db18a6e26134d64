"""Participation pages under an index, built the way the Wagtail admin builds them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.models import (
    ConsultationPage,
    DialoguePage,
    InformationPage,
    ParticipationIndexPage,
    PartnershipPage,
)

LEVEL_MODELS = {
    "information": InformationPage,
    "consultation": ConsultationPage,
    "dialogue": DialoguePage,
    "partnership": PartnershipPage,
}
PHASE_DATES = {
    # phase: (opens relative to now, closes relative to now)
    "upcoming": (timedelta(days=2), timedelta(days=10)),
    "open": (timedelta(days=-2), timedelta(days=10)),
    "closed": (timedelta(days=-10), timedelta(days=-1)),
    "reported": (timedelta(days=-10), timedelta(days=-1)),
}


@pytest.fixture
def municipality(make_organisation):
    return make_organisation(name="Kadıköy Belediyesi", kind="municipality")


@pytest.fixture
def department(make_organisation, municipality):
    return make_organisation(name="Çevre Müdürlüğü", kind="department", parent=municipality)


@pytest.fixture
def participation_index(home_site, municipality):
    index = ParticipationIndexPage(title="Katılım", slug="katilim", municipality=municipality)
    home_site.add_child(instance=index)
    return index


@pytest.fixture
def make_page(participation_index, municipality, department):
    """make_page("consultation", phase="open", **fields) -> a published page of that level."""
    counter = iter(range(1, 10_000))

    def make(level, phase="open", **fields):
        now = timezone.now()
        opens, closes = PHASE_DATES[phase]
        n = next(counter)
        fields.setdefault("title", f"{level} {n}")
        fields.setdefault("slug", f"{level}-{n}")
        fields.setdefault("summary", f"What {level} {n} is about.")
        fields.setdefault("municipality", municipality)
        fields.setdefault("responsible", department)
        fields.setdefault("opens_at", now + opens)
        fields.setdefault("closes_at", now + closes)
        page = LEVEL_MODELS[level](**fields)
        participation_index.add_child(instance=page)
        page.save_revision().publish()
        if phase == "reported":
            type(page).objects.filter(pk=page.pk).update(report_published_at=now)
        page.refresh_from_db()
        return page

    return make


@pytest.fixture
def ngo(make_organisation):
    return make_organisation(name="Moda Doğa Derneği", kind="ngo")


ROLES = ("anonymous", "resident", "ngo_member", "ngo_admin", "official", "editor", "comms_approver")


@pytest.fixture
def people(make_user, make_organisation, ngo, department, participation_index):
    """One user per role of the permission grid (None for anonymous). Editors and the communications
    office work in the Wagtail admin: on the public pages they have a resident's powers, no more."""
    from consultations import workflow
    from meydan.accounts.models import Membership

    groups = workflow.ensure_participation_workflow(participation_index)
    users = {"anonymous": None}
    for role in ROLES[1:]:
        users[role] = make_user(email=f"{role}@example.org", display_name=role.replace("_", " ").title())
    Membership.objects.create(user=users["ngo_member"], organisation=ngo, role=Membership.Role.MEMBER)
    Membership.objects.create(user=users["ngo_admin"], organisation=ngo, role=Membership.Role.ADMIN)
    Membership.objects.create(user=users["official"], organisation=department, role=Membership.Role.OFFICIAL)
    users["editor"].groups.add(groups.editors)
    users["comms_approver"].groups.add(groups.approvers)
    return users
