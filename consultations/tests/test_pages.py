"""Page types, their phases, the index filters and the approval workflow."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import WorkflowPage

from consultations.models import ParticipationPage, Phase
from consultations.tests.conftest import LEVEL_MODELS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("level", LEVEL_MODELS)
@pytest.mark.parametrize("phase", ["upcoming", "open", "closed", "reported"])
def test_each_level_knows_its_phase_and_renders_publicly(client, make_page, level, phase):
    page = make_page(level, phase=phase)
    assert page.level == level
    assert page.phase() == phase
    response = client.get(page.url)
    assert response.status_code == 200
    assert page.title in response.text


def test_closing_is_automatic_at_the_closing_date(make_page):
    page = make_page("consultation", phase="open")
    assert page.is_open()
    assert not page.is_open(now=page.closes_at)
    assert page.phase(now=page.closes_at + timedelta(seconds=1)) == Phase.CLOSED


def test_closing_before_opening_is_refused_by_the_database(make_page):
    page = make_page("information")
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipationPage.objects.filter(pk=page.pk).update(closes_at=page.opens_at - timedelta(days=1))


def test_index_filters_by_level_phase_and_topic(client, make_page, participation_index):
    open_consultation = make_page("consultation", phase="open", title="Park plan")
    open_consultation.tags.add("parks")
    open_consultation.save_revision().publish()
    make_page("information", phase="closed", title="Budget info")
    make_page("dialogue", phase="upcoming", title="Youth dialogue")
    make_page("partnership", phase="reported", title="Climate partnership")

    def titles(query):
        response = client.get(participation_index.url + query)
        assert response.status_code == 200
        return {
            title
            for title in ("Park plan", "Budget info", "Youth dialogue", "Climate partnership")
            if title in response.text
        }

    assert titles("") == {"Park plan", "Budget info", "Youth dialogue", "Climate partnership"}
    assert titles("?level=consultation") == {"Park plan"}
    assert titles("?phase=open") == {"Park plan"}
    assert titles("?phase=closed") == {"Budget info"}
    assert titles("?phase=upcoming") == {"Youth dialogue"}
    assert titles("?phase=reported") == {"Climate partnership"}
    assert titles("?topic=parks") == {"Park plan"}
    # Unknown filter values are ignored rather than failing the page.
    assert titles("?level=<script>&phase=bogus") == titles("")


def test_index_queries_do_not_grow_with_the_number_of_pages(
    client, make_page, participation_index, django_assert_max_num_queries
):
    for n in range(3):
        make_page("consultation", title=f"C{n}").tags.add("t")
    with django_assert_max_num_queries(17) as small:
        client.get(participation_index.url)
    for n in range(15):
        make_page("information", title=f"I{n}").tags.add("t")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(participation_index.url)


def test_drafts_are_not_listed_or_served(client, make_page, participation_index):
    page = make_page("consultation", title="Secret draft")
    page.unpublish()
    assert "Secret draft" not in client.get(participation_index.url).text
    assert client.get(f"/katilim/{page.slug}/").status_code == 404


def test_index_gets_the_communications_office_workflow(participation_index, people):
    workflow = WorkflowPage.objects.get(page=participation_index).workflow
    task = workflow.workflow_tasks.get().task.specific
    assert list(task.groups.all()) == [people["comms_approver"].groups.get()]
    assert people["editor"].groups.get() != people["comms_approver"].groups.get()


def test_editors_may_draft_but_not_publish(participation_index, people):
    from wagtail.permission_policies.pages import PagePermissionPolicy

    policy = PagePermissionPolicy()
    editor, approver = people["editor"], people["comms_approver"]
    assert policy.user_has_permission_for_instance(editor, "add", participation_index)
    assert not policy.user_has_permission_for_instance(editor, "publish", participation_index)
    assert policy.user_has_permission_for_instance(approver, "publish", participation_index)
    assert timezone.now()


def test_a_page_published_after_a_cached_visit_appears_at_once(
    client, make_page, participation_index, django_capture_on_commit_callbacks
):
    make_page("information", title="First page")
    assert "First page" in client.get(participation_index.url).text
    with django_capture_on_commit_callbacks(execute=True):
        make_page("consultation", title="Brand new consultation")
    assert "Brand new consultation" in client.get(participation_index.url).text
