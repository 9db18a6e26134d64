"""Whose requests the inbox lists, and at what cost.

The desk's inbox source reads a municipality administrator's requests in two disjoint parts, each off
its own index (desk.sources.inbox_scopes). These tests hold it to the plain definition (every request
`handled_requests` gives, in an inbox status), across municipalities, requests sent on and requests
received, and check that its queries do not grow with the number of requests.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desk import services
from desk.models import INBOX_STATUSES, Request, Topic
from desk.sources import INBOX_ORDER, _InLiterals, handled_requests, in_inbox, inbox_scopes

pytestmark = pytest.mark.django_db

INBOX = reverse("desk:inbox")


def _add(municipality, topic, department, due_in_days, status="received"):
    now = timezone.now()
    return Request.objects.create(
        kind="complaint",
        municipality=municipality,
        topic=topic,
        department=department,
        contact_email="someone@example.org",
        text="Kaldırım kırık.",
        status=status,
        created_at=now - timedelta(days=2),
        due_at=None if status == "unconfirmed" else now + timedelta(days=due_in_days),
        closed_at=now if status == "closed" else None,
    )


@pytest.fixture
def world(make_organisation, make_user, municipality, department, other_department, topic, municipality_admin):
    """Two municipalities, a state agency, and requests that cross between them."""
    from meydan.accounts.models import Membership

    city = make_organisation(kind="municipality", name="Komşu Belediyesi", slug="komsu-belediyesi")
    city_department = make_organisation(kind="department", name="Komşu Fen İşleri", slug="komsu-fen", parent=city)
    agency = make_organisation(kind="other", name="Karayolları", slug="karayollari")
    city_topic = Topic.objects.create(municipality=city, name="Komşu yolları", department=city_department)
    city_admin = make_user(email="city-admin@example.org")
    Membership.objects.create(user=city_admin, organisation=city, role="admin")
    other_topic = Topic.objects.create(municipality=municipality, name="Parklar", department=other_department)

    rows = {
        "own": _add(municipality, topic, department, 5),
        "own_other_department": _add(municipality, other_topic, other_department, 6),
        "answered": _add(municipality, topic, department, 7, status="answered"),
        "sent_to_agency": _add(municipality, topic, department, 8),
        "sent_to_city": _add(municipality, topic, department, 9),
        "received_from_city": _add(city, city_topic, city_department, 10),
        "city_own": _add(city, city_topic, city_department, 11),
        # Data no use case makes (a topic pointed at another municipality's department, say): the
        # inbox still lists what can_handle allows, as it always did.
        "stray": _add(city, city_topic, department, 12),
        "closed": _add(municipality, topic, department, 13, status="closed"),
        "unconfirmed": _add(municipality, topic, department, 14, status="unconfirmed"),
    }
    services.redirect_request(municipality_admin, rows["sent_to_agency"], agency, "Karayolları'nın yolu")
    services.redirect_request(municipality_admin, rows["sent_to_city"], city, "Komşu belediyenin sokağı")
    services.redirect_request(city_admin, rows["received_from_city"], municipality, "Sınırdaki sokak")
    return {"rows": rows, "city": city, "city_department": city_department, "city_admin": city_admin}


def _codes(content, rows):
    return {name for name, row in rows.items() if row.tracking_code in content}


def test_municipality_admin_sees_their_departments_sent_on_and_received_requests(client, world, municipality_admin):
    client.force_login(municipality_admin)
    content = client.get(INBOX).content.decode()
    assert _codes(content, world["rows"]) == {
        "own",
        "own_other_department",
        "answered",
        "sent_to_agency",
        "sent_to_city",
        "received_from_city",
        "stray",
    }
    assert "7 items" in content


def test_the_other_municipalitys_admin_and_a_department_official(client, world, official):
    client.force_login(world["city_admin"])
    content = client.get(INBOX).content.decode()
    assert _codes(content, world["rows"]) == {"sent_to_city", "received_from_city", "city_own", "stray"}
    assert "4 items" in content
    client.force_login(official)
    content = client.get(INBOX).content.decode()
    assert _codes(content, world["rows"]) == {"own", "answered", "stray"}
    assert "3 items" in content


def test_scopes_are_disjoint_and_add_up_to_the_plain_definition(
    world, make_user, municipality, department, municipality_admin, official, department_admin
):
    from meydan.accounts.models import Membership

    both = make_user(email="both-cities@example.org")
    Membership.objects.create(user=both, organisation=municipality, role="admin")
    Membership.objects.create(user=both, organisation=world["city"], role="admin")
    mixed = make_user(email="mixed@example.org")  # admin of one city, official of the other's department
    Membership.objects.create(user=mixed, organisation=world["city"], role="admin")
    Membership.objects.create(user=mixed, organisation=department, role="official")
    superuser = make_user(email="root@example.org", is_superuser=True, is_staff=True)
    for user in (municipality_admin, world["city_admin"], official, department_admin, both, mixed, superuser):
        expected = set(handled_requests(user).filter(status__in=INBOX_STATUSES).values_list("pk", flat=True))
        parts = [set(scope.values_list("pk", flat=True)) for scope in inbox_scopes(user)]
        assert set().union(*parts) == expected, user.email
        assert sum(len(part) for part in parts) == len(expected), user.email  # no request counted twice
        assert expected  # each of them has something in the inbox


def test_filters_apply_to_both_parts_and_foreign_departments_are_ignored(client, world, municipality_admin, department):
    client.force_login(municipality_admin)
    content = client.get(INBOX, {"department": department.pk}).content.decode()
    assert _codes(content, world["rows"]) == {"own", "answered", "stray"}
    # A department the admin does not see requests of (another municipality's) is not a filter: the
    # whole inbox shows, nothing of that department.
    content = client.get(INBOX, {"department": world["city_department"].pk}).content.decode()
    assert "city_own" not in _codes(content, world["rows"]) and "7 items" in content
    content = client.get(INBOX, {"kind": "desk:complaint", "assignee": "none", "due": "week"}).content.decode()
    assert _codes(content, world["rows"]) == {"own", "own_other_department"}  # answered ones are not due


def test_inbox_order_and_pages_across_both_parts(client, world, municipality, topic, department, municipality_admin):
    rows = world["rows"]
    for days in range(30, 60):
        _add(municipality, topic, department, days)
    _add(world["city"], Topic.objects.get(municipality=world["city"]), department, 45)  # another stray one
    client.force_login(municipality_admin)
    first = client.get(INBOX).content.decode()
    second = client.get(INBOX, {"page": 2}).content.decode()
    assert "38 items" in first
    expected = list(
        handled_requests(municipality_admin)
        .filter(status__in=INBOX_STATUSES)
        .order_by(*INBOX_ORDER)
        .values_list("tracking_code", flat=True)
    )
    shown = [code for code in expected if code in first] + [code for code in expected if code in second]
    assert shown == expected
    positions = [first.index(code) for code in expected[:25]]
    assert positions == sorted(positions)  # due first, whichever part a request comes from
    assert rows["own"].tracking_code in first and rows["stray"].tracking_code in first
    # A page past the end (a stale link) shows the last page, as the pagination says, not an empty list.
    late = client.get(INBOX, {"page": 9}).content.decode()
    assert "Page 2 of 2" in late and expected[-1] in late and "Nothing is waiting" not in late


def test_admin_inbox_queries_do_not_grow_with_requests(
    client, world, municipality, topic, department, municipality_admin
):
    city_topic = Topic.objects.get(municipality=world["city"])
    client.force_login(municipality_admin)

    def measure(params):
        client.get(INBOX, params)  # warm caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(INBOX, params)
        assert response.status_code == 200
        desk = [query["sql"] for query in queries.captured_queries if "desk_request" in query["sql"]]
        return len(queries), len(desk), response.content.decode()

    small = [measure({}), measure({"page": 2})]
    for days in range(60):
        _add(municipality, topic, department, days)
    for days in range(30):  # more requests received from the other city, and more of its own
        received = _add(world["city"], city_topic, world["city_department"], days)
        services.redirect_request(world["city_admin"], received, municipality, "Sınırdaki sokak")
        _add(world["city"], city_topic, world["city_department"], days)
    large = [measure({}), measure({"page": 2})]
    assert [count for count, _desk, _html in small] == [count for count, _desk, _html in large]
    # Departments of the filter; per part a count and the page's keys; the page's requests.
    assert all(desk <= 6 for _count, desk, _html in small + large)
    assert "97 items" in large[0][2]  # 7 + 60 + 30 received; not the other city's own 30


def test_the_admins_page_is_read_off_the_partial_index(municipality_admin, municipality, topic, department):
    """The query states the index's condition with the values in its text: SQLite plans before it sees
    bound parameters and would sort the municipality's open requests instead (as would a generic plan
    on PostgreSQL)."""
    for days in range(60):
        _add(municipality, topic, department, days, status="closed" if days % 3 else "received")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # a small table: make the planner show what it can use
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
    keys = inbox_scopes(municipality_admin)[0].order_by(*INBOX_ORDER).values_list(*INBOX_ORDER)[:25]
    plan = keys.explain()
    assert "desk_request_muni_inbox" in plan, plan


def test_literal_in_takes_choice_values_only():
    assert Request.objects.filter(in_inbox()).count() == 0
    with pytest.raises(ValueError):
        list(Request.objects.filter(_InLiterals(F("status"), ["received') OR ('1'='1"])))
    with pytest.raises(ValueError):
        list(Request.objects.filter(_InLiterals(F("status"), [])))
