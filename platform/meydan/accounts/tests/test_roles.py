"""Roles in organisations: a municipality's admins and officials also act for its departments; a page
asks several role questions for one person and pays one query for all of them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meydan.accounts.models import Membership
from meydan.accounts.rules import MODERATION_ROLES, STAFF_ROLES, has_org_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality(make_organisation):
    return make_organisation(kind="municipality", name="Meydan Belediyesi")


@pytest.fixture
def department(make_organisation, municipality):
    return make_organisation(kind="department", name="Fen İşleri", parent=municipality)


def test_municipal_staff_act_for_departments_but_not_the_other_way(make_user, municipality, department):
    official, clerk = make_user(), make_user()
    Membership.objects.create(user=official, organisation=municipality, role="official")
    Membership.objects.create(user=clerk, organisation=department, role="official")
    assert has_org_role(official, department, STAFF_ROLES)
    assert has_org_role(clerk, department, STAFF_ROLES)
    assert not has_org_role(clerk, municipality, STAFF_ROLES)
    assert not has_org_role(official, municipality, ["admin"])


def test_several_questions_cost_one_query(make_user, municipality, department):
    person = make_user()
    Membership.objects.create(user=person, organisation=department, role="moderator")
    person = type(person).objects.get(pk=person.pk)  # a fresh user object, as each request has
    with CaptureQueriesContext(connection) as queries:
        answers = [
            has_org_role(person, municipality, STAFF_ROLES),
            has_org_role(person, department, STAFF_ROLES),
            has_org_role(person, department, MODERATION_ROLES),
            has_org_role(person, municipality, MODERATION_ROLES),
        ]
    assert answers == [False, False, True, False]
    assert len(queries) == 1


def test_a_role_given_or_taken_is_seen_at_once(make_user, municipality):
    person = make_user()
    assert not has_org_role(person, municipality, STAFF_ROLES)
    membership = Membership.objects.create(user=person, organisation=municipality, role="official")
    assert has_org_role(person, municipality, STAFF_ROLES)
    membership.delete()
    assert not has_org_role(person, municipality, STAFF_ROLES)


def test_anonymous_and_superusers(make_user, municipality):
    from django.contrib.auth.models import AnonymousUser

    assert not has_org_role(AnonymousUser(), municipality, STAFF_ROLES)
    assert has_org_role(make_user(is_superuser=True), municipality, STAFF_ROLES)
