"""Crisis mode: who may switch it, what it pauses and routes centrally, and that switching off
resumes everything in order; every step audited."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext_lazy
from wagtail.actions.publish_page_revision import PublishPagePermissionError
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    ModelLogEntry,
    Page,
    PageLogEntry,
    Revision,
    Workflow,
    WorkflowPage,
    WorkflowState,
    WorkflowTask,
)

from crisis import services
from crisis.models import CrisisPeriod, CrisisState
from meydan import audit
from meydan.notifications.models import Notification
from meydan.notifications.services import notify

from .conftest import MAY_TOGGLE, ROLES, schedule

pytestmark = pytest.mark.django_db

ON = {"action": "on", "message": "Deprem: resmi bilgiler yalnızca buradan.", "reason": "AFAD alarmı", "confirm": "on"}
OFF = {"action": "off", "reason": "Tehlike geçti", "confirm": "on"}


def client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


def switch_on(site, user, message="Resmi duyuru"):
    return services.activate(user, site, message=message, reason="Tatbikat")


def switch_off(site, user):
    return services.deactivate(user, site, reason="Bitti")


def is_on(site):
    return CrisisState.objects.filter(site=site, active=True).exists()


# Who may switch --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_switching_on_grid(client, site, people, role):
    response = client_for(client, people[role]).post("/crisis/", ON)

    if role in MAY_TOGGLE:
        assert response.status_code == 302
        assert is_on(site)
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        if role == "anonymous":
            assert "/accounts/login/" in response["Location"] or "login" in response["Location"]
        assert not is_on(site)
        assert not CrisisPeriod.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_switching_off_grid(client, site, people, role):
    switch_on(site, people["superuser"])

    response = client_for(client, people[role]).post("/crisis/", OFF)

    if role in MAY_TOGGLE:
        assert response.status_code == 302
        assert not is_on(site)
        assert CrisisPeriod.objects.get().ended_by == people[role]
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert is_on(site)
        assert CrisisPeriod.objects.get().ended_at is None


@pytest.mark.parametrize("role", ["resident", "official"])
def test_the_page_itself_is_refused_to_others(client, site, people, role):
    assert client_for(client, people[role]).get("/crisis/").status_code == 403


def test_the_page_explains_and_asks_for_confirmation_and_reason(client, site, people):
    response = client_for(client, people["comms_office"]).get("/crisis/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<fieldset>" in html and "<legend>" in html
    assert 'name="confirm"' in html and 'name="reason"' in html and 'name="message"' in html


@pytest.mark.parametrize(
    "data, expected",
    [
        ({**ON, "confirm": ""}, "Confirm that you want to switch crisis mode on."),
        ({**ON, "reason": "   "}, "Give the reason"),
        ({**ON, "message": ""}, "Write the message the banner shows."),
        ({**ON, "message": "x" * 1001}, "at most 1000 characters"),
        ({**ON, "reason": "kötü\x00niyet"}, "Null characters are not allowed"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(client, site, people, data, expected):
    response = client_for(client, people["superuser"]).post("/crisis/", data)

    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not is_on(site)


def test_switching_twice_is_refused(site, people):
    switch_on(site, people["superuser"])
    with pytest.raises(services.CrisisRefused) as refusal:
        switch_on(site, people["municipality_admin"])
    assert refusal.value.code == "already_active"
    assert CrisisPeriod.objects.count() == 1
    switch_off(site, people["superuser"])
    with pytest.raises(services.CrisisRefused) as refusal:
        switch_off(site, people["superuser"])
    assert refusal.value.code == "not_active"


def test_a_form_opened_before_someone_else_switched_does_not_switch_back(client, site, people):
    client = client_for(client, people["comms_office"])
    assert 'value="on"' in client.get("/crisis/").content.decode()
    switch_on(site, people["municipality_admin"])  # meanwhile

    response = client.post("/crisis/", ON)

    assert response.status_code == 409
    assert "already on" in response.content.decode()
    assert 'value="off"' in response.content.decode()  # the form for the state as it is now
    assert is_on(site)
    assert client.post("/crisis/", OFF).status_code == 302
    assert client.post("/crisis/", OFF).status_code == 409
    assert not is_on(site)


def test_the_history_keeps_every_period(client, site, people):
    switch_on(site, people["comms_office"], message="Sel")
    switch_off(site, people["municipality_admin"])
    switch_on(site, people["superuser"], message="Yangın")

    periods = list(CrisisPeriod.objects.order_by("started_at"))
    assert [p.message for p in periods] == ["Sel", "Yangın"]
    assert periods[0].started_by == people["comms_office"] and periods[0].ended_by == people["municipality_admin"]
    assert periods[1].ended_at is None
    html = client_for(client, people["superuser"]).get("/crisis/").content.decode()
    assert "Tatbikat" in html and "Bitti" in html


# The banner ------------------------------------------------------------------------------------------------


def test_the_banner_appears_on_every_page_and_goes_away(client, site, people, django_capture_on_commit_callbacks):
    for path in ("/", "/organisations/"):
        assert "crisis-banner" not in client.get(path).content.decode()  # cached for anonymous visitors

    with django_capture_on_commit_callbacks(execute=True):
        switch_on(site, people["superuser"], message="Deprem: toplanma alanları açık")
    for path in ("/", "/organisations/", "/accounts/login/"):
        html = client.get(path).content.decode()
        assert "crisis-banner" in html, path
        assert "Deprem: toplanma alanları açık" in html

    with django_capture_on_commit_callbacks(execute=True):
        switch_off(site, people["superuser"])
    for path in ("/", "/organisations/"):
        assert "crisis-banner" not in client.get(path).content.decode()


def test_the_banner_escapes_the_message(client, site, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        switch_on(site, people["superuser"], message='<script>alert(1)</script><img src=x onerror="x()">')
    html = client.get("/").content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_the_banner_costs_no_query_once_cached(
    client, site, people, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        switch_on(site, people["superuser"])
    services.banner(site)
    with django_assert_num_queries(0):
        assert services.banner(site)["message"] == "Resmi duyuru"


# Scheduled publishing --------------------------------------------------------------------------------------


def test_scheduled_revisions_pause_and_resume_in_order(site, people, make_page):
    now = timezone.now()
    later = make_page("Sonraki duyuru")  # created first, due second: order is by time, not by creation
    earlier = make_page("İlk duyuru")
    future = make_page("Gelecek duyuru")
    later_revision = schedule(later, now + timedelta(minutes=30))
    earlier_revision = schedule(earlier, now + timedelta(minutes=10))
    future_revision = schedule(future, now + timedelta(days=2))

    switch_on(site, people["superuser"])

    assert not Revision.objects.filter(approved_go_live_at__isnull=False).exists()
    assert ModelLogEntry.objects.filter(action=audit.CRISIS_PAUSED).count() == 0
    assert PageLogEntry.objects.filter(action=audit.CRISIS_PAUSED).count() == 3
    # The times come while the crisis lasts: the publishing job finds nothing to publish.
    past = now - timedelta(minutes=1)
    for revision, when in ((earlier_revision, past - timedelta(minutes=20)), (later_revision, past)):
        services.PausedRevision.objects.filter(revision=revision).update(go_live_at=when)
        Revision.objects.filter(pk=revision.pk).update(content=dict(revision.content, go_live_at=when.isoformat()))
    call_command("publish_scheduled")
    assert not Page.objects.filter(pk__in=[earlier.pk, later.pk, future.pk], live=True).exists()

    switch_off(site, people["superuser"])

    earlier.refresh_from_db()
    later.refresh_from_db()
    future.refresh_from_db()
    assert earlier.live and later.live and not future.live
    published = list(
        PageLogEntry.objects.filter(action="wagtail.publish.scheduled").order_by("pk").values_list("page_id", flat=True)
    )
    assert published == [earlier.pk, later.pk]
    assert Revision.objects.get(pk=future_revision.pk).approved_go_live_at == future_revision.approved_go_live_at
    outcomes = [e.data["outcome"] for e in PageLogEntry.objects.filter(action=audit.CRISIS_RESUMED).order_by("pk")]
    assert outcomes == ["published", "published", "rescheduled"]


def test_a_page_published_during_the_crisis_is_not_overwritten_by_its_old_schedule(site, people, make_page):
    page = make_page("Duyuru")
    old = schedule(page, timezone.now() + timedelta(minutes=5))
    switch_on(site, people["superuser"])
    page.refresh_from_db()
    page.title = "Kriz masasının duyurusu"
    page.go_live_at = None
    page.save_revision(user=people["superuser"]).publish(user=people["superuser"])
    services.PausedRevision.objects.filter(revision=old).update(go_live_at=timezone.now() - timedelta(minutes=1))

    switch_off(site, people["superuser"])

    page.refresh_from_db()
    assert page.title == "Kriz masasının duyurusu"
    assert PageLogEntry.objects.get(action=audit.CRISIS_RESUMED).data["outcome"] == "superseded"


# Notifications ---------------------------------------------------------------------------------------------


def test_notifications_are_listed_but_their_emails_held_and_released_in_order(
    site, people, make_user, django_capture_on_commit_callbacks
):
    first, second = make_user(email="first@example.org"), make_user(email="second@example.org")
    switch_on(site, people["superuser"])

    with django_capture_on_commit_callbacks(execute=True):
        notify([first], title=gettext_lazy("First news"), body="one", url="/a/")
        notify([second, first], title=gettext_lazy("Second news"), body="two")

    assert Notification.objects.filter(user=first).count() == 2  # listed on the site at once
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        switch_off(site, people["superuser"])

    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("First news", ["first@example.org"]),
        ("Second news", ["second@example.org"]),
        ("Second news", ["first@example.org"]),
    ]
    assert mail.outbox[0].body.endswith("/a/")
    assert ModelLogEntry.objects.get(action=audit.CRISIS_RESUMED).data["count"] == 3


def test_queued_mass_mail_waits_for_the_end_of_a_crisis_that_began_after_it(
    site, people, make_user, settings, django_capture_on_commit_callbacks
):
    from meydan.notifications.models import HeldEmail, QueuedEmail
    from meydan.notifications.services import send_queued_email

    settings.MEYDAN_IMMEDIATE_EMAIL_LIMIT = 1
    readers = [make_user(email=f"reader{n}@example.org") for n in range(3)]
    notify(readers, title=gettext_lazy("Report published"), site=site)
    assert QueuedEmail.objects.count() == 3
    switch_on(site, people["superuser"])
    assert send_queued_email() == 3
    assert mail.outbox == [] and QueuedEmail.objects.count() == 0 and HeldEmail.objects.count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        switch_off(site, people["superuser"])
    assert sorted(m.to[0] for m in mail.outbox) == sorted(reader.email for reader in readers)


def test_notifications_outside_a_crisis_are_mailed_at_once(site, make_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify([make_user(email="x@example.org")], title=gettext_lazy("News"))
    assert [m.to for m in mail.outbox] == [["x@example.org"]]


# Central approval --------------------------------------------------------------------------------------------


def approval_workflow(name, page, approvers):
    task = GroupApprovalTask.objects.create(name=f"{name} task")
    task.groups.add(approvers)
    workflow = Workflow.objects.create(name=name)
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(page=page, workflow=workflow)
    return workflow


@pytest.fixture
def editor(make_user, site):
    """An editor of the site who may publish directly (ordinarily)."""
    user = make_user(email="editor@example.org")
    group = Group.objects.create(name="Site editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=group, page=site.root_page, permission=Permission.objects.get(codename=codename)
        )
    user.groups.add(group)
    return user


def test_every_page_goes_through_the_crisis_workflow_and_the_originals_come_back(site, people, make_page):
    section = make_page("Katılım")
    own = approval_workflow("Participation approval", section, Group.objects.create(name="Office"))
    child = make_page("Anket", parent=section)

    switch_on(site, people["comms_office"])

    state = CrisisState.objects.get(site=site)
    assert Page.objects.get(pk=child.pk).get_workflow() == state.workflow
    assert Page.objects.get(pk=site.root_page_id).get_workflow() == state.workflow
    assert not WorkflowPage.objects.filter(workflow=own).exists()
    # Something re-attaching its workflow mid-crisis (consultations does on every save) is set aside too.
    WorkflowPage.objects.update_or_create(page=section, defaults={"workflow": own})
    assert Page.objects.get(pk=child.pk).get_workflow() == state.workflow
    assert people["comms_office"].groups.filter(pk=state.group_id).exists()  # someone is there to approve

    switch_off(site, people["comms_office"])

    assert Page.objects.get(pk=child.pk).get_workflow() == own
    assert WorkflowPage.objects.get(page=section).workflow == own
    assert not WorkflowPage.objects.filter(workflow=state.workflow).exists()


def test_pages_waiting_for_another_approval_move_to_the_crisis_workflow(site, people, make_page, editor):
    section = make_page("Katılım")
    own = approval_workflow("Participation approval", section, Group.objects.create(name="Office"))
    page = make_page("Taslak", parent=section).specific
    page.save_revision(user=editor)
    own.start(page, editor)

    switch_on(site, people["superuser"])

    waiting = WorkflowState.objects.active().get(object_id=str(page.pk))
    assert waiting.workflow == CrisisState.objects.get(site=site).workflow
    assert waiting.requested_by == editor


def test_only_central_users_may_publish_during_a_crisis(site, people, make_page, editor):
    page = make_page("Duyuru").specific
    assert page.permissions_for_user(editor).can_publish()

    switch_on(site, people["comms_office"])
    editor_now = type(editor).objects.get(pk=editor.pk)  # permissions are cached per request/user object
    assert not page.permissions_for_user(editor_now).can_publish()
    assert page.permissions_for_user(editor_now).can_submit_for_moderation()
    with pytest.raises(PublishPagePermissionError):
        page.save_revision(user=editor_now).publish(user=editor_now)
    assert not Page.objects.get(pk=page.pk).live
    central = type(editor).objects.get(pk=people["comms_office"].pk)
    assert page.permissions_for_user(central).can_publish()

    switch_off(site, people["comms_office"])
    assert page.permissions_for_user(type(editor).objects.get(pk=editor.pk)).can_publish()


def test_the_central_group_approves_and_publishes(site, people, make_page, editor):
    page = make_page("Duyuru").specific
    switch_on(site, people["comms_office"])
    editor = type(editor).objects.get(pk=editor.pk)
    revision = page.save_revision(user=editor)
    state = CrisisState.objects.get(site=site).workflow.start(page, editor)

    central = type(editor).objects.get(pk=people["comms_office"].pk)
    state.current_task_state.task.specific.on_action(state.current_task_state, central, "approve")

    page.refresh_from_db()
    assert page.live and page.live_revision_id == revision.pk


def test_official_answers_need_the_centre_during_a_crisis(site, people):
    services.require_answer_allowed(people["official"], site)  # no crisis: nothing to say

    switch_on(site, people["comms_office"])

    for role in ("official", "municipality_admin", "resident"):
        with pytest.raises(services.CrisisRefused) as refusal:
            services.require_answer_allowed(people[role], site)
        assert (
            refusal.value.message == "During crisis mode official answers are published by the communications office."
        )
    services.require_answer_allowed(people["comms_office"], site)  # joined the central group on switching on
    services.require_answer_allowed(people["superuser"], site)


# Audit -------------------------------------------------------------------------------------------------------


def test_toggles_are_audited_with_who_why_and_the_address(client, site, people, make_page):
    schedule(make_page("Duyuru"), timezone.now() + timedelta(days=1))
    client.force_login(people["municipality_admin"])

    client.post("/crisis/", ON, REMOTE_ADDR="192.0.2.10")
    client.post("/crisis/", OFF, REMOTE_ADDR="192.0.2.11")

    on = ModelLogEntry.objects.get(action=audit.CRISIS_ON)
    off = ModelLogEntry.objects.get(action=audit.CRISIS_OFF)
    assert on.user_id == off.user_id == people["municipality_admin"].pk
    assert (on.data["ip"], on.data["reason"], on.data["paused_revisions"]) == ("192.0.2.10", "AFAD alarmı", 1)
    assert (off.data["ip"], off.data["reason"], off.data["resumed_revisions"]) == ("192.0.2.11", "Tehlike geçti", 1)
    paused = PageLogEntry.objects.get(action=audit.CRISIS_PAUSED)
    resumed = PageLogEntry.objects.get(action=audit.CRISIS_RESUMED)
    assert paused.data["ip"] == "192.0.2.10" and resumed.data["ip"] == "192.0.2.11"
    assert ModelLogEntry.objects.filter(action=audit.ROLE_CHANGE, user=people["municipality_admin"]).exists()


# The Wagtail admin ---------------------------------------------------------------------------------------------


def test_the_admin_menu_switches_crisis_mode(client, site, people):
    client.force_login(people["superuser"])
    assert "/admin/crisis/" in client.get("/admin/").content.decode()
    assert client.get("/admin/crisis/").status_code == 200

    response = client.post(f"/admin/crisis/{site.pk}/", ON)
    assert response.status_code == 302 and is_on(site)
    assert client.post(f"/admin/crisis/{site.pk}/", {**OFF, "reason": ""}).status_code == 400
    response = client.post(f"/admin/crisis/{site.pk}/", OFF)
    assert response.status_code == 302 and not is_on(site)


def test_the_admin_refuses_editors_who_are_not_communications_admins(client, site, editor):
    client.force_login(editor)
    assert "/admin/crisis/" not in client.get("/admin/").content.decode()
    # Wagtail's admin answers a refusal by sending the user back to its dashboard with a message.
    for response in (client.get("/admin/crisis/"), client.post(f"/admin/crisis/{site.pk}/", ON)):
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert not is_on(site)
