import io

import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEYDAN_PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture
def municipality(make_organisation):
    return make_organisation(kind="municipality", name="Meydan Belediyesi", slug="meydan-belediyesi")


@pytest.fixture
def department(make_organisation, municipality):
    return make_organisation(kind="department", name="Fen İşleri", slug="fen-isleri", parent=municipality)


@pytest.fixture
def other_department(make_organisation, municipality):
    return make_organisation(kind="department", name="Park ve Bahçeler", slug="park-bahce", parent=municipality)


@pytest.fixture
def topic(municipality, department):
    from desk.models import Topic

    return Topic.objects.create(municipality=municipality, name="Yol ve kaldırım", department=department)


@pytest.fixture
def requester(make_user):
    return make_user(email="requester@example.org", display_name="Selin")


@pytest.fixture
def resident(make_user):
    return make_user(email="resident@example.org", display_name="Emre")


def _member(make_user, organisation, role, email):
    from meydan.accounts.models import Membership

    user = make_user(email=email, display_name=email.split("@")[0])
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def official(make_user, department):
    return _member(make_user, department, "official", "official@example.org")


@pytest.fixture
def other_official(make_user, other_department):
    return _member(make_user, other_department, "official", "other-official@example.org")


@pytest.fixture
def municipality_admin(make_user, municipality):
    return _member(make_user, municipality, "admin", "admin@example.org")


def png_bytes(size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def photo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from meydan.images import validate_and_normalise

    return validate_and_normalise(SimpleUploadedFile("street.png", png_bytes(), content_type="image/png"))


@pytest.fixture
def make_request(topic, requester, django_capture_on_commit_callbacks):
    from desk import services

    def make(user=None, **fields):
        fields.setdefault("kind", "complaint")
        fields.setdefault("topic", topic)
        fields.setdefault("text", "Kaldırım taşları kırık.")
        with django_capture_on_commit_callbacks(execute=True):
            return services.submit_request(user or requester, **fields)

    return make


@pytest.fixture
def department_admin(make_user, department):
    return _member(make_user, department, "admin", "department-admin@example.org")


@pytest.fixture
def proposal_space(home_site, municipality):
    """A proposal space of the municipality that takes proposals now."""
    from datetime import timedelta

    from django.utils import timezone

    from proposals.models import ProposalSpacePage

    now = timezone.now()
    return home_site.add_child(
        instance=ProposalSpacePage(
            title="Fikirler",
            slug="fikirler",
            municipality=municipality,
            proposing_opens=now - timedelta(days=1),
            proposing_closes=now + timedelta(days=30),
            supporting_opens=now - timedelta(days=1),
            supporting_closes=now + timedelta(days=30),
            support_threshold=10,
            answer_days=30,
            districts="Kadıköy\nModa",
        )
    )


@pytest.fixture
def add_request(municipality, topic):
    """A request row with the dates a test needs (reports read dates, not the use cases' history)."""
    from datetime import timedelta

    from django.contrib.contenttypes.models import ContentType

    from desk.models import Request, Satisfaction

    def add(
        department,
        created,
        *,
        answered_after=None,
        due_days=30,
        status=None,
        closed_after=None,
        rating=None,
        kind="request",
        district="",
        topic_=None,
        text="Gizli metin",
        email="private@example.org",
    ):
        answered_at = created + timedelta(days=answered_after) if answered_after is not None else None
        closed_at = created + timedelta(days=closed_after) if closed_after is not None else None
        if status is None:
            status = "closed" if closed_at else ("answered" if answered_at else "received")
        request = Request.objects.create(
            kind=kind,
            municipality=municipality,
            topic=topic_ or topic,
            department=department,
            contact_email=email,
            text=text,
            district=district,
            status=status,
            created_at=created,
            due_at=created + timedelta(days=due_days),
            answered_at=answered_at,
            closed_at=closed_at,
        )
        if rating is not None:
            Satisfaction.objects.create(
                content_type=ContentType.objects.get_for_model(Request),
                object_id=request.pk,
                rating=rating,
                comment="Kişisel yorum",
            )
        return request

    return add
