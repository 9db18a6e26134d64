"""Counts that matter stay exact when many requests arrive at once (needs a real Postgres)."""

import threading

import pytest
from django.db import connections
from django.test import Client

from proposals.models import Proposal, Support

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def fire(requests):
    """Run the callables at the same moment, one thread each; return their results."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(index, request):
        try:
            barrier.wait()
            results[index] = request()
        except Exception as error:  # reported by the test, whatever it is
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n, r)) for n, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_fifty_simultaneous_identical_supports_make_one(make_proposal, make_user):
    proposal = make_proposal()
    supporter = make_user()
    url = f"/proposals/{proposal.pk}/support/"

    def support():
        client = Client()
        client.force_login(supporter)
        return client.post(url).status_code

    statuses = fire([support] * 50)
    assert all(isinstance(status, int) for status in statuses), statuses
    assert sorted(set(statuses)) == [302, 409], statuses
    assert statuses.count(302) == 1
    proposal.refresh_from_db()
    assert Support.objects.filter(proposal=proposal).count() == 1 == proposal.support_count


def test_simultaneous_supports_by_different_people_are_all_counted(make_proposal, make_user):
    proposal = make_proposal()
    people = [make_user() for _ in range(30)]

    def support_as(user):
        def support():
            client = Client()
            client.force_login(user)
            return client.post(f"/proposals/{proposal.pk}/support/").status_code

        return support

    statuses = fire([support_as(user) for user in people])
    assert statuses == [302] * 30
    proposal.refresh_from_db()
    assert proposal.support_count == Support.objects.filter(proposal=proposal).count() == 30
    assert Proposal.objects.get(pk=proposal.pk).timeline.filter(kind="threshold").count() == 1
