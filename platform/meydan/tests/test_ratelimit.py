"""Rate limits (meydan.ratelimit): the counter, the 429 page in the person's language, and a walk over
every URL so that no view that accepts POST goes without a limit."""

import inspect
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from meydan import ratelimit
from meydan.accounts.models import User
from meydan.ratelimit import RateLimited, hit, parse, person_key, rate_limited

ROOT = Path(__file__).resolve().parents[3]
SIGN_UP = reverse("accounts:sign_up")
MARK_READ = reverse("notifications:mark_read")


def limits(settings, **scopes):
    settings.MEYDAN_RATE_LIMITS = {**settings.MEYDAN_RATE_LIMITS, **scopes}


def sign_up_data(email):
    return {
        "email": email,
        "display_name": "Leyla",
        "password1": "kestane-kebap-2026",
        "password2": "kestane-kebap-2026",
        "preferred_language": "tr",
    }


# The counter ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("30/h", (30, 3600)), ("10/15m", (10, 900)), (" 5 / 2d ", (5, 172_800)), ("1/s", (1, 1)), ("0/h", (0, 3600))],
)
def test_limits_are_written_as_count_per_window(spec, expected):
    assert parse(spec) == expected


@pytest.mark.parametrize("spec", [None, "off", "OFF", ""])
def test_a_limit_can_be_switched_off(spec):
    assert parse(spec) is None


@pytest.mark.parametrize("spec", ["30", "30/hour", "h/30", "-1/h", "30/0m", "1.5/h", "30/ h m"])
def test_a_malformed_limit_is_a_configuration_error(spec):
    with pytest.raises(ImproperlyConfigured):
        parse(spec)


def test_the_write_after_the_limit_is_refused_and_says_when_to_retry(monkeypatch):
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_000_000.0)
    for _ in range(3):
        hit("test", "user:1", limit=3, window=3600)
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_000_600.0)
    with pytest.raises(RateLimited) as refused:
        hit("test", "user:1", limit=3, window=3600)
    assert refused.value.code == "rate_limited" and refused.value.retry_after == 3000


def test_refused_attempts_do_not_use_up_the_next_allowance():
    hit("test", "user:1", limit=1, window=3600)
    for _ in range(5):
        with pytest.raises(RateLimited):
            hit("test", "user:1", limit=1, window=3600)
    from django.core.cache import cache

    assert cache.get("ratelimit:test:user:1") == 1


def test_people_and_scopes_are_counted_apart():
    hit("test", "user:1", limit=1, window=60)
    hit("test", "user:2", limit=1, window=60)
    hit("other", "user:1", limit=1, window=60)
    with pytest.raises(RateLimited):
        hit("test", "user:1", limit=1, window=60)


def test_the_allowance_comes_back_when_the_window_ends():
    hit("test", "user:1", limit=1, window=1)
    with pytest.raises(RateLimited):
        hit("test", "user:1", limit=1, window=1)
    time.sleep(1.1)
    hit("test", "user:1", limit=1, window=1)


def test_limits_come_from_the_settings_and_off_means_unlimited(settings):
    limits(settings, **{"comments.post": "2/h"})
    hit("comments.post", "user:1")
    hit("comments.post", "user:1")
    with pytest.raises(RateLimited):
        hit("comments.post", "user:1")
    limits(settings, **{"comments.post": "off"})
    for _ in range(10):
        hit("comments.post", "user:1")


def test_an_unknown_scope_fails_when_the_view_is_decorated():
    with pytest.raises(ImproperlyConfigured, match="no entry for the scope"):
        rate_limited("no.such.scope")


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "ip:203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "ip:2001:db8:1:2::"),  # one subscriber's /64 is one client
        ("2001:db8:1:2:bbbb::9", "ip:2001:db8:1:2::"),
        ("::ffff:203.0.113.7", "ip:203.0.113.7"),
        ("", "ip:unknown"),
        ("not an address", "ip:not an address"),
    ],
)
def test_anonymous_people_are_counted_by_address(address, key):
    assert person_key(None, address) == key


def test_signed_in_people_are_counted_by_account_on_any_address(make_user):
    user = make_user()
    assert person_key(user, "203.0.113.7") == person_key(user, "198.51.100.1") == f"user:{user.pk}"


def test_every_configured_limit_is_well_formed():
    for scope, spec in settings.MEYDAN_RATE_LIMITS.items():
        assert parse(spec) is not None, scope


def test_operators_override_single_limits_from_the_environment():
    def run(value):
        code = "from django.conf import settings; print(settings.MEYDAN_RATE_LIMITS['comments.post'])"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "meydan.settings.test", "MEYDAN_RATE_LIMITS": value}
        command = [sys.executable, "-c", f"import sys; sys.path[:0] = ['.', 'platform']; {code}"]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert run("comments.post=100/h, desk.lookup=off").stdout.strip() == "100/h"
    refused = run("comments.pots=100/h")
    assert refused.returncode != 0 and "comments.pots" in refused.stderr


def test_the_security_document_lists_every_scope_with_its_default():
    text = (ROOT / "docs" / "security.md").read_text()
    section = text.split("## Rate limits", 1)[1].split("\n## ", 1)[0]
    for scope, spec in settings.MEYDAN_RATE_LIMITS.items():
        assert re.search(rf"`{re.escape(scope)}`[^\n]*\b{re.escape(spec)}\b", section), scope


# The 429 page -----------------------------------------------------------------------------------------


@pytest.fixture
def one_sign_up_a_quarter_hour(settings, db, home_site):
    limits(settings, **{"accounts.sign_up": "1/15m"})


@pytest.mark.usefixtures("one_sign_up_a_quarter_hour")
def test_a_limit_hit_answers_429_in_english_and_saves_nothing(client):
    assert client.post(SIGN_UP, sign_up_data("first@example.org")).status_code == 302
    response = client.post(
        SIGN_UP, sign_up_data("second@example.org"), HTTP_REFERER="http://testserver/accounts/signup/"
    )
    html = response.content.decode()
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 900
    assert "no-store" in response["Cache-Control"]
    assert "Too many requests" in html
    assert re.search(r"You have done this too often\. Please try again in 1[45]\xa0minutes\.", html)
    assert '<a href="http://testserver/accounts/signup/">Back to the page</a>' in html
    assert not User.objects.filter(email="second@example.org").exists()


@pytest.mark.usefixtures("one_sign_up_a_quarter_hour")
def test_a_limit_hit_answers_429_in_turkish(client):
    client.post(SIGN_UP, sign_up_data("first@example.org"), HTTP_ACCEPT_LANGUAGE="tr")
    response = client.post(SIGN_UP, sign_up_data("second@example.org"), HTTP_ACCEPT_LANGUAGE="tr")
    html = response.content.decode()
    assert response.status_code == 429
    assert '<html lang="tr"' in html
    assert "Çok fazla istek" in html and "Too many requests" not in html
    assert re.search(r"1[45]\xa0dakika", html) and "minutes" not in html  # the waiting time is in Turkish too
    assert "Sayfaya geri dön" in html


@pytest.mark.usefixtures("one_sign_up_a_quarter_hour")
def test_the_way_back_never_leads_to_another_site(client):
    client.post(SIGN_UP, sign_up_data("first@example.org"))
    response = client.post(SIGN_UP, sign_up_data("second@example.org"), HTTP_REFERER="https://evil.example/")
    assert response.status_code == 429 and 'href="/"' in response.content.decode()
    assert "evil.example" not in response.content.decode()


@pytest.mark.usefixtures("one_sign_up_a_quarter_hour")
def test_reading_a_form_is_never_counted(client):
    for _ in range(5):
        assert client.get(SIGN_UP).status_code == 200
    assert client.post(SIGN_UP, sign_up_data("first@example.org")).status_code == 302


@pytest.mark.usefixtures("one_sign_up_a_quarter_hour")
def test_anonymous_writes_are_counted_per_address(client):
    client.post(SIGN_UP, sign_up_data("first@example.org"), REMOTE_ADDR="203.0.113.7")
    assert client.post(SIGN_UP, sign_up_data("second@example.org"), REMOTE_ADDR="203.0.113.7").status_code == 429
    assert client.post(SIGN_UP, sign_up_data("third@example.org"), REMOTE_ADDR="198.51.100.1").status_code == 302


def test_people_sharing_an_address_each_have_their_own_allowance(client, settings, make_user, home_site):
    limits(settings, **{"notifications.read": "1/h"})
    alice, bob = make_user(), make_user()
    client.force_login(alice)
    assert client.post(MARK_READ).status_code == 302
    assert client.post(MARK_READ).status_code == 429
    client.force_login(bob)
    assert client.post(MARK_READ).status_code == 302


# Every write endpoint has a limit -------------------------------------------------------------------

# Views that accept POST without the decorator, each with the reason. Keyed by the view's dotted path.
EXEMPT = {
    "meydan.accounts.views.LogoutView": "ends the caller's own session; there is nothing to repeat",
    "desk.views.lookup": "limited inside the view (scope desk.lookup), which shows the form again with the message",
    "desk.wagtail_hooks.ScopedEditView": "Wagtail snippet editing (topics, reply templates) inside the Wagtail admin",
    "desk.wagtail_hooks.ScopedDeleteView": "Wagtail snippet deletion inside the Wagtail admin, as above",
}
# Third-party views mounted by third-party URLconfs are theirs: Wagtail's admin (editors and staff, behind
# the admin login), its documents and page serving (our page types only render; their forms post to the
# app URLs walked here), and the admin API. A third-party view in one of our URLconfs (Django's
# password views) is ours to limit, and so is one of our views mounted in Wagtail's admin.


def _project_packages():
    from django.apps import apps

    return tuple(
        config.name + "."
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and ".venv" not in Path(config.path).parts
    )


PROJECT = _project_packages()


def _patterns(patterns, prefix="", owner=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            module = getattr(entry.urlconf_module, "__name__", owner)
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern), module)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback, owner


def _innermost(view):
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return view


def _dotted(view):
    target = getattr(view, "view_class", None) or _innermost(view)
    return f"{target.__module__}.{target.__qualname__}"


def _allowed_methods(function):
    """The methods of a require_http_methods/require_POST/require_GET layer, or None."""
    if function.__closure__ is None:
        return None
    cells = dict(zip(function.__code__.co_freevars, function.__closure__, strict=True))
    return cells["request_method_list"].cell_contents if "request_method_list" in cells else None


def accepts_post(view):
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return "post" in view_class.http_method_names and hasattr(view_class, "post")
    layer = view
    while True:
        methods = _allowed_methods(layer)
        if methods is not None and "POST" not in methods:
            return False
        if not hasattr(layer, "__wrapped__"):
            break
        layer = layer.__wrapped__
    source = inspect.getsource(layer)
    return "POST" in source or "request.method" in source


def limit_scope(view):
    view_class = getattr(view, "view_class", None)
    candidates = [view]
    if view_class is not None:
        candidates += [getattr(view_class, "post", None), getattr(view_class, "dispatch", None)]
    return next((c.rate_limit_scope for c in candidates if hasattr(c, "rate_limit_scope")), None)


def write_endpoints():
    endpoints = {}
    for route, view, owner in _patterns(get_resolver().url_patterns):
        ours = f"{owner}.".startswith(PROJECT) or _dotted(view).startswith(PROJECT)
        if not ours or not accepts_post(view):
            continue
        endpoints.setdefault(_dotted(view), (route, view))
    return endpoints


WRITE_ENDPOINTS = write_endpoints()


def test_the_walk_finds_the_write_endpoints():
    """Guards the walk itself: if it stopped recognising POST views, the test below would pass empty."""
    found = set(WRITE_ENDPOINTS)
    assert len(found) >= 60
    assert {"comments.views.post_comment", "desk.views.submit", "meydan.accounts.views.LoginView"} <= found
    assert "meydan.accounts.admin_views.ApplicationDetailView" in found  # a class in the Wagtail admin
    assert "proposals.views.similar" not in found and "meydan.privacy.views.notice" not in found  # GET only


@pytest.mark.parametrize("dotted", sorted(WRITE_ENDPOINTS))
def test_every_view_that_accepts_post_is_rate_limited(dotted):
    route, view = WRITE_ENDPOINTS[dotted]
    scope = limit_scope(view)
    assert scope or dotted in EXEMPT, (
        f"{route} ({dotted}) accepts POST without @rate_limited: add it, with a scope in MEYDAN_RATE_LIMITS "
        "and a row in docs/security.md, or list it in EXEMPT with the reason"
    )
    assert not (scope and dotted in EXEMPT), f"{dotted} is rate limited: take it out of EXEMPT"
    if scope:
        assert scope in settings.MEYDAN_RATE_LIMITS


def test_exemptions_name_views_that_exist():
    every_view = {_dotted(view) for _, view, _ in _patterns(get_resolver().url_patterns)}
    assert set(EXEMPT) <= every_view
