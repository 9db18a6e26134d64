"""The audit log: staff actions recorded with who, when, what and from where, append-only, and
browsable and filterable in the Wagtail admin's site history."""

import pytest
from django.db import transaction
from django.test import RequestFactory
from wagtail.log_actions import LogContext
from wagtail.models import ModelLogEntry

from meydan import audit
from meydan.accounts import services as account_services
from meydan.accounts.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(make_user):
    return make_user(email="admin@example.org", is_superuser=True, is_staff=True)


@pytest.fixture
def admin_client(client, admin_user, home_site):
    client.force_login(admin_user)
    return client


def test_record_keeps_who_what_when_and_the_address_of_the_request(admin_user, make_organisation):
    organisation = make_organisation()
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    request.request_id = "abc123"

    entry = audit.record(audit.EXPORT, actor=admin_user, target=organisation, data={"format": "csv"}, request=request)

    entry = ModelLogEntry.objects.get(pk=entry.pk)
    assert entry.action == "meydan.export"
    assert entry.user_id == admin_user.pk
    assert entry.object_id == str(organisation.pk)
    assert entry.timestamp is not None
    assert entry.data == {"format": "csv", "ip": "203.0.113.7", "request_id": "abc123"}
    assert "203.0.113.7" in str(entry.message)


def test_services_without_a_request_get_the_address_from_the_middleware(admin_client, admin_user, make_organisation):
    organisation = make_organisation(status="pending", kind="ngo")

    response = admin_client.post(
        f"/admin/organisations/applications/{organisation.pk}/", {"action": "approve"}, REMOTE_ADDR="198.51.100.4"
    )

    assert response.status_code == 302
    entry = ModelLogEntry.objects.get(action=audit.VERIFICATION)
    assert entry.user_id == admin_user.pk
    assert entry.object_id == str(organisation.pk)
    assert entry.data["ip"] == "198.51.100.4"
    assert entry.data["status"] == "verified"


def test_a_rejection_is_audited_with_its_reason(admin_user, make_organisation):
    organisation = make_organisation(status="pending", kind="ngo")

    account_services.reject_organisation(organisation, admin_user, "Not an association")

    entry = ModelLogEntry.objects.get(action=audit.VERIFICATION)
    assert entry.data["status"] == "rejected"
    assert entry.data["reason"] == "Not an association"
    assert entry.data["ip"] == ""  # no request: a job or the shell


def test_a_refused_decision_leaves_no_entry(make_user, make_organisation):
    organisation = make_organisation(status="pending", kind="ngo")
    with pytest.raises(account_services.AccountError):
        account_services.approve_organisation(organisation, make_user())
    assert not ModelLogEntry.objects.filter(action=audit.VERIFICATION).exists()


def test_role_changes_are_audited_with_the_acting_admin(admin_user, make_user, make_organisation):
    organisation = make_organisation(kind="municipality")
    person = make_user()

    with LogContext(user=admin_user):  # what the Wagtail admin sets around its views
        membership = Membership.objects.create(user=person, organisation=organisation, role="member")
        membership.role = "admin"
        membership.save()
        membership.save()  # saved again without a change: nothing to record
        membership.delete()

    entries = list(ModelLogEntry.objects.filter(action=audit.ROLE_CHANGE).order_by("pk"))
    assert [(e.data["from"], e.data["to"]) for e in entries] == [("", "member"), ("member", "admin"), ("admin", "")]
    assert {e.user_id for e in entries} == {admin_user.pk}
    assert {e.data["user"] for e in entries} == {person.pk}


def test_verification_staff_flags_and_wagtail_groups_are_audited(admin_user, make_user):
    from django.contrib.auth.models import Group

    person = make_user()
    editors = Group.objects.get_or_create(name="Editors")[0]
    with LogContext(user=admin_user):
        person.is_verified = True
        person.save()
        person.is_staff = True
        person.save(update_fields=["is_staff"])
        person.groups.add(editors)
        person.groups.remove(editors)
        person.groups.add(editors)
        person.groups.clear()
    entries = ModelLogEntry.objects.filter(object_id=str(person.pk)).order_by("pk")
    assert [(e.action, e.data["summary"]) for e in entries] == [
        (audit.VERIFICATION, "is_verified: False → True"),
        (audit.ROLE_CHANGE, "is_staff: False → True"),
        (audit.ROLE_CHANGE, "groups added: Editors"),
        (audit.ROLE_CHANGE, "groups removed: Editors"),
        (audit.ROLE_CHANGE, "groups added: Editors"),
        (audit.ROLE_CHANGE, "groups removed: Editors"),
    ]
    assert {e.user_id for e in entries} == {admin_user.pk}


def test_a_login_costs_no_audit_query_and_leaves_no_entry(make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person = make_user()
    before = ModelLogEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        person.save(update_fields=["last_login"])
    assert len(queries) == 1
    assert ModelLogEntry.objects.count() == before


def test_an_own_data_export_is_audited_and_a_refused_one_is_not(client, make_user, password):
    from django.urls import reverse

    person = make_user()
    client.force_login(person)
    assert client.post(reverse("privacy:export"), {"password": "not the password"}).status_code == 403
    assert not ModelLogEntry.objects.filter(action=audit.EXPORT).exists()
    response = client.post(reverse("privacy:export"), {"password": password})
    assert response.status_code == 200
    entry = ModelLogEntry.objects.get(action=audit.EXPORT)
    assert (entry.user_id, entry.object_id, entry.data["export"]) == (person.pk, str(person.pk), "own data")


def test_unknown_actions_are_refused(admin_user):
    with pytest.raises(ValueError):
        audit.record("meydan.made_up", actor=admin_user)
    with pytest.raises(ValueError):
        audit.record("wagtail.publish", actor=admin_user)


def test_entries_cannot_be_changed_or_deleted(admin_user, make_organisation):
    entry = audit.record(audit.APPROVAL, actor=admin_user, target=make_organisation())

    entry.data = {"ip": "forged"}
    # Each attempt in its own savepoint, as a view's transaction would roll back.
    with pytest.raises(audit.AuditLogIsAppendOnly), transaction.atomic():
        entry.save()
    with pytest.raises(audit.AuditLogIsAppendOnly), transaction.atomic():
        entry.delete()
    with pytest.raises(audit.AuditLogIsAppendOnly), transaction.atomic():
        ModelLogEntry.objects.filter(pk=entry.pk).delete()

    assert ModelLogEntry.objects.get(pk=entry.pk).data["ip"] == ""


def test_the_admin_lists_and_filters_entries_but_offers_no_edit_or_delete(admin_client, admin_user, make_organisation):
    organisation = make_organisation(name="Kent Derneği")
    audit.record(audit.EXPORT, actor=admin_user, target=organisation, data={"summary": "proposals.csv"})
    audit.record(audit.MODERATION, actor=admin_user, target=organisation, data={"summary": "hidden comment"})

    everything = admin_client.get("/admin/reports/site-history/")
    filtered = admin_client.get("/admin/reports/site-history/", {"action": audit.EXPORT})

    assert everything.status_code == 200
    html = everything.content.decode()
    assert "proposals.csv" in html and "hidden comment" in html
    assert audit.EXPORT in html  # offered in the action filter
    filtered_html = filtered.content.decode()
    assert "proposals.csv" in filtered_html
    assert "hidden comment" not in filtered_html
    entry = ModelLogEntry.objects.get(action=audit.EXPORT)
    for path in (f"/admin/reports/site-history/{entry.pk}/delete/", f"/admin/reports/site-history/{entry.pk}/edit/"):
        assert admin_client.post(path).status_code == 404
    assert ModelLogEntry.objects.filter(action__startswith="meydan.").count() == 2
