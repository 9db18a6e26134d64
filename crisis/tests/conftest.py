from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Page, Revision, Site

from meydan.accounts.models import Membership

ROLES = ("anonymous", "resident", "official", "municipality_admin", "comms_office", "superuser")
MAY_TOGGLE = {"municipality_admin", "comms_office", "superuser"}


@pytest.fixture
def site(home_site):
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def municipality(make_organisation):
    return make_organisation(kind="municipality", name="Meydan Belediyesi", slug="meydan-belediyesi")


@pytest.fixture
def people(make_user, make_organisation, municipality):
    """One user per role of the permission grid (None for anonymous). The communications office is the
    group consultations/workflow.py creates, named in the language active at the time (Turkish here)."""
    department = make_organisation(kind="department", parent=municipality)
    users = {"anonymous": None}
    for role in ROLES[1:]:
        users[role] = make_user(email=f"{role}@example.org", is_superuser=role == "superuser")
    Membership.objects.create(user=users["official"], organisation=department, role=Membership.Role.OFFICIAL)
    Membership.objects.create(user=users["municipality_admin"], organisation=municipality, role=Membership.Role.ADMIN)
    from django.utils import translation

    with translation.override("tr"):
        from django.utils.translation import gettext

        office = Group.objects.create(name=gettext("Communications office – %(name)s") % {"name": municipality.name})
    users["comms_office"].groups.add(office)
    return users


@pytest.fixture
def make_page(site):
    def make(title, parent=None):
        parent = parent or site.root_page
        page = parent.add_child(instance=Page(title=title, slug=slugify(title), live=False))
        return Page.objects.get(pk=page.pk)

    return make


def schedule(page, when):
    """Schedule `page`'s next revision for `when`, as the admin does; a time in the past stands for a
    schedule whose moment came while the job that publishes it had not run yet."""
    page.go_live_at = timezone.now() + timedelta(days=30)
    revision = page.save_revision()
    revision.publish()
    content = dict(revision.content, go_live_at=when.isoformat())
    Revision.objects.filter(pk=revision.pk).update(approved_go_live_at=when, content=content)
    return Revision.objects.get(pk=revision.pk)
