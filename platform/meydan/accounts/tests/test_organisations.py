import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from PIL import Image

from meydan.accounts import services
from meydan.accounts.models import Membership, Organisation

pytestmark = pytest.mark.django_db

APPLY = reverse("organisations:apply")


def application(**overrides):
    data = {
        "name": "Temiz Deniz Derneği",
        "registration_number": "34-123-456",
        "description": "We clean beaches.",
        "website": "https://temizdeniz.example.org",
        "email": "info@temizdeniz.example.org",
        "phone": "+90 212 000 00 00",
        "address": "Kadıköy, İstanbul",
    }
    data.update(overrides)
    return data


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "teal").save(buffer, "PNG")
    return buffer.getvalue()


def test_confirmed_user_applies_for_an_ngo(client, make_user):
    user = make_user()
    client.force_login(user)
    logo = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")
    response = client.post(APPLY, {**application(), "logo": logo})
    organisation = Organisation.objects.get()
    assert response.status_code == 302 and response.url == organisation.get_absolute_url()
    assert (organisation.kind, organisation.status, organisation.applied_by) == ("ngo", "pending", user)
    assert Membership.objects.get(organisation=organisation).role == "admin"
    assert organisation.logo.name.endswith(".png") and "logo" not in organisation.logo.name
    assert client.get(organisation.get_absolute_url()).status_code == 200


def test_unconfirmed_user_cannot_apply(client, make_user):
    client.force_login(make_user(confirmed=False))
    response = client.post(APPLY, application())
    assert response.status_code == 403
    assert Organisation.objects.count() == 0


def test_application_needs_login(client):
    response = client.post(APPLY, application())
    assert response.status_code == 302
    assert Organisation.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "ab"}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"registration_number": ""}, "registration_number"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"email": "nope"}, "email"),
        ({"description": "x" * 5001}, "description"),
    ],
)
def test_bad_application_input_is_refused(client, make_user, overrides, field):
    client.force_login(make_user())
    response = client.post(APPLY, application(**overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert Organisation.objects.count() == 0


def test_a_fake_image_is_refused_as_logo(client, make_user):
    client.force_login(make_user())
    fake = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = client.post(APPLY, {**application(), "logo": fake})
    assert response.status_code == 400
    assert response.context["form"].errors["logo"]
    assert Organisation.objects.count() == 0


def test_duplicate_name_is_refused(client, make_user, make_organisation):
    make_organisation(name="Temiz Deniz Derneği")
    client.force_login(make_user())
    response = client.post(APPLY, application(name="temiz deniz derneği"))
    assert response.status_code == 400


def test_pending_profiles_are_private(client, make_user, make_organisation):
    member, outsider = make_user(), make_user()
    organisation = make_organisation(status="pending", members=[(member, "admin")])
    assert client.get(organisation.get_absolute_url()).status_code == 404
    client.force_login(outsider)
    assert client.get(organisation.get_absolute_url()).status_code == 404
    client.force_login(member)
    assert client.get(organisation.get_absolute_url()).status_code == 200


def test_public_list_shows_verified_organisations_only(client, make_organisation):
    make_organisation(name="Shown Association")
    make_organisation(name="Hidden Application", status="pending")
    content = client.get(reverse("organisations:list")).content.decode()
    assert "Shown Association" in content and "Hidden Application" not in content
    assert client.get(reverse("organisations:list"), {"kind": "<script>"}).status_code == 200


def test_staff_approve_and_the_applicant_hears_of_it(make_user, make_organisation, django_capture_on_commit_callbacks):
    applicant, reviewer = make_user(), make_user(is_superuser=True)
    organisation = make_organisation(status="pending", applied_by=applicant)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_organisation(organisation, reviewer)
    organisation.refresh_from_db()
    assert organisation.status == "verified"
    assert organisation.decided_by == reviewer and organisation.decided_at is not None
    assert mail.outbox[0].to == [applicant.email]


def test_only_reviewers_decide(make_user, make_organisation):
    organisation = make_organisation(status="pending")
    with pytest.raises(services.AccountError):
        services.approve_organisation(organisation, make_user())
    organisation.refresh_from_db()
    assert organisation.status == "pending"


def test_a_decision_is_final(make_user, make_organisation):
    reviewer = make_user(is_superuser=True)
    organisation = make_organisation(status="pending")
    services.reject_organisation(organisation, reviewer, "No registry entry found")
    with pytest.raises(services.AccountError):
        services.approve_organisation(organisation, reviewer)
    organisation.refresh_from_db()
    assert organisation.status == "rejected"
    assert organisation.rejection_reason == "No registry entry found"


def test_departments_belong_to_a_municipality(make_organisation):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_organisation(kind="department")
    ngo = make_organisation(kind="ngo")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_organisation(kind="ngo", parent=ngo)


def test_rejection_without_reason_is_impossible_even_in_the_database(make_organisation):
    organisation = make_organisation(status="pending")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=organisation.pk).update(status="rejected", decided_at="2026-01-01T00:00Z")


def test_one_membership_per_user_and_organisation(make_user, make_organisation):
    user = make_user()
    organisation = make_organisation(members=[(user, "member")])
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, organisation=organisation, role="admin")


def test_email_is_unique_whatever_its_case(make_user):
    make_user(email="same@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        from meydan.accounts.models import User

        User.objects.filter(email="same@example.org").update(email="SAME@example.org")
        User.objects.create(email="other@example.org")
        User.objects.filter(email="other@example.org").update(email="same@example.org")
