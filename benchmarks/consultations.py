"""A large consultation: the page, the questionnaire results, the outcome screen, the report and the export.

Run from the repository root (nothing else needs to run; SQLite by default):

    .venv/bin/python benchmarks/consultations.py                     # 200 paragraphs, 5,000 comments, 10,000 responses
    .venv/bin/python benchmarks/consultations.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/consultations.py --comments 1000 --small 100 --responses 2000 --users 2000  # quick

What one run does (all in this process, through Django's test client; no network):

1. A throwaway database: a temporary SQLite file, or with ``--database-url`` the PostgreSQL database
   ``meydan_bench_consultations`` on the loopback interface (dropped, created, migrated, dropped at the
   end). Data by ``bulk_create``: ``--users`` users, 20 NGOs, an official of the responsible department,
   one consultation whose draft has ``--paragraphs`` paragraphs (published through Wagtail, so the
   paragraph rows come from the consultation module's own sync) and a ten-question questionnaire
   (single and multiple choice, Likert, ranking, free text), ``--responses`` responses by distinct users.
2. Consultation page, ``GET page.url``: queries (counted by an execute wrapper) and median time of
   ``--repeat`` requests, anonymous with the page cache emptied before each request (the work of a
   cache miss) and logged in, at 0 comments (the same-run baseline: the page's fixed cost), at
   ``--small`` and at ``--comments`` paragraph comments (10 % replies, 5 % official responses of
   NGOs). Target: <= 15 queries and the same number at both sizes.
3. ``questionnaires.results.compute`` over all responses: queries and median time. Target <= 1 s.
   Same-run baseline: the same aggregation reading model instances (``Response.objects.filter``)
   instead of ``values_list``.
4. Outcomes: the page is moved to "closed"; ``record_outcomes`` in batches of 200 for every
   contribution (time per batch); the staff outcome screen (first page of 50, and the "by
   organisation" view) for the official; the report preview; ``publish_report`` with its notifications
   (one per contributor, e-mails to the locmem outbox); the public report page and the CSV export.
   Same-run baseline for the report's data: the contributions read one relation at a time (N+1).
5. A table of every figure with the targets marked met or missed. If a piece is not there (e.g. the
   consultation page view is not built yet), it prints what it could measure and what it skipped.
   Exit status: 0 when the run completed, whatever the figures; 1 when the benchmark itself failed.
"""

import sys
from pathlib import Path

# Run as `python benchmarks/consultations.py`, this file's folder is sys.path[0], and this file, named
# `consultations`, would shadow the consultations app: take the folder off the path first.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import argparse  # noqa: E402
import contextlib  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

ROOT = _HERE.parent
PLATFORM = ROOT / "platform"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
PG_BENCH_DB = "meydan_bench_consultations"
PAGE_QUERY_TARGET = 15
COMPUTE_TARGET_S = 1.0
WORDS = [
    "park",
    "ağaç",
    "bisiklet",
    "yolu",
    "kaldırım",
    "otobüs",
    "durağı",
    "gölge",
    "bank",
    "aydınlatma",
    "çocuk",
    "oyun",
    "alanı",
    "güvenlik",
    "trafik",
    "yaya",
    "geçidi",
    "çöp",
    "kutusu",
    "su",
    "fıskiyesi",
    "otopark",
    "engelli",
    "erişimi",
    "rampa",
    "bahçe",
    "çiçek",
    "kent",
    "meydan",
]


class BenchError(Exception):
    pass


@contextlib.contextmanager
def counting_queries():
    """Every statement the default connection runs inside the block (a list of SQL). Counted with an
    execute wrapper rather than the debug query log, which each test-client request empties."""
    from django.db import connection

    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def sentence(rng, words=18):
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def options(prefix, count):
    return [{"type": "item", "value": f"Seçenek {n}", "id": f"{prefix}{n}"} for n in range(1, count + 1)]


def questions_stream():
    stream = []
    for n in range(1, 4):
        stream.append(
            {
                "type": "single_choice",
                "id": f"single{n}",
                "value": {
                    "question": f"Tek seçim {n}?",
                    "help_text": "",
                    "required": False,
                    "options": options("s", 5),
                },
            }
        )
    for n in range(1, 3):
        stream.append(
            {
                "type": "multiple_choice",
                "id": f"multi{n}",
                "value": {
                    "question": f"Çoklu seçim {n}?",
                    "help_text": "",
                    "required": False,
                    "options": options("m", 6),
                    "max_selections": 3,
                },
            }
        )
    labels = {f"label_{n}": f"Düzey {n}" for n in range(1, 6)}
    for n in range(1, 4):
        stream.append(
            {
                "type": "likert",
                "id": f"likert{n}",
                "value": {"question": f"Katılıyor musunuz {n}?", "help_text": "", "required": False, **labels},
            }
        )
    stream.append(
        {
            "type": "ranking",
            "id": "rank",
            "value": {"question": "Sıralayın", "help_text": "", "required": False, "items": options("r", 5)},
        }
    )
    stream.append(
        {
            "type": "free_text",
            "id": "text",
            "value": {"question": "Başka?", "help_text": "", "required": False, "max_length": 1000},
        }
    )
    return stream


def answers(rng):
    result = {f"single{n}": f"s{rng.randint(1, 5)}" for n in range(1, 4)}
    for n in range(1, 3):
        result[f"multi{n}"] = [f"m{k}" for k in rng.sample(range(1, 7), rng.randint(1, 3))]
    for n in range(1, 4):
        result[f"likert{n}"] = rng.randint(1, 5)
    result["rank"] = [f"r{k}" for k in rng.sample(range(1, 6), 5)]
    if rng.random() < 0.3:
        result["text"] = sentence(rng, 25)
    return result


class Bench:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.tmp = Path(tempfile.mkdtemp(prefix="meydan-consultations-bench-"))
        self.pg_admin_url = None
        self.rows = []  # (section, label, figure, target note)
        self.skipped = []
        self.started = time.monotonic()

    def progress(self, message):
        print(f"[{time.monotonic() - self.started:6.1f} s] {message}", flush=True)

    def record(self, section, label, figure, note=""):
        self.rows.append((section, label, figure, note))

    # --- environment ---------------------------------------------------------------------------

    def configure(self):
        os.environ["DJANGO_SETTINGS_MODULE"] = "meydan.settings.test"
        os.environ.pop("REDIS_URL", None)
        os.environ["MEDIA_ROOT"] = str(self.tmp / "media")
        os.environ["DATABASE_URL"] = self.database_url()
        for path in (str(PLATFORM), str(ROOT)):
            if path not in sys.path:
                sys.path.insert(0, path)
        import django

        django.setup()
        from django.core.management import call_command

        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        self.progress(f"migrated in {time.monotonic() - started:.1f} s")

    def database_url(self):
        if not self.args.database_url:
            self.engine = "SQLite"
            return f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        from urllib.parse import urlsplit, urlunsplit

        import psycopg

        parts = urlsplit(self.args.database_url)
        if parts.scheme not in ("postgres", "postgresql"):
            raise BenchError("--database-url must be a postgres:// URL")
        if parts.hostname not in LOOPBACK:
            raise BenchError("the benchmark only talks to a database on the loopback interface")
        self.pg_admin_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(self.pg_admin_url, autocommit=True, connect_timeout=10) as conn:
            self.engine = "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0]
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        return urlunsplit(parts._replace(path=f"/{PG_BENCH_DB}"))

    def cleanup(self):
        from django.db import connections

        connections.close_all()
        if self.pg_admin_url:
            import psycopg

            with psycopg.connect(self.pg_admin_url, autocommit=True, connect_timeout=10) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- data ----------------------------------------------------------------------------------

    def build(self):
        from django.utils import timezone

        from consultations.models import ConsultationPage, Paragraph, ParticipationIndexPage
        from meydan.accounts.models import Membership, Organisation, User
        from meydan.site_setup import ensure_home_site

        args, rng, now = self.args, self.rng, timezone.now()
        started = time.monotonic()
        home = ensure_home_site()
        municipality = Organisation.objects.create(
            name="Bench Belediyesi", slug="bench-bel", kind="municipality", status="verified", decided_at=now
        )
        department = Organisation.objects.create(
            name="Park ve Bahçeler",
            slug="bench-park",
            kind="department",
            status="verified",
            decided_at=now,
            parent=municipality,
        )
        self.ngos = Organisation.objects.bulk_create(
            Organisation(name=f"Dernek {n}", slug=f"bench-ngo-{n}", kind="ngo", status="verified", decided_at=now)
            for n in range(20)
        )
        User.objects.bulk_create(
            User(
                email=f"bench{n}@example.org",
                display_name=f"Katılımcı {n}",
                password="!",
                email_confirmed_at=now,
                preferred_language="en",
            )
            for n in range(args.users)
        )
        self.users = list(User.objects.order_by("pk"))
        self.official = self.users[-1]
        Membership.objects.create(user=self.official, organisation=department, role=Membership.Role.OFFICIAL)
        self.ngo_admins = self.users[-21:-1]
        Membership.objects.bulk_create(
            Membership(user=user, organisation=ngo, role=Membership.Role.ADMIN)
            for user, ngo in zip(self.ngo_admins, self.ngos, strict=True)
        )
        index = ParticipationIndexPage(title="Katılım", slug="katilim", municipality=municipality)
        home.add_child(instance=index)
        draft = [
            {
                "type": "paragraph",
                "id": f"p{n:04d}",
                "value": {"heading": f"Madde {n}", "text": f"<p>{sentence(rng, 60)}</p>"},
            }
            for n in range(1, args.paragraphs + 1)
        ]
        page = ConsultationPage(
            title="Kent parkları yönetmeliği",
            slug="parklar",
            summary="Taslak yönetmelik.",
            municipality=municipality,
            responsible=department,
            opens_at=now - timezone.timedelta(days=20),
            closes_at=now + timezone.timedelta(days=10),
            draft=draft,
            questions=questions_stream(),
        )
        index.add_child(instance=page)
        page.save_revision().publish()
        self.page = ConsultationPage.objects.get(pk=page.pk)
        if not Paragraph.objects.filter(page=self.page).exists():
            self.skipped.append("paragraph sync on publish (not built): paragraph rows made by the benchmark")
            Paragraph.objects.bulk_create(
                Paragraph(page=self.page, block_id=block["id"], number=n, heading=block["value"]["heading"])
                for n, block in enumerate(draft, start=1)
            )
        self.paragraph_ids = list(
            Paragraph.objects.filter(page=self.page).order_by("number").values_list("pk", flat=True)
        )
        self.progress(
            f"users, organisations, page with {len(self.paragraph_ids)} paragraphs in "
            f"{time.monotonic() - started:.1f} s"
        )

    def add_comments(self, count):
        from django.contrib.contenttypes.models import ContentType
        from django.utils import timezone

        from comments.models import Comment
        from consultations.models import Paragraph

        rng, now = self.rng, timezone.now()
        ct = ContentType.objects.get_for_model(Paragraph)
        existing = list(
            Comment.objects.filter(content_type=ct, parent__isnull=True).values_list("pk", "object_id")[:2000]
        )
        tops, replies = [], []
        for n in range(count):
            organisation = None
            if rng.random() < 0.05:
                index = rng.randrange(len(self.ngos))
                author, organisation = self.ngo_admins[index], self.ngos[index]
            else:
                author = rng.choice(self.users[: self.args.users - 21])
            created = now - timezone.timedelta(minutes=count - n)
            if existing and rng.random() < 0.10:
                parent, object_id = rng.choice(existing)
                replies.append(
                    Comment(
                        content_type=ct,
                        object_id=object_id,
                        author=author,
                        parent_id=parent,
                        text=sentence(rng),
                        created_at=created,
                    )
                )
            else:
                tops.append(
                    Comment(
                        content_type=ct,
                        object_id=rng.choice(self.paragraph_ids),
                        author=author,
                        organisation=organisation,
                        text=sentence(rng, rng.randint(10, 60)),
                        created_at=created,
                    )
                )
        made = Comment.objects.bulk_create(tops, batch_size=500)
        if not existing:
            existing = [(c.pk, c.object_id) for c in made]
            for reply in replies:
                reply.parent_id, reply.object_id = rng.choice(existing)
        Comment.objects.bulk_create(replies, batch_size=500)

    def add_responses(self):
        from django.contrib.contenttypes.models import ContentType

        from consultations.models import ConsultationPage
        from questionnaires.models import Response

        started = time.monotonic()
        ct = ContentType.objects.get_for_model(ConsultationPage)
        respondents = self.users[: min(self.args.responses, len(self.users) - 21)]
        Response.objects.bulk_create(
            (
                Response(content_type=ct, object_id=self.page.pk, respondent=user, answers=answers(self.rng))
                for user in respondents
            ),
            batch_size=1000,
        )
        self.progress(f"{len(respondents)} questionnaire responses in {time.monotonic() - started:.1f} s")
        return len(respondents)

    # --- measuring -----------------------------------------------------------------------------

    def measure_get(self, client, url, expect=200, empty_cache=True):
        """(queries, median ms, response) of GET url; the first request warms caches."""

        from meydan.pagecache import pages_changed

        if empty_cache:
            pages_changed()
        response = client.get(url)
        if response.status_code != expect:
            raise BenchError(f"GET {url} answered {response.status_code}")
        if empty_cache:
            pages_changed()
        with counting_queries() as captured:
            response = client.get(url)
        timings = []
        for _n in range(self.args.repeat):
            if empty_cache:
                pages_changed()
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        return len(captured), statistics.median(timings), response

    def clients(self):
        from django.test import Client

        anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
        resident = Client(HTTP_ACCEPT_LANGUAGE="en")
        resident.force_login(self.users[0], backend="django.contrib.auth.backends.ModelBackend")
        official = Client(HTTP_ACCEPT_LANGUAGE="en")
        official.force_login(self.official, backend="django.contrib.auth.backends.ModelBackend")
        return anonymous, resident, official

    def measure_page(self, label):
        anonymous, resident, _official = self.clients()
        url = self.page.url
        try:
            for who, client in (("anonymous, cache miss", anonymous), ("logged in", resident)):
                queries, ms, _response = self.measure_get(client, url)
                self.page_queries.setdefault(who, []).append(queries)
                note = "met" if queries <= PAGE_QUERY_TARGET else "MISSED"
                self.record(
                    "consultation page",
                    f"{label}, {who}",
                    f"{queries} queries, {ms:.0f} ms",
                    f"<= {PAGE_QUERY_TARGET} queries: {note}",
                )
        except Exception as error:  # noqa: BLE001 - the page view may not be built yet
            self.skipped.append(f"consultation page at {label}: {type(error).__name__}: {error}")
            self.progress(f"consultation page at {label}: skipped ({error})")

    def measure_compute(self, responses):
        from django.contrib.contenttypes.models import ContentType

        from consultations.models import ConsultationPage
        from questionnaires import hosts, results
        from questionnaires.models import Response

        if not hosts.is_registered(ConsultationPage):
            self.skipped.append("questionnaire results: ConsultationPage is not a questionnaire host yet")
            return
        page = ConsultationPage.objects.get(pk=self.page.pk)
        with counting_queries() as captured:
            computed = results.compute(page)
        if computed["total"] != responses:
            raise BenchError(f"compute counted {computed['total']} responses, expected {responses}")
        timings = []
        for _n in range(3):
            started = time.perf_counter()
            results.compute(page)
            timings.append(time.perf_counter() - started)
        seconds = statistics.median(timings)
        note = "met" if seconds <= COMPUTE_TARGET_S else "MISSED"
        self.record(
            "questionnaire results",
            f"compute, {responses} responses",
            f"{len(captured)} queries, {seconds * 1000:.0f} ms",
            f"<= {COMPUTE_TARGET_S:.0f} s: {note}",
        )
        # Baseline, same run: model instances instead of values_list.
        ct = ContentType.objects.get_for_model(ConsultationPage)
        started = time.perf_counter()
        count = 0
        for response in Response.objects.filter(content_type=ct, object_id=page.pk):
            count += isinstance(response.answers, dict)
        naive = time.perf_counter() - started
        self.record(
            "questionnaire results",
            "baseline: only reading model instances",
            f"{naive * 1000:.0f} ms",
            f"compute is {seconds / naive:.2f}x of just loading the rows",
        )

    def measure_outcomes(self):
        from django.core import mail
        from django.db import transaction
        from django.urls import reverse
        from django.utils import timezone

        from consultations.models import ConsultationPage, ParticipationPage
        from consultations.services import outcomes
        from meydan.notifications.models import Notification

        now = timezone.now()
        ParticipationPage.objects.filter(pk=self.page.pk).update(
            opens_at=now - timezone.timedelta(days=30), closes_at=now - timezone.timedelta(days=1)
        )
        page = ConsultationPage.objects.get(pk=self.page.pk)
        entries = outcomes.contribution_index(page, outcomes.paragraphs_of(page))
        total = len(entries)
        # Baseline for the report's data: one relation at a time (N+1), against contributions().
        with counting_queries() as naive_queries:
            started = time.perf_counter()
            for comment in outcomes.contribution_comments(page):
                _organisation = comment.organisation
                try:
                    _outcome = comment.consultation_outcome
                except Exception:  # noqa: BLE001 - no outcome yet
                    _outcome = None
            naive_ms = (time.perf_counter() - started) * 1000
        with counting_queries() as good_queries:
            started = time.perf_counter()
            rows = outcomes.contributions(page)
            good_ms = (time.perf_counter() - started) * 1000
        self.record(
            "contributions",
            f"contributions(page), {len(rows)} contributions",
            f"{len(good_queries)} queries, {good_ms:.0f} ms",
            f"baseline N+1: {len(naive_queries)} queries, {naive_ms:.0f} ms",
        )

        anonymous, _resident, official = self.clients()
        screen = reverse("consultations:outcomes", args=[page.pk])
        queries, ms, _response = self.measure_get(official, screen, empty_cache=False)
        self.record(
            "outcome screen",
            f"first page of 50, {total} contributions, none decided",
            f"{queries} queries, {ms:.0f} ms",
        )
        queries, ms, _response = self.measure_get(official, screen + "?view=organisation", empty_cache=False)
        self.record("outcome screen", "by organisation", f"{queries} queries, {ms:.0f} ms")

        keys = [entry.key for entry in entries]
        decisions = ["adopted", "partly", "not_adopted", "out_of_scope"]
        started = time.perf_counter()
        for start in range(0, len(keys), outcomes.BULK_MAX):
            outcomes.record_outcomes(
                self.official,
                page,
                keys[start : start + outcomes.BULK_MAX],
                decision=decisions[(start // outcomes.BULK_MAX) % 4],
                reason=sentence(self.rng),
            )
        seconds = time.perf_counter() - started
        batches = (len(keys) + outcomes.BULK_MAX - 1) // outcomes.BULK_MAX
        self.record(
            "recording outcomes",
            f"{total} outcomes in {batches} bulk batches of <= {outcomes.BULK_MAX}",
            f"{seconds:.1f} s",
            f"{seconds / batches * 1000:.0f} ms per batch",
        )
        queries, ms, _response = self.measure_get(official, screen, empty_cache=False)
        self.record("outcome screen", "first page of 50, all decided", f"{queries} queries, {ms:.0f} ms")
        report = reverse("consultations:report", args=[page.pk])
        queries, ms, _response = self.measure_get(official, report, empty_cache=False)
        self.record("report page", "staff preview", f"{queries} queries, {ms:.0f} ms")

        mail.outbox = []
        with counting_queries() as captured:
            started = time.perf_counter()
            with transaction.atomic():
                outcomes.publish_report(self.official, page, intro="Bench report.")
            seconds = time.perf_counter() - started
        told = Notification.objects.count()
        self.record(
            "publishing",
            "publish_report + notifications on commit",
            f"{len(captured)} queries, {seconds:.1f} s",
            f"{told} notified once each, {len(mail.outbox)} e-mails",
        )
        queries, ms, response = self.measure_get(anonymous, report)
        self.record(
            "report page",
            f"public, anonymous, cache miss ({len(response.content) // 1024} KB)",
            f"{queries} queries, {ms:.0f} ms",
        )
        queries, ms, _response = self.measure_get(anonymous, report, empty_cache=False)
        self.record("report page", "public, anonymous, from the page cache", f"{queries} queries, {ms:.1f} ms")
        csv_url = reverse("consultations:contributions_csv", args=[page.pk])
        queries, ms, response = self.measure_get(anonymous, csv_url, empty_cache=False)
        self.record(
            "export", f"CSV, {total} rows ({len(response.content) // 1024} KB)", f"{queries} queries, {ms:.0f} ms"
        )

    # --- run -----------------------------------------------------------------------------------

    def run(self):
        self.configure()
        self.build()
        self.page_queries = {}
        self.measure_page("0 comments (baseline)")
        self.add_comments(self.args.small)
        self.measure_page(f"{self.args.small} comments")
        self.add_comments(self.args.comments - self.args.small)
        self.progress(f"{self.args.comments} paragraph comments stored")
        self.measure_page(f"{self.args.comments} comments")
        responses = self.add_responses()
        self.measure_compute(responses)
        self.measure_page(f"{self.args.comments} comments, {responses} responses")
        try:
            self.measure_outcomes()
        except Exception as error:  # noqa: BLE001 - report what was measured so far
            self.skipped.append(f"outcomes: {type(error).__name__}: {error}")
            traceback.print_exc()

    def report(self):
        print()
        print(
            f"Consultation benchmark: {self.args.paragraphs} paragraphs, {self.args.comments} comments, "
            f"{self.args.responses} responses; {self.engine}; median of {self.args.repeat} requests, in process"
        )
        width = max((len(f"{s}: {label}") for s, label, _f, _n in self.rows), default=40)
        section = None
        for name, label, figure, note in self.rows:
            if name != section:
                print(f"\n{name}")
                section = name
            print(f"  {label:<{width - len(name)}}  {figure:<28} {note}")
        flat = {who: len(set(counts[1:])) <= 1 for who, counts in self.page_queries.items() if len(counts) > 1}
        if flat:
            print(
                "\nconsultation page queries flat in the number of comments: "
                + ", ".join(f"{who}: {'met' if ok else 'MISSED'} {self.page_queries[who]}" for who, ok in flat.items())
            )
        if self.skipped:
            print("\nskipped:")
            for line in self.skipped:
                print(f"  - {line}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paragraphs", type=int, default=200)
    parser.add_argument("--comments", type=int, default=5000)
    parser.add_argument("--small", type=int, default=500, help="comments at the first measurement")
    parser.add_argument("--responses", type=int, default=10000)
    parser.add_argument("--users", type=int, default=10100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--database-url", default="", help="postgres://... on 127.0.0.1 (default: a SQLite file)")
    args = parser.parse_args(argv)
    if args.small > args.comments:
        parser.error("--small must not exceed --comments")
    if args.users < 100:
        parser.error("--users must be at least 100")
    return args


def main(argv=None):
    bench = Bench(parse_args(argv))
    status = 0
    try:
        bench.run()
    except Exception:  # noqa: BLE001 - the benchmark itself failed
        traceback.print_exc()
        status = 1
    finally:
        if bench.rows:
            bench.report()
        bench.cleanup()
    return status


if __name__ == "__main__":
    sys.exit(main())
