"""The security corpus (issue 8, deliverable 6): hostile strings through every field people write in,
then every page that shows them, parsed as a browser parses them.

Each test starts from the demo site (`seed_demo`), logs the demo people in and submits the payloads of
platform/meydan/tests/data/xss_corpus.txt (615 distinct) through the real URLs, as many as a field holds,
each value starting with a marker of its field. Then it renders the pages that show them: the pages the
test names, and every page reachable from them by links (up to a bound), as anonymous visitors, authors,
NGO administrators, officials, moderators and administrators, plus Wagtail's admin listings; and the
live events whose HTML the page scripts insert. Every HTML response, refusals included (a form that
comes back with what was typed is where markup breaks out), goes through
tests.security_corpus_fields.inspect_page, which fails on: a <script> that is not one of our files under
/static/, an on* attribute, a javascript:/vbscript:/data: URL in any URL attribute, an <iframe>, <object>
or <embed> other than the council stream the editor embedded, a style attribute or <style> element, a
<base>, or a <meta http-equiv=refresh>. A field whose marker appears on no page fails too: a check that
sees no payload would pass for the wrong reason.

Fields covered (what a person types; choices, checkboxes and buttons get no text):
- accounts: sign-up (e-mail, display name, passwords, language: as an over-long refusal), profile display
  name (six demo people carry hostile names into every page they appear on), NGO application (name,
  registration number, description, address, website with script-scheme variants), rejection reason
  (Wagtail admin review);
- proposals: title, body (rich text), tags, the preview step, edit, official answer, moderation reason,
  merge reason; comments: text, reply, edit, flag details, hide reason, and the hidden "next" address;
- moderation: hide and restore reasons, appeal, appeal decision reason, warning and suspension reasons;
- live: comments through the form and through the websocket action (the handler the consumer calls, and
  the real /ws/ consumer in the last test), replies, poll question and six options, poll answers (form
  and websocket), console hide and ban reasons (the banned person reads the reason);
- consultations: information questions (as a person and as an NGO), answer, hide reason; dialogue
  statement, "represents", decline reason; paragraph comments (also as an NGO's official response);
  questionnaire free-text answers and "next"; position paper title, summary and file name; NGO
  self-assessment comment; themes (title, summary); outcome reasons (one and in bulk); report
  introduction; the questionnaire results page;
- desk: request text and district, photo and attachment file names, an anonymous request confirmed by
  its e-mail link, tracking-code lookup, internal note, answer, redirect reason, reopen reason, rating
  comment, publishing a suggestion as a proposal (title, body), reply templates (title, body);
- crisis: banner message and the reasons for switching on and off;
- query strings: search, list filters and sorting, pagination, moderation log filters, report periods,
  inbox filters, "next" on login and moderation pages.

Not covered, and why:
- what editors write in Wagtail (page titles and summaries, StreamField rich text, questionnaire
  questions and options, agenda items, partnership members, decisions and co-drafts, minutes): that is
  staff content cleaned by Wagtail's own rich-text whitelist, not citizens' input;
- reply templates are Wagtail snippets: their hostile text is stored directly rather than through the
  snippet form (the rendering, which is what this test is about, is the same);
- the rating comment is stored and exported (CSV, privacy export) but shown on no HTML page;
- passwords (never shown), the erasure form (a choice and a password), password reset (an address);
- comment threads on dialogue and partnership pages use the same comments endpoint and templates as the
  proposal and paragraph threads covered here;
- exports (CSV, JSON, the privacy zip) are not HTML; the NGO logo is re-encoded by meydan.images.
"""

import json
import re
from collections import defaultdict
from datetime import timedelta
from io import StringIO
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.security_corpus_fields import HOSTILE_URLS, Payloads, fragment_violations, inspect_page, load_payloads

pytestmark = pytest.mark.django_db

PAYLOADS = load_payloads()
SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
SKIPPED_PREFIXES = ("/admin/", "/static/", "/media/", "/documents/", "/i18n/", "/accounts/logout/", "/ws/")
SKIPPED_SUFFIXES = (".csv", ".json", ".pdf", ".zip", "/download/", "/photo/", "theme.css")
VARIANTS_PER_PATH = 3
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


class _NoLimits(dict):
    """Every rate-limit scope switched off: the corpus writes far more than any person may."""

    def __contains__(self, scope):
        return True

    def __missing__(self, scope):
        return None


class Site:
    """The demo site, its people with logged-in clients, the payloads and everything seen so far."""

    def __init__(self, capture_on_commit):
        from meydan.accounts.models import User

        # Each request commits in production: run what it scheduled on commit (mail, notifications,
        # live events) right after it, as the server would.
        self.committed = lambda: capture_on_commit(execute=True)
        self.payloads = Payloads(PAYLOADS)
        self.users = {
            email.split("@")[0]: user
            for email, user in ((u.email, u) for u in User.objects.filter(email__endswith="@meydan.example"))
        }
        self._clients = {}
        self.overflowed = []
        self.problems = []
        self.seen_text = defaultdict(str)
        self.pages = 0
        self.frames = set()

    def client(self, who):
        if who not in self._clients:
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            if who != "anonymous":
                client.force_login(self.users[who])
            self._clients[who] = client
        return self._clients[who]

    def text(self, field, limit, **options):
        return self.payloads.text(field, limit, **options)

    def overflow(self, field, *, echoed=True):
        """Every payload at once, far over any limit: the refusal page shows the form again, with it."""
        if echoed:
            self.overflowed.append(field)
        return self.payloads.overflow(field)

    # --- requests ---

    def post(self, who, url, data=None, *, expect=(302,), **extra):
        with self.committed():
            response = self.client(who).post(url, data or {}, **extra)
        self.check(who, f"POST {url}", response)
        if response.status_code not in expect:
            pytest.fail(f"POST {url} as {who}: {response.status_code}, expected {expect}\n{_errors(response)}")
        return response

    def get(self, who, url, *, expect=(200,)):
        with self.committed():
            response = self.client(who).get(url)
        self.check(who, url, response)
        assert response.status_code in expect, (who, url, response.status_code)
        return response

    def check(self, who, url, response):
        if "text/html" not in response.get("Content-Type", "") or not response.content:
            return []
        admin = urlsplit(url.split()[-1]).path.startswith("/admin/")
        problems, text, hrefs = inspect_page(response.content.decode(), allowed_frames=self.frames, admin=admin)
        self.pages += 1
        self.problems.extend(f"{who} {url} [{response.status_code}]: {problem}" for problem in problems)
        self.seen_text[url] += text
        return hrefs

    def crawl(self, who, seeds, limit=300):
        client = self.client(who)
        queue, seen, per_path = list(seeds), set(), defaultdict(int)
        while queue and len(seen) < limit:
            url = queue.pop(0).split("#", 1)[0]
            if not url or url in seen or not _followable(url):
                continue
            path = urlsplit(url).path
            if per_path[path] >= VARIANTS_PER_PATH:
                continue
            per_path[path] += 1
            seen.add(url)
            with self.committed():
                response = client.get(url)
            if response.status_code in (301, 302, 303):
                queue.append(response["Location"])
                continue
            for href in self.check(who, url, response):
                if href.startswith("?"):
                    href = path + href
                if href.startswith("/") and not href.startswith("//"):
                    queue.append(href)
        return seen

    # --- what the test asserts ---

    def check_events(self):
        """Live events carry comment HTML that the browser's script puts into the page with innerHTML
        (live/static/live/js/session.js, proposals/static/proposals/js/proposal.js); every other value
        is written with textContent or as a data attribute."""
        from live.models import Event

        for event in Event.objects.select_related("topic"):
            for html in _html_values(event.payload):
                self.problems.extend(f"event {event}: {problem}" for problem in fragment_violations(html))
                self.seen_text[f"event {event.topic.name}"] += html

    def admin_pages(self):
        """Wagtail's admin, where staff read the same content: every snippet listing and the first
        objects' edit views, the audit log and the NGO applications."""
        from wagtail.snippets.models import get_snippet_models

        urls = ["/admin/", "/admin/reports/site-history/", "/admin/organisations/applications/"]
        for model in get_snippet_models():
            listing = reverse(model.snippet_viewset.get_url_name("list"))
            urls.append(listing)
            for pk in model.objects.order_by("-pk").values_list("pk", flat=True)[:2]:
                urls.append(reverse(model.snippet_viewset.get_url_name("edit"), args=[pk]))
        for url in urls:
            self.get("admin", url, expect=(200, 302, 403, 404))

    def assert_harmless_and_shown(self, fields, *, at_least=300):
        self.admin_pages()
        self.check_events()
        print(
            f"{len(fields)} fields, {len(self.payloads.used)} distinct payloads stored, "
            f"{len(self.payloads.submitted)} submitted, {self.pages} pages checked"
        )

        assert not self.problems, f"{len(self.problems)} problem(s):\n" + "\n".join(self.problems[:40])
        everything = "\n".join(self.seen_text.values())
        missing = [field for field in [*fields, *self.overflowed] if self.payloads.marker(field) not in everything]
        assert not missing, f"never shown on any page (refused or not rendered?): {missing}"
        assert len(self.payloads.submitted) == len(PAYLOADS)
        assert len(self.payloads.used) >= at_least, f"only {len(self.payloads.used)} distinct payloads were stored"


def _html_values(payload):
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "html" and isinstance(value, str):
                yield value
            else:
                yield from _html_values(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from _html_values(value)


def _errors(response):
    """Form errors of a refused submission, for the failure message."""
    context = response.context
    found = []
    for key in context.keys() if context is not None else ():
        value = context[key]
        if getattr(value, "is_bound", False) and value.errors:
            found.append(f"{key}: {value.errors.as_text()}")
    html = response.content.decode(errors="replace")
    found += re.findall(r'class="[^"]*(?:message|error)[^"]*"[^>]*>(.{0,300}?)</', html, flags=re.S)
    return "\n".join(found) or html[-3000:]


def _followable(url):
    path = urlsplit(url).path
    return (
        url.startswith("/")
        and not url.startswith("//")
        and not path.startswith(SKIPPED_PREFIXES)
        and not (path.endswith(SKIPPED_SUFFIXES))
    )


@pytest.fixture
def site(settings, monkeypatch, tmp_path, django_capture_on_commit_callbacks):
    settings.MEYDAN_RATE_LIMITS = _NoLimits()
    settings.MEYDAN_PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # The older per-service limits count rows in the database.
    import comments.services
    import consultations.services.information
    import proposals.services

    monkeypatch.setattr(comments.services, "RATE_LIMIT", 10**6, raising=False)
    monkeypatch.setattr(consultations.services.information, "QUESTIONS_PER_HOUR", 10**6, raising=False)
    monkeypatch.setattr(proposals.services, "PROPOSALS_PER_HOUR", 10**6, raising=False)
    call_command("seed_demo", stdout=StringIO())
    return Site(django_capture_on_commit_callbacks)


def make_member(site, name, organisation_slug, role):
    from meydan.accounts.models import Membership, Organisation, User

    user = User.objects.create_user(
        email=f"{name}@meydan.example",
        password="x" * 20,
        display_name=name.title(),
        email_confirmed_at=timezone.now(),
        preferred_language="en",
        is_staff=role != "member",
    )
    Membership.objects.create(user=user, organisation=Organisation.objects.get(slug=organisation_slug), role=role)
    site.users[name] = user
    return user


def hostile_display_names(site):
    """The people who act everywhere carry hostile display names (set through the profile form)."""
    fields = []
    for who in ("resident", "ngo", "official", "moderator", "citizen", "member"):
        field = f"profile.display_name.{who}"
        site.post(who, reverse("accounts:profile"), {"display_name": site.text(field, 80), "preferred_language": "en"})
        site.get(who, reverse("accounts:profile"))
        fields.append(field)
    return fields


# --- accounts and organisations ------------------------------------------------------------------------


def test_accounts_and_organisations(site):
    from meydan.accounts.models import Organisation, User

    fields = hostile_display_names(site)
    # Sign-up: each new person's display name is shown back on their profile.
    for number in range(4):
        field = f"signup.display_name.{number}"
        name = site.text(field, 80)
        email = f"new{number}@example.org"
        site.post(
            "anonymous",
            reverse("accounts:sign_up"),
            {
                "email": email,
                "display_name": name,
                "password1": "a-long-enough-passphrase-42",
                "password2": "a-long-enough-passphrase-42",
                "preferred_language": "en",
            },
        )
        link = re.search(r"https?://[^/\s]+(/accounts/confirm/\S+/)", mail.outbox[-1].body).group(1)
        site.get("anonymous", link, expect=(302,))
        user = User.objects.get(email=email, email_confirmed_at__isnull=False)
        site.users[f"new{number}"] = user
        site.crawl(f"new{number}", [reverse("accounts:profile")], limit=1)
        fields.append(field)
    # The error page echoes what was typed: the longest payloads go back into the form there.
    site.post(
        "anonymous",
        reverse("accounts:sign_up"),
        {
            "email": "not-an-address " + PAYLOADS[0],
            "display_name": site.overflow("signup.overflow"),
            "password1": PAYLOADS[1],
            "password2": PAYLOADS[2],
            "preferred_language": PAYLOADS[3],
        },
        expect=(400,),
    )
    site.post(
        "resident", reverse("accounts:profile"), {"display_name": site.overflow("profile.overflow")}, expect=(400,)
    )

    # An NGO application: name, registration number, description, address, website, e-mail, phone.
    name_field, description_field, address_field = "ngo.name", "ngo.description", "ngo.address"
    applications = []
    for number, applicant in enumerate(["citizen", "new0", "new1"]):
        site.post(
            applicant,
            reverse("organisations:apply"),
            {
                "name": site.text(f"{name_field}.{number}", 200),
                "registration_number": site.text(f"ngo.registration_number.{number}", 50),
                "description": site.text(f"{description_field}.{number}", 3000),
                "address": site.text(f"{address_field}.{number}", 500),
                "website": "https://example.org/" + "?q=<script>alert(1)</script>\"'><svg/onload=alert(1)>",
                "email": "ngo@example.org",
                "phone": "+90 555 000 00 00",
            },
        )
        applications.append(Organisation.objects.filter(applied_by=site.users[applicant]).latest("pk"))
        fields += [
            f"{name_field}.{number}",
            f"ngo.registration_number.{number}",
            f"{description_field}.{number}",
            f"{address_field}.{number}",
        ]
    # The website must never become a script link: refused, or kept as a plain https address.
    for number, url in enumerate(HOSTILE_URLS):
        site.post(
            "resident",
            reverse("organisations:apply"),
            {
                "name": f"Scheme test {number}",
                "registration_number": "1",
                "description": "x",
                "website": url,
            },
            expect=(302, 400),
        )
    site.crawl("resident", [reverse("accounts:profile")], limit=len(HOSTILE_URLS) + 10)
    # A reviewer rejects one with a hostile reason (Wagtail admin) and verifies another for the public.
    rejected, verified = applications[1], applications[0]
    review = "accounts_admin:application"
    site.post("admin", reverse(review, args=[verified.pk]), {"action": "approve"})
    site.post(
        "admin", reverse(review, args=[rejected.pk]), {"action": "reject", "reason": site.text("ngo.rejection", 2000)}
    )
    fields.append("ngo.rejection")
    for organisation in applications:
        site.get("admin", reverse(review, args=[organisation.pk]))
    site.get("admin", reverse("accounts_admin:applications"))
    for organisation in applications:
        site.crawl(_who(site, organisation.applied_by), [organisation.get_absolute_url()], limit=1)
    site.crawl("anonymous", ["/", reverse("organisations:list"), verified.get_absolute_url()], limit=20)
    site.crawl("admin", [rejected.get_absolute_url(), reverse("accounts:profile")], limit=5)
    site.assert_harmless_and_shown(fields, at_least=200)  # short fields: names, numbers, addresses


def _who(site, user):
    return next(name for name, known in site.users.items() if known.pk == user.pk)


# --- proposals, comments and moderation ----------------------------------------------------------------


def test_proposals_comments_and_moderation(site):
    from comments.models import Comment
    from moderation.models import Appeal, ModerationAction
    from proposals.models import Proposal, ProposalSpacePage

    make_member(site, "moderator2", "meydan-belediyesi", "moderator")
    fields = hostile_display_names(site)
    space = ProposalSpacePage.objects.get()
    create = reverse("proposals:create", args=[space.pk])
    category = space.categories.first().pk
    proposals = []
    for number, author in enumerate(["resident", "ngo", "citizen", "member"]):
        title, body, tags = f"proposal.title.{number}", f"proposal.body.{number}", f"proposal.tags.{number}"
        data = {
            "title": site.text(title, 150),
            "body": site.text(body, 10_000, separator="<br>"),
            "tags": site.text(tags, 400, separator=", ", count=6, forbid=","),
            "category": category,
            "district": "Moda",
        }
        site.post(author, create, data, expect=(200,))  # the preview step renders both, stores nothing
        site.post(author, create, {**data, "publish": "1"})
        proposals.append(Proposal.objects.filter(author=site.users[author]).latest("pk"))
        fields += [title, body, tags]
    site.post(
        "resident",
        create,
        {"title": site.overflow("proposal.overflow"), "body": "x" * 20_001, "publish": "1"},
        expect=(400,),
    )
    first, second, third, fourth = proposals
    # The author edits; the municipality answers, moderates and merges, each with a hostile text.
    site.post(
        "resident",
        reverse("proposals:edit", args=[first.pk]),
        {
            "title": site.text("proposal.title.edited", 150),
            "body": site.text("proposal.body.edited", 10_000),
            "tags": "",
            "category": category,
        },
    )
    site.post(
        "admin",
        reverse("proposals:answer", args=[first.pk]),
        {"state": Proposal.ANSWER_STATES[0], "text": site.text("proposal.answer", 8000)},
    )
    site.post(
        "moderator",
        reverse("proposals:moderate", args=[third.pk]),
        {"hidden": "1", "rule": "spam", "reason": site.text("proposal.moderation_reason", 300)},
    )
    site.post(
        "admin",
        reverse("proposals:merge", args=[fourth.pk]),
        {"target": second.pk, "reason": site.text("proposal.merge_reason", 1000)},
    )
    fields += [
        "proposal.title.edited",
        "proposal.body.edited",
        "proposal.answer",
        "proposal.moderation_reason",
        "proposal.merge_reason",
    ]

    # Comments and replies on a proposal, an edit, flags, a hide through the comment's own form.
    target = reverse("comments:post", args=[ContentType.objects.get_for_model(Proposal).pk, first.pk])
    for number, author in enumerate(["resident", "citizen", "member", "ngo", "new_hostile"]):
        if author not in site.users:
            make_member(site, author, "yesil-mahalle-dernegi", "member")
        site.post(
            author,
            target,
            {"text": site.text(f"comment.text.{number}", 2000), "alignment": "for", "next": HOSTILE_URLS[number]},
        )
        fields.append(f"comment.text.{number}")
    fields.remove("comment.text.0")  # replaced by the edit below
    comments = list(Comment.objects.filter(object_id=first.pk).order_by("pk"))
    site.post(
        "citizen", target, {"text": site.text("comment.reply", 2000), "alignment": "against", "parent": comments[0].pk}
    )
    site.post(
        "resident",
        reverse("comments:edit", args=[comments[0].pk]),
        {"text": site.text("comment.edited", 2000), "alignment": "neutral", "next": HOSTILE_URLS[0]},
    )
    for number, (who, comment) in enumerate([("citizen", comments[0]), ("resident", comments[4])]):
        site.post(
            who,
            reverse("comments:flag", args=[comment.pk]),
            {"reason": "insult", "text": site.text(f"comment.flag.{number}", 500), "next": HOSTILE_URLS[1]},
        )
    site.post(
        "moderator",
        reverse("comments:hide", args=[comments[2].pk]),
        {"rule": "spam", "reason": site.text("comment.hide_reason", 300), "next": HOSTILE_URLS[2]},
    )
    fields += ["comment.reply", "comment.edited", "comment.flag.0", "comment.flag.1", "comment.hide_reason"]
    # A report about a proposal through the generic report form; its details show in the queue.
    site.post(
        "citizen",
        reverse("moderation:report", args=["proposals.proposal", second.pk]),
        {"reason": "disinformation", "text": site.text("moderation.report.proposal", 500), "next": HOSTILE_URLS[2]},
    )
    site.post(
        "citizen",
        reverse("moderation:report", args=["proposals.proposal", first.pk]),
        {"reason": PAYLOADS[3], "text": site.overflow("moderation.report.overflow")},
        expect=(400,),
    )
    fields.append("moderation.report.proposal")
    for url in HOSTILE_URLS:
        site.post(
            "citizen",
            reverse("comments:flag", args=[comments[3].pk]),
            {"reason": "nonsense", "next": url},
            expect=(400,),
        )

    # Moderation: hide with a reason, the author appeals, another moderator decides; warn and suspend.
    comment_type = ContentType.objects.get_for_model(Comment).pk
    hidden = comments[1]
    site.post(
        "moderator",
        reverse("moderation:hide", args=[comment_type, hidden.pk]),
        {"rule": "insult", "reason": site.text("moderation.hide_reason", 300), "next": HOSTILE_URLS[3]},
    )
    decision = ModerationAction.objects.filter(object_id=hidden.pk).latest("pk")
    site.get("citizen", reverse("moderation:action", args=[decision.pk]))
    site.post(
        "citizen",
        reverse("moderation:appeal_create", args=[decision.pk]),
        {"text": site.text("moderation.appeal", 1000)},
    )
    appeal = Appeal.objects.get(action=decision)
    site.get("moderator2", reverse("moderation:appeal", args=[appeal.pk]))
    site.post(
        "moderator2",
        reverse("moderation:appeal", args=[appeal.pk]),
        {"decision": "uphold", "reason": site.text("moderation.appeal_reason", 300)},
    )
    site.post(
        "moderator",
        reverse("moderation:hide", args=[comment_type, comments[3].pk]),
        {"rule": "other", "reason": site.text("moderation.hide_reason.2", 300)},
    )
    site.post(
        "moderator2",
        reverse("moderation:restore", args=[comment_type, comments[3].pk]),
        {"reason": site.text("moderation.restore_reason", 300), "next": HOSTILE_URLS[4]},
    )
    account = reverse("moderation:account", args=[site.users["member"].pk])
    site.post(
        "moderator",
        account,
        {"action": "warn", "warn-rule": "insult", "warn-reason": site.text("moderation.warn_reason", 300)},
    )
    site.post(
        "moderator",
        account,
        {
            "action": "suspend",
            "suspend-rule": "spam",
            "suspend-days": "3",
            "suspend-reason": site.text("moderation.suspend_reason", 300),
        },
    )
    site.post(
        "moderator",
        account,
        {"action": "warn", "warn-rule": PAYLOADS[5], "warn-reason": site.overflow("moderation.overflow")},
        expect=(400,),
    )
    fields += [
        "moderation.hide_reason",
        "moderation.appeal",
        "moderation.appeal_reason",
        "moderation.hide_reason.2",
        "moderation.restore_reason",
        "moderation.warn_reason",
        "moderation.suspend_reason",
    ]
    decisions = [
        reverse("moderation:action", args=[pk]) for pk in ModerationAction.objects.values_list("pk", flat=True)
    ]
    for who in ("anonymous", "resident", "citizen", "member", "ngo", "moderator", "admin"):
        site.crawl(
            who,
            [
                "/",
                space.url,
                *[p.get_absolute_url() for p in proposals],
                *decisions,
                reverse("moderation:log"),
                reverse("moderation:queue"),
                reverse("notifications:list"),
                reverse("proposals:awaiting"),
                reverse("moderation:guidelines"),
                account,
                reverse("desk:inbox"),
            ],
            limit=120,
        )
    site.assert_harmless_and_shown(fields)


# --- council sessions: live comments (form and websocket action), polls, the moderator console ----------


def websocket_action(site, who, message):
    """What the /ws/ consumer does with an action frame (live/consumers.py): validate the declared fields,
    then call the handler, which calls the same service as the HTML view."""
    from live import actions

    spec = actions.get(message["type"])
    data, bad_field = actions.validate(spec, message)
    assert data is not None, bad_field
    with site.committed():
        return spec.handler(site.users[who], data)


def test_council_session_live_comments_and_polls(site):
    from live.models import CouncilSessionPage, LiveComment, Poll

    fields = hostile_display_names(site)
    from live.models import LiveSettings

    session = CouncilSessionPage.objects.get()
    # The editor embeds the council's player from an allowed host: the one frame a page may carry.
    stream = f"https://{sorted(LiveSettings().hosts())[0]}/embed/meclis"
    CouncilSessionPage.objects.filter(pk=session.pk).update(stream_kind="embed", stream_url=stream)
    site.frames = frozenset({("iframe", stream)})
    console = "live:console_action"
    site.post("admin", reverse(console, args=[session.pk, "start"]))
    for number, who in enumerate(["resident", "citizen", "ngo"]):
        site.post(
            who, reverse("live:post_comment", args=[session.pk]), {"text": site.text(f"live.form.{number}", 1000)}
        )
        fields.append(f"live.form.{number}")
    site.post(
        "resident",
        reverse("live:post_comment", args=[session.pk]),
        {"text": site.overflow("live.overflow")},
        expect=(400,),
    )
    for number, who in enumerate(["member", "official", "moderator", "citizen", "resident"]):
        payload = websocket_action(
            site,
            who,
            {"type": "comment.post", "session": session.pk, "text": site.text(f"live.websocket.{number}", 1000)},
        )
        assert payload["html"]
        fields.append(f"live.websocket.{number}")
    first = LiveComment.objects.filter(session=session).order_by("pk").first()
    websocket_action(
        site,
        "ngo",
        {
            "type": "comment.post",
            "session": session.pk,
            "parent": first.pk,
            "text": site.text("live.websocket.reply", 1000),
        },
    )
    fields.append("live.websocket.reply")

    poll = {"question": site.text("live.poll.question", 200)}
    poll |= {f"option_{n}": site.text(f"live.poll.option_{n}", 100) for n in range(1, 7)}
    site.post("moderator", reverse(console, args=[session.pk, "open-poll"]), poll)
    fields += ["live.poll.question", *[f"live.poll.option_{n}" for n in range(1, 7)]]
    opened = Poll.objects.get(session=session)
    site.post("resident", reverse("live:answer_poll", args=[opened.pk]), {"option": opened.options.first().pk})
    websocket_action(site, "citizen", {"type": "poll.answer", "poll": opened.pk, "option": opened.options.last().pk})

    comments = list(LiveComment.objects.filter(session=session).order_by("pk"))
    site.post(
        "moderator",
        reverse(console, args=[session.pk, "hide"]),
        {"comment": comments[1].pk, "rule": "insult", "reason": site.text("live.hide_reason", 300)},
    )
    site.post("moderator", reverse(console, args=[session.pk, "pin"]), {"comment": comments[2].pk, "pinned": "1"})
    site.post(
        "moderator",
        reverse(console, args=[session.pk, "ban"]),
        {"comment": comments[3].pk, "reason": site.text("live.ban_reason", 300)},
    )
    fields += ["live.hide_reason", "live.ban_reason"]
    reporter = next(name for name in ("resident", "citizen") if site.users[name].pk != comments[0].author_id)
    site.post(
        reporter,
        reverse("moderation:report", args=["live.livecomment", comments[0].pk]),
        {"reason": "off_topic", "text": site.text("live.report", 500), "next": HOSTILE_URLS[0]},
    )
    fields.append("live.report")
    banned = _who(site, comments[3].author)
    # The banned person reads the reason when trying to comment again.
    site.post(banned, reverse("live:post_comment", args=[session.pk]), {"text": "again"}, expect=(403, 409))
    for who in ("anonymous", "resident", "citizen", "ngo", "member", "moderator", "admin"):
        site.crawl(
            who,
            [
                session.url,
                reverse("live:console", args=[session.pk]),
                "/",
                reverse("moderation:log"),
                reverse("notifications:list"),
                reverse("moderation:queue"),
            ],
            limit=40,
        )
    site.post("moderator", reverse(console, args=[session.pk, "close-poll"]), {"poll": opened.pk})
    site.post("admin", reverse(console, args=[session.pk, "end"]))
    site.crawl("anonymous", [session.url, session.get_parent().url], limit=20)  # the replay
    assert 'id="session-embed"' in site.client("anonymous").get(session.url).content.decode()
    site.assert_harmless_and_shown(fields, at_least=150)  # comments of 1,000 characters, polls of 100


# --- consultations: information, dialogue, consultation, outcomes, NGO pages; questionnaires -----------


def test_consultations_and_questionnaires(site):
    from consultations.models import (
        Application,
        ConsultationPage,
        DialoguePage,
        InformationPage,
        Paragraph,
        PositionPaper,
        Question,
    )
    from consultations.services.consultation import assessment_years, sync_paragraphs
    from meydan.accounts.models import Organisation
    from questionnaires import hosts

    fields = hostile_display_names(site)
    ngo = Organisation.objects.get(slug="yesil-mahalle-dernegi")
    municipality = Organisation.objects.get(slug="meydan-belediyesi")

    # Information: questions (as a person and as an NGO's voice), a public answer, a hidden question.
    information = InformationPage.objects.get()
    ask = reverse("consultations:ask_question", args=[information.pk])
    site.post("resident", ask, {"text": site.text("information.question.0", 1000)})
    site.post("ngo", ask, {"text": site.text("information.question.1", 1000), "organisation": ngo.pk})
    site.post("citizen", ask, {"text": site.text("information.question.2", 1000)})
    site.post("citizen", ask, {"text": site.overflow("information.overflow")}, expect=(400,))
    asked = list(Question.objects.filter(page=information, text__contains="zqx").order_by("pk"))
    question = "consultations:answer_question"
    site.post(
        "admin", reverse(question, args=[information.pk, asked[0].pk]), {"text": site.text("information.answer", 5000)}
    )
    site.post(
        "admin",
        reverse("consultations:hide_question", args=[information.pk, asked[2].pk]),
        {"rule": "off_topic", "reason": site.text("information.hide_reason", 300)},
    )
    site.post(
        "resident",
        reverse("moderation:report", args=["consultations.question", asked[1].pk]),
        {"reason": "personal_data", "text": site.text("information.report", 500)},
    )
    fields += [
        "information.question.0",
        "information.question.1",
        "information.answer",
        "information.hide_reason",
        "information.report",
    ]

    # Dialogue: applications with statement and whom the NGO represents; a refusal with its reason.
    dialogue = DialoguePage.objects.get()
    apply = reverse("consultations:apply", args=[dialogue.pk])
    site.post("resident", apply, {"statement": site.text("dialogue.statement.0", 2000)})
    site.post(
        "ngo",
        apply,
        {
            "statement": site.text("dialogue.statement.1", 2000),
            "organisation": ngo.pk,
            "represents": site.text("dialogue.represents", 500),
        },
    )
    site.post("citizen", apply, {"statement": site.text("dialogue.statement.2", 2000)})
    site.post("member", apply, {"statement": site.overflow("dialogue.overflow")}, expect=(400,))
    declined = Application.objects.filter(page=dialogue, applicant=site.users["citizen"]).get()
    site.post(
        "admin",
        reverse("consultations:decide_application", args=[dialogue.pk, declined.pk]),
        {"decision": "decline", "reason": site.text("dialogue.reason", 2000)},
    )
    fields += [
        "dialogue.statement.0",
        "dialogue.statement.1",
        "dialogue.represents",
        "dialogue.statement.2",
        "dialogue.reason",
    ]

    # Consultation: paragraph comments, questionnaire answers, a position paper with a hostile file name.
    consultation = ConsultationPage.objects.get()
    sync_paragraphs(consultation)
    paragraph = Paragraph.objects.filter(page=consultation).order_by("number").first()
    thread = reverse("comments:post", args=[ContentType.objects.get_for_model(Paragraph).pk, paragraph.pk])
    for number, who in enumerate(["resident", "ngo", "citizen"]):
        data = {"text": site.text(f"paragraph.comment.{number}", 2000), "alignment": "against"}
        if who == "ngo":
            data["organisation"] = ngo.pk
        site.post(who, thread, data)
        fields.append(f"paragraph.comment.{number}")
    registration = hosts.for_object(consultation)
    questions = registration.questions(consultation)
    respond = reverse(
        "questionnaires:respond", args=[ContentType.objects.get_for_model(consultation).pk, consultation.pk]
    )
    for number, who in enumerate(["resident", "ngo", "citizen", "member"]):
        answers = {"next": HOSTILE_URLS[number]}
        for question in questions:
            if question.kind == "free_text":
                answers[f"q-{question.id}"] = site.text(f"questionnaire.free_text.{number}", question.max_length)
            elif question.options:
                answers[f"q-{question.id}"] = question.option_keys[0]
        if who == "ngo":
            answers["organisation"] = ngo.pk
        site.post(who, respond, answers)
        fields.append(f"questionnaire.free_text.{number}")
    site.post(
        "resident", respond, {f"q-{q.id}": site.overflow("questionnaire.overflow") for q in questions}, expect=(400,)
    )
    paper = SimpleUploadedFile('"><img src=x onerror=alert(1)>.pdf', PDF, content_type="application/pdf")
    site.post(
        "ngo",
        reverse("consultations:submit_paper", args=[consultation.pk]),
        {
            "organisation": ngo.pk,
            "title": site.text("paper.title", 200, separator=" "),
            "summary": site.text("paper.summary", 2000),
            "file": paper,
        },
    )
    fields += ["paper.title", "paper.summary"]

    # The NGO's self-assessment of its cooperation with the municipality.
    site.post(
        "ngo",
        reverse("consultations:self_assessment", args=[ngo.slug]),
        {
            "municipality": municipality.pk,
            "year": assessment_years()[0],
            "cooperation": "3",
            "comment": site.text("assessment.comment", 1000),
        },
    )
    fields.append("assessment.comment")

    # After closing: themes of the free-text answers, an outcome for every contribution, the report.
    ConsultationPage.objects.filter(pk=consultation.pk).update(closes_at=timezone.now() - timedelta(days=1))
    themes = reverse("consultations:themes", args=[consultation.pk])
    site.post(
        "admin",
        themes,
        {
            "title": site.text("theme.title", 200, separator=" "),
            "summary": site.text("theme.summary", 2000),
            "answer_count": "3",
        },
    )
    site.post(
        "admin", themes, {"title": site.overflow("theme.overflow"), "summary": "x", "answer_count": "-1"}, expect=(400,)
    )
    fields += ["theme.title", "theme.summary"]
    from consultations.models import Theme

    keys = [f"comment-{c.pk}" for c in _paragraph_comments(consultation)]
    keys += [f"paper-{p.pk}" for p in PositionPaper.objects.filter(page=consultation)]
    keys += [f"theme-{t.pk}" for t in Theme.objects.filter(page=consultation)]
    record = reverse("consultations:outcome_record", args=[consultation.pk])
    site.post(
        "admin",
        record,
        {
            "contribution": keys[0],
            f"{keys[0]}-decision": "adopted",
            f"{keys[0]}-reason": site.text("outcome.reason", 2000),
            "back": "view=" + HOSTILE_URLS[0],
        },
    )
    site.post(
        "admin",
        reverse("consultations:outcome_bulk", args=[consultation.pk]),
        {"contribution": keys[1:], "bulk-decision": "partly", "bulk-reason": site.text("outcome.bulk", 2000)},
    )
    site.post(
        "admin",
        reverse("consultations:report_publish", args=[consultation.pk]),
        {"intro": site.text("report.intro", 5000)},
    )
    fields += ["outcome.reason", "outcome.bulk", "report.intro"]

    pages = [
        information.url,
        dialogue.url,
        consultation.url,
        consultation.get_parent().url,
        reverse("consultations:paragraph", args=[paragraph.pk]),
        reverse("consultations:report", args=[consultation.pk]),
        reverse("consultations:outcomes", args=[consultation.pk]),
        themes,
        reverse("consultations:organisation_contributions", args=[ngo.slug]),
        reverse("consultations:self_assessment", args=[ngo.slug]),
        reverse("consultations:cooperation", args=[municipality.slug]),
        reverse("questionnaires:results", args=[ContentType.objects.get_for_model(consultation).pk, consultation.pk]),
        reverse("desk:inbox"),
        reverse("moderation:queue"),
        reverse("notifications:list"),
        "/",
    ]
    for who in ("anonymous", "resident", "citizen", "ngo", "official", "moderator", "admin"):
        site.crawl(who, pages, limit=80)
    site.assert_harmless_and_shown(fields)


def _paragraph_comments(page):
    from comments.models import Comment
    from consultations.models import Paragraph

    return Comment.objects.filter(
        content_type=ContentType.objects.get_for_model(Paragraph),
        object_id__in=Paragraph.objects.filter(page=page).values("pk"),
        parent=None,
    )


# --- the desk: requests, staff work, ratings, reports; crisis mode --------------------------------------


def _png():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_desk_requests_staff_work_and_reports(site):
    from desk.models import ReplyTemplate, Request, Topic
    from proposals.models import ProposalSpacePage

    fields = hostile_display_names(site)
    topic = Topic.objects.filter(department__slug="fen-isleri").order_by("pk").first()
    submit = reverse("desk:submit")
    created = []
    for number, kind in enumerate(["suggestion", "complaint", "request"]):
        files = {}
        if number == 0:
            files = {
                "photo": SimpleUploadedFile("<svg onload=alert(1)>.png", _png(), content_type="image/png"),
                "attachments": [
                    SimpleUploadedFile('"><script>alert(1)</script>.pdf', PDF, content_type="application/pdf")
                ],
            }
        site.post(
            "resident",
            submit,
            {
                "kind": kind,
                "topic": topic.pk,
                "text": site.text(f"desk.text.{number}", 5000),
                "district": site.text(f"desk.district.{number}", 80, separator=" "),
                "publish_consent": "on",
                **files,
            },
        )
        created.append(Request.objects.filter(requester=site.users["resident"]).latest("pk"))
        fields += [f"desk.text.{number}", f"desk.district.{number}"]
    site.post(
        "resident",
        submit,
        {
            "kind": PAYLOADS[0],
            "topic": PAYLOADS[1],
            "text": site.overflow("desk.overflow"),
            "district": "\n".join(PAYLOADS[:5]),
        },
        expect=(400,),
    )
    # Anonymous: the confirmation link from the e-mail, then the request page in that session.
    site.post(
        "anonymous",
        submit,
        {
            "kind": "request",
            "topic": topic.pk,
            "text": site.text("desk.anonymous", 5000),
            "contact_email": "someone@example.org",
        },
        expect=(200,),
    )
    link = re.search(r"https?://[^/\s]+(/desk/confirm/\S+/)", mail.outbox[-1].body).group(1)
    site.get("anonymous", link)
    fields.append("desk.anonymous")
    lookup = reverse("desk:lookup")
    site.post(
        "anonymous", lookup, {"code": created[0].tracking_code, "email": "resident@meydan.example"}, expect=(302, 200)
    )
    site.post("citizen", lookup, {"code": site.overflow("lookup.overflow"), "email": PAYLOADS[11]}, expect=(400,))

    # A reply template an administrator wrote, offered on the request page and put into the answer box.
    template = ReplyTemplate.objects.create(
        department=topic.department,
        title=site.text("desk.template.title", 120, separator=" "),
        body=site.text("desk.template.body", 8000),
    )
    fields += ["desk.template.title", "desk.template.body"]
    suggestion, complaint, request = created
    detail = reverse("desk:detail", args=[suggestion.pk])
    site.get("official", f"{detail}?template={template.pk}")
    site.post("official", reverse("desk:note", args=[suggestion.pk]), {"note": site.text("desk.note", 4000)})
    site.post("official", reverse("desk:answer", args=[suggestion.pk]), {"text": site.text("desk.answer", 8000)})
    site.post("official", reverse("desk:answer", args=[complaint.pk]), {"text": site.text("desk.answer.2", 8000)})
    site.post("official", reverse("desk:close", args=[complaint.pk]))
    site.post("resident", reverse("desk:reopen", args=[complaint.pk]), {"reason": site.text("desk.reopen", 1000)})
    redirect_target = topic.department.parent.departments.exclude(pk=topic.department_id).first()
    site.post(
        "official",
        reverse("desk:redirect", args=[request.pk]),
        {"target": redirect_target.pk, "reason": site.text("desk.redirect", 1000)},
    )
    site.post("official", reverse("desk:close", args=[suggestion.pk]))
    site.post(
        "resident",
        reverse("desk:rate", args=[suggestion.pk]),
        {"rating": "2", "comment": site.text("desk.rating", 1000)},
    )
    # Rating comments reach staff only in exports (no HTML page shows them); a second rating is refused.
    site.post(
        "resident",
        reverse("desk:rate", args=[suggestion.pk]),
        {"rating": "3", "comment": site.overflow("desk.rating.overflow", echoed=False)},
        expect=(400, 403, 409),
    )
    space = ProposalSpacePage.objects.get()
    site.post(
        "admin",
        reverse("desk:publish", args=[suggestion.pk]),
        {
            "space": space.pk,
            "title": site.text("desk.publish.title", 150, separator=" "),
            "body": site.text("desk.publish.body", 5000),
        },
    )
    fields += [
        "desk.note",
        "desk.answer",
        "desk.answer.2",
        "desk.reopen",
        "desk.redirect",
        "desk.publish.title",
        "desk.publish.body",
    ]
    requests = [reverse("desk:detail", args=[r.pk]) for r in Request.objects.all()]
    pages = [
        *requests,
        reverse("desk:inbox"),
        reverse("desk:mine"),
        reverse("desk:dashboard"),
        reverse("desk:open_data"),
        reverse("notifications:list"),
        space.url,
        "/",
    ]
    for who in ("resident", "official", "admin", "anonymous"):
        site.crawl(who, pages, limit=80)
    site.assert_harmless_and_shown(fields)


def test_crisis_banner_and_reasons(site):
    fields = hostile_display_names(site)
    site.post(
        "admin",
        reverse("crisis:toggle"),
        {
            "action": "on",
            "message": site.text("crisis.message", 1000),
            "reason": site.text("crisis.reason.on", 2000),
            "confirm": "on",
        },
    )
    fields.append("crisis.message")
    for who in ("anonymous", "resident", "admin"):
        site.crawl(who, ["/", reverse("crisis:toggle"), reverse("organisations:list")], limit=25)
    site.post(
        "admin",
        reverse("crisis:toggle"),
        {"action": "off", "reason": site.text("crisis.reason.off", 2000), "confirm": "on"},
    )
    site.post(
        "admin",
        reverse("crisis:toggle"),
        {
            "action": "on",
            "message": site.overflow("crisis.overflow"),
            "reason": site.overflow("crisis.overflow"),
            "confirm": "on",
        },
        expect=(400,),
    )
    site.crawl("admin", [reverse("crisis:toggle")], limit=1)
    site.assert_harmless_and_shown(fields, at_least=80)  # one banner message and two reasons


# --- what people type into addresses: search, filters, "next" -------------------------------------------


def test_query_strings_are_shown_back_harmlessly(site):
    """Search boxes and filters give back what was asked; links built from them (pagination, sorting,
    "next") must not turn it into code."""
    from consultations.models import ConsultationPage, InformationPage, ParticipationIndexPage
    from proposals.models import ProposalSpacePage

    space = ProposalSpacePage.objects.get()
    participation = ParticipationIndexPage.objects.get()
    consultation = ConsultationPage.objects.get()
    targets = [
        ("anonymous", "/search/", ["q", "page"]),
        ("anonymous", space.url, ["q", "tag", "district", "category", "state", "sort", "seed", "page"]),
        ("anonymous", space.url, ["tag", "district", "category", "state", "sort", "seed", "page"]),
        ("anonymous", participation.url, ["topic", "level", "phase", "page"]),
        ("anonymous", InformationPage.objects.get().url, ["show", "page"]),
        ("anonymous", reverse("organisations:list"), ["kind"]),
        ("anonymous", reverse("moderation:log"), ["type", "month", "page"]),
        ("anonymous", reverse("desk:open_data"), ["start", "end", "municipality", "table"]),
        ("anonymous", reverse("accounts:login"), ["next"]),
        ("resident", reverse("notifications:list"), ["page"]),
        ("resident", reverse("desk:mine"), ["page"]),
        ("resident", reverse("moderation:hide", args=[1, 1]), ["next"]),
        ("official", reverse("desk:inbox"), ["department", "kind", "due", "assignee", "page"]),
        ("admin", reverse("desk:dashboard"), ["start", "end", "department", "table"]),
        ("admin", reverse("consultations:outcomes", args=[consultation.pk]), ["view", "missing", "page"]),
        ("admin", reverse("consultations:cooperation", args=["meydan-belediyesi"]), ["year"]),
        ("admin", reverse("crisis:toggle"), ["next"]),
    ]
    for who, url, parameters in targets:
        for value in [*HOSTILE_URLS, *(site.text(f"query.{url}", 800, separator=" ") for _ in range(3))]:
            site.get(who, f"{url}?{urlencode(dict.fromkeys(parameters, value))}", expect=(200, 302, 400, 403, 404))
    assert site.pages >= len(targets) * (len(HOSTILE_URLS) + 3) * 0.9
    site.assert_harmless_and_shown(["query./search/", f"query.{space.url}"], at_least=0)


def test_a_search_with_an_unbalanced_quote_answers_with_a_page(site):
    from proposals.models import ProposalSpacePage

    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    for url in ("/search/", ProposalSpacePage.objects.get().url):
        assert client.get(url, {"q": '"'}).status_code == 200


# --- the check itself ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<p><script>alert(1)</script></p>",
        '<script src="https://cdn.example/x.js"></script>',
        '<script src="//static.example/static/x.js"></script>',
        "<img src=x onerror=alert(1)>",
        "<svg><a xlink:href='javascript:alert(1)'><text>x</text></a></svg>",
        '<a href=" java\tscript:alert(1)">x</a>',
        '<a href="&#x01;javascript:alert(1)">x</a>',
        '<form action="vbscript:x"><button formaction="javascript:x">x</button></form>',
        '<object data="data:text/html,x"></object>',
        '<iframe src="https://evil.example/"></iframe>',
        '<embed src="x.swf">',
        '<p style="background:url(x)">x</p>',
        "<style>body{}</style>",
        '<base href="https://evil.example/">',
        '<meta http-equiv="Refresh" content="0;url=javascript:alert(1)">',
        "<svg><script>alert(1)</script></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    ],
)
def test_the_check_finds_what_a_browser_would_run(html):
    problems, _text, _links = inspect_page(f"<!doctype html><html><body>{html}</body></html>")
    assert problems
    assert fragment_violations(html)


def test_the_check_accepts_the_projects_own_markup():
    page = (
        '<!doctype html><html><head><link rel="stylesheet" href="/static/themes/css/meydan.css"></head><body>'
        '<a href="/proposals/1/" rel="nofollow ugc noopener">x</a><a href="mailto:a@example.org">m</a>'
        '<iframe src="https://stream.example/embed/1" title="t"></iframe>'
        '<script type="module" src="/static/live/js/session.js"></script></body></html>'
    )
    problems, _text, links = inspect_page(page, allowed_frames={("iframe", "https://stream.example/embed/1")})
    assert problems == []
    assert links == ["/proposals/1/", "mailto:a@example.org"]


# --- the websocket itself -------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_hostile_live_comments_through_the_socket_reach_other_browsers_harmless(settings):
    """The real /ws/ consumer: a resident sends comment frames, a second (anonymous) socket follows the
    session; every HTML the two receive is checked as the page script would insert it."""
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.contrib.auth.models import AnonymousUser

    from live.consumers import LiveConsumer

    settings.MEYDAN_RATE_LIMITS = _NoLimits()

    def prepare():
        from live import services
        from live.models import CouncilSessionPage
        from meydan.accounts.models import User

        call_command("seed_demo", stdout=StringIO())
        session = CouncilSessionPage.objects.get()
        services.start_session(User.objects.get(email="admin@meydan.example"), session)
        return session.pk, session.topic, User.objects.get(email="resident@meydan.example")

    session_id, topic, resident = await sync_to_async(prepare)()
    payloads = Payloads(PAYLOADS)

    async def connect(user):
        ws = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/")
        ws.scope["user"] = user
        ws.scope["cookies"] = {}
        ws.scope["client"] = ("203.0.113.7", 50000)
        assert (await ws.connect())[0]
        await ws.send_to(text_data=json.dumps({"type": "subscribe", "topic": topic, "since": 0}))
        return ws

    author, follower = await connect(resident), await connect(AnonymousUser())
    texts = [payloads.text("websocket", 1000) for _ in range(8)]
    for ref, text in enumerate(texts):
        await author.send_to(
            text_data=json.dumps({"type": "comment.post", "session": session_id, "text": text, "ref": ref})
        )
    received = []
    for ws in (author, follower):
        while not await ws.receive_nothing(timeout=0.5):
            received.append(json.loads(await ws.receive_from()))
        await ws.disconnect()
    html = [value for frame in received for value in _html_values(frame)]
    assert sum(1 for frame in received if frame.get("event") == "comment.new") >= 2 * len(texts)
    problems = [problem for fragment in html for problem in fragment_violations(fragment)]
    assert not problems, problems[:20]
    assert all(payloads.marker("websocket") in fragment for fragment in html)
    assert len(payloads.used) >= 50
