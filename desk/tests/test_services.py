import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from desk import services
from desk.models import CODE_PATTERN, Request, Satisfaction, Status, TimelineEntry, Topic, TypeSettings

pytestmark = pytest.mark.django_db


def refused(code, function, *args, **kwargs):
    with pytest.raises(services.DeskRefused) as error:
        function(*args, **kwargs)
    assert error.value.code == code, error.value.message
    return error.value


# Submitting ------------------------------------------------------------------------------------------


def test_submitting_routes_to_the_topics_department_and_mails_the_code(make_request, requester, department):
    req = make_request()
    assert re.match(CODE_PATTERN, req.tracking_code)
    assert req.department == department and req.status == Status.RECEIVED
    assert req.due_at.date() == (req.created_at + timedelta(days=30)).date()
    assert [entry.kind for entry in req.timeline.all()] == ["submitted"]
    assert len(mail.outbox) == 1 and req.tracking_code in mail.outbox[0].body
    assert mail.outbox[0].to == [requester.email]


def test_deadline_follows_type_settings_and_defaults(make_request, municipality):
    assert (make_request(kind="information").due_at - timezone.now()).days in (14, 15)
    TypeSettings.objects.create(municipality=municipality, kind="complaint", response_days=10)
    assert (make_request(kind="complaint").due_at - timezone.now()).days in (9, 10)


def test_unconfirmed_account_is_refused(make_user, topic):
    user = make_user(confirmed=False)
    refused("unconfirmed", services.submit_request, user, kind="request", topic=topic, text="x")
    assert not Request.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "lawsuit"}, "type"),
        ({"text": "   "}, "Write your message"),
        ({"text": "x" * 5001}, "at most 5000"),
    ],
)
def test_bad_input_is_refused(requester, topic, fields, message):
    data = {"kind": "request", "topic": topic, "text": "Lamba yanmıyor.", **fields}
    error = refused("invalid", services.submit_request, requester, **data)
    assert message in error.message
    assert not Request.objects.exists()


def test_inactive_topic_is_refused(requester, topic):
    Topic.objects.filter(pk=topic.pk).update(active=False)
    refused("invalid", services.submit_request, requester, kind="request", topic=topic, text="x")


def test_complaints_cannot_carry_publish_consent(make_request):
    assert make_request(kind="complaint", publish_consent=True).publish_consent is False
    assert make_request(kind="suggestion", publish_consent=True).publish_consent is True


def test_anonymous_request_waits_for_the_confirmation_link(topic, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import AnonymousUser

    with django_capture_on_commit_callbacks(execute=True):
        req = services.submit_request(
            AnonymousUser(), kind="request", topic=topic, text="Çöp alınmadı.", contact_email="Kisi@Example.org"
        )
    assert req.status == Status.UNCONFIRMED and req.due_at is None and req.contact_email == "kisi@example.org"
    assert req.tracking_code not in mail.outbox[0].body  # no code before the address is confirmed
    token = re.search(r"/desk/confirm/([^/\s]+)/", mail.outbox[0].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = services.confirm_submission(token)
    assert confirmed.status == Status.RECEIVED and confirmed.due_at is not None
    assert req.tracking_code in mail.outbox[1].body
    # Following the link again changes nothing.
    services.confirm_submission(token)
    assert TimelineEntry.objects.filter(request=req).count() == 1


def test_forged_or_expired_confirmation_is_refused(topic):
    from django.contrib.auth.models import AnonymousUser
    from django.core import signing

    req = services.submit_request(AnonymousUser(), kind="request", topic=topic, text="x", contact_email="a@b.org")
    refused("invalid", services.confirm_submission, "garbage")
    forged = signing.dumps({"r": req.pk, "e": "other@b.org"}, salt=services.CONFIRM_SALT, compress=True)
    refused("invalid", services.confirm_submission, forged)
    token = services.confirmation_token(req)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "CONFIRM_MAX_AGE", -1)
        refused("invalid", services.confirm_submission, token)
    req.refresh_from_db()
    assert req.status == Status.UNCONFIRMED


def test_anonymous_needs_a_valid_address(topic):
    from django.contrib.auth.models import AnonymousUser

    refused(
        "invalid",
        services.submit_request,
        AnonymousUser(),
        kind="request",
        topic=topic,
        text="x",
        contact_email="not-an-address",
    )


def test_tracking_code_collision_is_retried(make_request, monkeypatch):
    first = make_request()
    codes = iter([first.tracking_code, "MYD-2345-6789"])
    monkeypatch.setattr("desk.services.new_tracking_code", lambda: next(codes))
    second = Request(
        **{f.attname: getattr(first, f.attname) for f in Request._meta.concrete_fields if f.attname != "id"}
    )
    second.tracking_code = first.tracking_code
    services._insert_with_unique_code(second)
    assert second.tracking_code == "MYD-2345-6789"


# Routing, answers ---------------------------------------------------------------------------------------


def test_redirect_moves_the_request_records_it_and_tells_the_new_department(
    make_request, official, other_official, other_department, django_capture_on_commit_callbacks
):
    req = make_request()
    with django_capture_on_commit_callbacks(execute=True):
        services.redirect_request(official, req, other_department, "Parklar bizim değil.")
    req.refresh_from_db()
    assert req.department == other_department and req.status == Status.REDIRECTED
    entry = req.timeline.get(kind="redirected")
    assert entry.public_text == "Parklar bizim değil." and entry.to_department == other_department
    assert other_official.notifications.count() == 1
    # The first department no longer sees it.
    refused("not_found", services.answer_request, official, req, "Cevap")


def test_redirect_needs_a_reason_and_a_valid_target(make_request, official, other_department, make_organisation):
    req = make_request()
    refused("invalid", services.redirect_request, official, req, other_department, "  ")
    ngo = make_organisation(kind="ngo")
    refused("invalid", services.redirect_request, official, req, ngo, "Neden")
    refused("invalid", services.redirect_request, official, req, req.department, "Neden")


def test_official_of_another_department_cannot_answer(make_request, other_official):
    req = make_request()
    refused("not_found", services.answer_request, other_official, req, "Cevap")
    assert not req.timeline.filter(kind="answered").exists()


def test_answer_sets_status_and_mails_the_requester(make_request, official, django_capture_on_commit_callbacks):
    req = make_request()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_request(official, req, "Ekiplerimiz yarın onaracak.")
    req.refresh_from_db()
    assert req.status == Status.ANSWERED and req.answered_at is not None
    assert "Ekiplerimiz yarın onaracak." in mail.outbox[0].body


def test_municipality_admin_handles_any_department(make_request, municipality_admin):
    req = make_request()
    services.answer_request(municipality_admin, req, "Tamam")


def test_assign_only_to_colleagues(make_request, official, other_official, make_user, department):
    from meydan.accounts.models import Membership

    req = make_request()
    refused("invalid", services.assign_request, official, req, other_official)
    colleague = make_user(email="colleague@example.org")
    Membership.objects.create(user=colleague, organisation=department, role="official")
    services.assign_request(official, req, colleague)
    req.refresh_from_db()
    assert req.assignee == colleague


# Close, reopen, rate -----------------------------------------------------------------------------------


def test_requester_closes_reopens_once_and_rates_once(make_request, requester):
    req = make_request()
    services.close_request(requester, req)
    services.reopen_request(requester, req, "Hâlâ kırık.")
    req.refresh_from_db()
    assert req.status == Status.REOPENED and req.reopen_count == 1
    services.close_request(requester, req)
    error = refused("reopen_window", services.reopen_request, requester, req, "Yine")
    assert "only once" in error.message
    services.rate_request(requester, req, 4, "İyi")
    refused("already_rated", services.rate_request, requester, req, 5)
    assert Satisfaction.objects.get().rating == 4


def test_reopen_after_thirty_days_is_refused(make_request, requester):
    req = make_request()
    services.close_request(requester, req)
    Request.objects.filter(pk=req.pk).update(closed_at=timezone.now() - timedelta(days=31))
    error = refused("reopen_window", services.reopen_request, requester, req, "Geç")
    assert "30 days" in error.message


@pytest.mark.parametrize("rating", [0, 6, -1, "abc", None, "3.5"])
def test_ratings_outside_one_to_five_are_refused(make_request, requester, rating):
    req = make_request()
    services.close_request(requester, req)
    refused("invalid", services.rate_request, requester, req, rating)
    assert not Satisfaction.objects.exists()


def test_rating_needs_a_closed_request_and_the_requester(make_request, requester, official, resident):
    req = make_request()
    refused("forbidden", services.rate_request, requester, req, 5)
    services.close_request(requester, req)
    refused("forbidden", services.rate_request, official, req, 5)
    refused("not_found", services.rate_request, resident, req, 5)


def test_consent_only_for_suggestions(make_request, requester):
    refused("invalid", services.give_consent, requester, make_request(kind="complaint"))
    suggestion = make_request(kind="suggestion")
    services.give_consent(requester, suggestion)
    assert Request.objects.get(pk=suggestion.pk).publish_consent


# Database constraints -----------------------------------------------------------------------------------


def _constraint_violated(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_database_refuses_a_second_rating(make_request, requester):
    from django.contrib.contenttypes.models import ContentType

    req = make_request()
    ct = ContentType.objects.get_for_model(Request)
    Satisfaction.objects.create(content_type=ct, object_id=req.pk, rating=3)
    _constraint_violated(lambda: Satisfaction.objects.create(content_type=ct, object_id=req.pk, rating=5))
    _constraint_violated(lambda: Satisfaction.objects.create(content_type=ct, object_id=req.pk + 1, rating=9))


def test_database_refuses_a_second_reopening_and_duplicate_codes(make_request):
    req = make_request()
    _constraint_violated(lambda: Request.objects.filter(pk=req.pk).update(reopen_count=2))
    other = make_request()
    _constraint_violated(lambda: Request.objects.filter(pk=other.pk).update(tracking_code=req.tracking_code))
    _constraint_violated(lambda: Request.objects.filter(pk=other.pk).update(text="x" * 5001))
    _constraint_violated(lambda: Request.objects.filter(pk=other.pk).update(is_public=True))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_enforces_the_desk_constraints(make_request, requester):
    test_database_refuses_a_second_reopening_and_duplicate_codes(make_request)
    req = make_request()
    services.close_request(requester, req)
    services.rate_request(requester, req, 5)
    refused("already_rated", services.rate_request, requester, req, 4)
    assert Satisfaction.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_concurrent_reopen_leaves_one(make_request, requester):
    """Two reopenings racing: the conditional update and the check constraint leave exactly one."""
    import threading

    from django.db import connection

    req = make_request()
    services.close_request(requester, req)
    results = []

    def attempt():
        try:
            services.reopen_request(requester, Request.objects.get(pk=req.pk), "Yarış")
            results.append("ok")
        except services.DeskRefused as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["bad_state", "ok"] or sorted(results) == ["ok", "reopen_window"]
    assert Request.objects.get(pk=req.pk).reopen_count == 1


def test_staff_steps_are_audited_and_answers_wait_in_a_crisis(make_request, official, municipality, other_department):
    from django.utils import timezone
    from wagtail.models import ModelLogEntry

    from crisis.models import CrisisState
    from meydan.site_setup import ensure_home_site

    services.redirect_request(official, make_request(), other_department, "Belongs to them")
    assert ModelLogEntry.objects.filter(action="meydan.redirect", user_id=official.pk).count() == 1
    request = make_request()
    site = ensure_home_site().get_site()
    CrisisState.objects.update_or_create(
        site=site,
        defaults={"active": True, "message": "Sel", "started_at": timezone.now(), "municipality": municipality},
    )
    with pytest.raises(services.DeskRefused) as refused:
        services.answer_request(official, request, "Answer")
    assert refused.value.code == "forbidden" and "crisis" in str(refused.value.message)
    request.refresh_from_db()
    assert request.answered_at is None
