"""Answering, changing and withdrawing: who may, when, and what the database guarantees."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from questionnaires import services
from questionnaires.answers import InvalidAnswers
from questionnaires.models import Response
from questionnaires.services import ResponseRefused, submit_response, withdraw_response

from .conftest import RESPONSES_SEEN, full_answers


def refusal(call, *args, **kwargs):
    with pytest.raises(ResponseRefused) as caught:
        call(*args, **kwargs)
    return caught.value


def test_a_first_answer_is_stored(host, alice):
    response, created = submit_response(alice, host, full_answers())
    assert created
    assert response.answers["rank"] == ["r2", "r1", "r3"]
    assert (response.respondent, response.organisation, response.subject) == (alice, None, "")


def test_a_second_answer_changes_the_first_instead_of_adding_one(host, alice):
    first, _ = submit_response(alice, host, full_answers())
    second, created = submit_response(alice, host, full_answers(**{"q-single": "o3", "q-text": None}))
    assert not created and second.pk == first.pk
    assert Response.objects.count() == 1
    stored = Response.objects.get()
    assert stored.answers["single"] == "o3" and "text" not in stored.answers
    assert stored.updated_at >= stored.created_at


def test_each_person_answers_separately(host, alice, bob):
    submit_response(alice, host, full_answers())
    submit_response(bob, host, full_answers())
    assert Response.objects.count() == 2


def test_anonymous_and_unconfirmed_people_are_refused(host, anonymous, make_user):
    assert refusal(submit_response, anonymous, host, full_answers()).code == "login_required"
    unconfirmed = make_user(confirmed=False)
    assert refusal(submit_response, unconfirmed, host, full_answers()).code == "unconfirmed"
    assert not Response.objects.exists()


def test_after_closing_nothing_can_be_changed_and_nothing_is_lost(host, alice, close):
    submit_response(alice, host, full_answers())
    close(host)
    refused = refusal(submit_response, alice, host, full_answers(**{"q-single": "o2"}))
    assert (refused.code, refused.message) == ("closed", "This questionnaire is closed.")
    assert refusal(withdraw_response, alice, host).code == "closed"
    assert Response.objects.get().answers["single"] == "o1"


def test_invalid_answers_leave_the_stored_answer_untouched(host, alice):
    submit_response(alice, host, full_answers())
    with pytest.raises(InvalidAnswers):
        submit_response(alice, host, full_answers(**{"q-likert": "7"}))
    assert Response.objects.get().answers["likert"] == 4


def test_an_answer_can_be_withdrawn_while_open(host, alice):
    submit_response(alice, host, full_answers())
    withdraw_response(alice, host)
    assert not Response.objects.exists()
    assert refusal(withdraw_response, alice, host).code == "no_response"


def test_an_administrator_answers_on_behalf_of_a_verified_organisation(host, alice, ngo):
    response, _ = submit_response(alice, host, full_answers(), organisation=ngo)
    assert response.organisation == ngo
    # Changing it back to a personal answer keeps one response.
    response, created = submit_response(alice, host, full_answers(), organisation=None)
    assert not created and response.organisation is None


@pytest.mark.parametrize("role", ["member", "moderator", "official"])
def test_members_who_are_not_administrators_cannot_answer_for_the_organisation(host, bob, ngo, role):
    from meydan.accounts.models import Membership

    Membership.objects.create(user=bob, organisation=ngo, role=role)
    refused = refusal(submit_response, bob, host, full_answers(), organisation=ngo)
    assert refused.code == "forbidden"
    assert not Response.objects.exists()


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_an_unverified_organisation_cannot_answer(host, alice, make_organisation, status):
    applicant = make_organisation(status=status, members=[(alice, "admin")])
    assert refusal(submit_response, alice, host, full_answers(), organisation=applicant).code == "forbidden"


def test_a_superuser_does_not_speak_for_an_organisation_they_do_not_administer(host, ngo, make_user):
    admin = make_user(is_superuser=True, is_staff=True)
    assert refusal(submit_response, admin, host, full_answers(), organisation=ngo).code == "forbidden"


def test_an_organisation_answers_once_its_other_administrators_are_refused(host, alice, bob, ngo):
    from meydan.accounts.models import Membership

    Membership.objects.create(user=bob, organisation=ngo, role="admin")
    submit_response(alice, host, full_answers(), organisation=ngo)
    refused = refusal(submit_response, bob, host, full_answers(**{"q-single": "o2"}), organisation=ngo)
    assert refused.code == "organisation_answered"
    assert "Yeşil Dernek" in refused.message
    assert Response.objects.get().answers["single"] == "o1"
    # Bob may still answer for himself.
    submit_response(bob, host, full_answers())
    assert Response.objects.count() == 2


def test_subjects_keep_separate_answers_and_unknown_subjects_are_refused(host, alice):
    submit_response(alice, host, full_answers(), subject="case.1")
    submit_response(alice, host, full_answers(), subject="case.2")
    submit_response(alice, host, full_answers(), subject="case.2")
    assert sorted(Response.objects.values_list("subject", flat=True)) == ["case.1", "case.2"]
    assert refusal(submit_response, alice, host, full_answers(), subject="case.3").message == "Not your case."
    assert refusal(submit_response, alice, host, full_answers(), subject="x" * 101).code == "invalid"


def test_a_questionnaire_without_questions_takes_no_answers(host, alice):
    from .conftest import QUESTIONS

    QUESTIONS[host.pk] = []
    assert refusal(submit_response, alice, host, {}).code == "invalid"
    assert not Response.objects.exists()


def test_an_unregistered_host_is_refused(alice, make_user):
    assert refusal(submit_response, alice, make_user(), full_answers()).code == "not_found"


def test_the_host_hears_about_each_stored_answer_after_commit(host, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = submit_response(alice, host, full_answers())
        assert RESPONSES_SEEN == []
    with django_capture_on_commit_callbacks(execute=True):
        submit_response(alice, host, full_answers())
    seen = list(RESPONSES_SEEN)
    assert seen == [(first.pk, True), (first.pk, False)]


def test_a_lost_insert_race_becomes_an_update(host, alice, monkeypatch):
    """Two posts at once: the other one inserted between our look-up and our insert."""
    real_store = services._store
    calls = []
    _row(host, respondent=alice, answers={"single": "o2"})  # the other post's row

    def racing_store(user, where, answers, organisation):
        if not calls:
            calls.append(1)  # our look-up came before the other post's commit: we insert too
            return Response.objects.create(**where, respondent=user, answers=answers), True
        return real_store(user, where, answers, organisation)

    monkeypatch.setattr(services, "_store", racing_store)
    response, created = submit_response(alice, host, full_answers())
    assert not created
    assert Response.objects.get().answers["single"] == "o1"


def test_erasing_an_account_keeps_its_answers_in_the_totals(host, alice, bob):
    submit_response(alice, host, full_answers())
    submit_response(bob, host, full_answers())
    alice.delete()
    bob.delete()
    assert list(Response.objects.values_list("respondent", flat=True)) == [None, None]


def _row(host, **fields):
    from django.contrib.contenttypes.models import ContentType

    fields.setdefault("answers", {})
    return Response.objects.create(content_type=ContentType.objects.get_for_model(host), object_id=host.pk, **fields)


def test_the_database_refuses_a_second_response_by_the_same_person(host, alice):
    _row(host, respondent=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(host, respondent=alice)
    _row(host, respondent=alice, subject="case.1")  # another subject is another questionnaire
    # Rows whose account was erased do not collide.
    _row(host, respondent=None)
    _row(host, respondent=None)


def test_the_database_refuses_a_second_response_for_the_same_organisation(host, alice, bob, ngo):
    _row(host, respondent=alice, organisation=ngo)
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(host, respondent=bob, organisation=ngo)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_posts_by_one_person_store_one_response_on_postgres(make_organisation, make_user):
    from .conftest import QUESTIONS, STANDARD

    host = make_organisation()
    QUESTIONS[host.pk] = STANDARD
    user = make_user()
    barrier = threading.Barrier(4)
    outcomes = []

    def post(choice):
        try:
            barrier.wait()
            outcomes.append(submit_response(user, host, full_answers(**{"q-single": choice}))[1])
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(f"o{n % 3 + 1}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [False, False, False, True]
    assert Response.objects.filter(respondent=user).count() == 1


@pytest.mark.postgres
def test_postgres_enforces_one_response_per_person(host, alice):
    _row(host, respondent=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(host, respondent=alice)
