"""The desk at scale: the staff inbox and the managers' dashboard over 50,000 requests.

Run from the repository root (SQLite by default; PostgreSQL when DATABASE_URL or --database-url
points at it):

    .venv/bin/python benchmarks/requests.py                       # 50,000 requests over 20 departments
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/requests.py
    .venv/bin/python benchmarks/requests.py --requests 5000 --small 500 --repeat 30   # quick

What one run does (all in this process, through Django's test client; no network):

1. A throwaway database: a temporary SQLite file, or the PostgreSQL database
   ``meydan_bench_requests`` on the loopback interface (dropped, created, migrated, dropped at the end).
   One municipality with ``--departments`` departments, two topics per department, an official per
   department and a municipality administrator. Requests by ``bulk_create`` over the last 12 months: a
   realistic mix of types and statuses (a third still open, some past their due date), answers after
   0.2 to 60 days, satisfaction ratings on about a third of the closed ones. Then ANALYZE
   (PostgreSQL: VACUUM ANALYZE, the state autovacuum keeps a live table in).
2. Inbox (``/desk/inbox/``), first page and page 10, for the municipality administrator (every
   request) and one department's official: queries (``CaptureQueriesContext``) and p50/p99 of
   ``--repeat`` requests, at ``--small`` requests and again after growing to ``--requests``.
   Targets: p99 <= 200 ms and the same number of queries at both sizes.
3. Dashboard: ``desk.reports.compute`` over the last 12 months for the administrator (median of 5),
   its queries, and the whole ``/desk/dashboard/`` page. Target <= 1 s. Same-run baseline:
   ``desk.reports.naive_compute``, every request loaded as a model instance and its rating read
   with one query each (what a first version without GROUP BY would do), and the ratio.
4. A table of every figure with the targets marked met or missed. Exit status: 0 when the run
   completed, whatever the figures; 1 when the benchmark itself failed.
"""

import sys
from pathlib import Path

# Run as `python benchmarks/requests.py`, this file's folder is sys.path[0], and this file, named
# `requests`, would shadow the PyPI package of that name: take the folder off the path first.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from datetime import timedelta  # noqa: E402

ROOT = _HERE.parent
PLATFORM = ROOT / "platform"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
PG_BENCH_DB = "meydan_bench_requests"
INBOX_P99_TARGET_MS = 200
DASHBOARD_TARGET_S = 1.0
KINDS = ["request"] * 40 + ["complaint"] * 30 + ["suggestion"] * 12 + ["information"] * 13 + ["thanks"] * 5
DISTRICTS = ["Moda", "Kadıköy", "Fenerbahçe", "Göztepe", "Erenköy", "Suadiye", "Bostancı", ""]


class BenchError(Exception):
    pass


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Bench:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.tmp = Path(tempfile.mkdtemp(prefix="meydan-requests-bench-"))
        self.pg_admin_url = None
        self.rows = []  # (section, label, figure, target note)
        self.inbox_queries = {}
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
        self.progress(f"{self.engine}: migrated in {time.monotonic() - started:.1f} s")

    def database_url(self):
        url = self.args.database_url or os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            self.engine = "SQLite"
            return f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        from urllib.parse import urlsplit, urlunsplit

        import psycopg

        parts = urlsplit(url)
        if parts.hostname not in LOOPBACK:
            raise BenchError("the benchmark only talks to a database on the loopback interface")
        self.pg_admin_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(self.pg_admin_url, autocommit=True, connect_timeout=10) as conn:
            self.engine = "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0]
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        return urlunsplit(parts._replace(path=f"/{PG_BENCH_DB}"))

    def cleanup(self):
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110 - Django may not be set up when configuring failed
            pass
        if self.pg_admin_url:
            import psycopg

            with psycopg.connect(self.pg_admin_url, autocommit=True, connect_timeout=10) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- data ----------------------------------------------------------------------------------

    def build(self):
        from django.utils import timezone

        from desk.models import Topic
        from meydan.accounts.models import Membership, Organisation, User

        now = timezone.now()
        municipality = Organisation.objects.create(
            kind="municipality", status="verified", decided_at=now, name="Bench Belediyesi", slug="bench-belediyesi"
        )
        self.departments = [
            Organisation.objects.create(
                kind="department",
                status="verified",
                decided_at=now,
                name=f"Müdürlük {n:02d}",
                slug=f"mudurluk-{n:02d}",
                parent=municipality,
            )
            for n in range(1, self.args.departments + 1)
        ]
        self.topics = [
            Topic.objects.create(municipality=municipality, name=f"Konu {dep.slug}-{n}", department=dep)
            for dep in self.departments
            for n in (1, 2)
        ]

        def staff(email, organisation, role):
            user = User.objects.create_user(email=email, password=None, display_name=email.split("@")[0])
            Membership.objects.create(user=user, organisation=organisation, role=role)
            return user

        self.admin = staff("admin@bench.example", municipality, "admin")
        self.official = staff("official@bench.example", self.departments[0], "official")
        self.residents = [
            User(email=f"resident{n}@bench.example", display_name=f"Sakin {n}", password="!") for n in range(500)
        ]
        User.objects.bulk_create(self.residents, batch_size=500)
        self.residents = list(User.objects.filter(email__endswith="@bench.example", display_name__startswith="Sakin"))
        self.municipality = municipality

    def add_requests(self, target):
        from django.contrib.contenttypes.models import ContentType
        from django.utils import timezone

        from desk.models import Request, Satisfaction, Status

        rng, now = self.rng, timezone.now()
        existing = Request.objects.count()
        started = time.monotonic()
        content_type = ContentType.objects.get_for_model(Request)
        while existing < target:
            batch = []
            for _n in range(min(2000, target - existing)):
                topic = rng.choice(self.topics)
                created = now - timedelta(days=rng.uniform(0, 364), seconds=rng.randint(0, 86400))
                kind = rng.choice(KINDS)
                due = created + timedelta(days=15 if kind == "information" else 30)
                roll = rng.random()
                answered = closed = None
                if roll < 0.33 and created < now - timedelta(days=1):
                    status = rng.choice([Status.RECEIVED, Status.IN_REVIEW, Status.REDIRECTED])
                else:
                    answered = min(created + timedelta(days=rng.lognormvariate(2.2, 0.9) + 0.2), now)
                    status = Status.ANSWERED
                    if roll > 0.6:
                        status, closed = Status.CLOSED, min(answered + timedelta(days=rng.uniform(0, 10)), now)
                batch.append(
                    Request(
                        kind=kind,
                        municipality=self.municipality,
                        topic=topic,
                        department_id=topic.department_id,
                        requester=rng.choice(self.residents),
                        contact_email="resident@bench.example",
                        text="Sokak lambası yanmıyor, lütfen bakın. " * rng.randint(1, 6),
                        district=rng.choice(DISTRICTS),
                        status=status,
                        created_at=created,
                        due_at=due,
                        answered_at=answered,
                        closed_at=closed,
                    )
                )
            Request.objects.bulk_create(batch, batch_size=1000)
            closed_ids = [r.pk for r in batch if r.status == Status.CLOSED and r.pk and rng.random() < 0.35]
            if not closed_ids:  # SQLite before 3.35 returns no ids from bulk_create
                closed_ids = list(
                    Request.objects.filter(status=Status.CLOSED, ratings__isnull=True)
                    .order_by("-pk")
                    .values_list("pk", flat=True)[: len(batch) // 10]
                )
            Satisfaction.objects.bulk_create(
                [
                    Satisfaction(content_type=content_type, object_id=pk, rating=rng.choice([1, 2, 3, 4, 4, 5, 5, 5]))
                    for pk in closed_ids
                ],
                batch_size=1000,
            )
            existing += len(batch)
        self.analyze()
        self.progress(f"{existing} requests in the database ({time.monotonic() - started:.1f} s to add)")
        return existing

    def analyze(self):
        """Statistics, and on PostgreSQL the visibility map too: a table that was just bulk-loaded has
        none until autovacuum comes round (within a minute or so, or not before the measurement),
        and without it a count cannot be read off an index alone. VACUUM makes the run repeatable
        and shows the state a live table is in."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    # --- measuring -----------------------------------------------------------------------------

    def client_for(self, user):
        from django.test import Client

        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    def measure_get(self, client, url, repeat):
        """(queries, p50 ms, p99 ms) of GET url; the first request warms caches."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        response = client.get(url)
        if response.status_code != 200:
            raise BenchError(f"GET {url} answered {response.status_code}")
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        # Read the count now: the next request empties the connection's query log.
        queries = len(captured)
        timings = []
        for _n in range(repeat):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        return queries, statistics.median(timings), percentile(timings, 0.99)

    def measure_inbox(self, size):
        for who, user in (("municipality admin", self.admin), ("department official", self.official)):
            client = self.client_for(user)
            for page in (1, 10):
                url = "/desk/inbox/" + ("" if page == 1 else f"?page={page}")
                queries, p50, p99 = self.measure_get(client, url, self.args.repeat)
                self.inbox_queries.setdefault((who, page), []).append(queries)
                note = "met" if p99 <= INBOX_P99_TARGET_MS else "MISSED"
                self.record(
                    "inbox",
                    f"{size:,} requests, {who}, page {page}",
                    f"{queries} queries, p50 {p50:.0f} ms, p99 {p99:.0f} ms",
                    f"p99 <= {INBOX_P99_TARGET_MS} ms: {note}",
                )

    def measure_dashboard(self, size):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from desk import reports
        from desk.report_views import managed_requests

        first, last = reports.period()
        requests = managed_requests(self.admin)
        with CaptureQueriesContext(connection) as captured:
            report = reports.compute(requests, first, last)
        compute_queries = len(captured)
        timings = []
        for _n in range(5):
            started = time.perf_counter()
            reports.compute(requests, first, last)
            timings.append(time.perf_counter() - started)
        seconds = statistics.median(timings)
        note = "met" if seconds <= DASHBOARD_TARGET_S else "MISSED"
        self.record(
            "dashboard",
            f"{size:,} requests: reports.compute, 12 months, {len(report.by_department)} departments",
            f"{seconds * 1000:.0f} ms, {compute_queries} queries ({report.total.requests:,} requests counted)",
            f"<= {DASHBOARD_TARGET_S:.0f} s: {note}",
        )
        queries, p50, p99 = self.measure_get(self.client_for(self.admin), "/desk/dashboard/", 5)
        self.record("dashboard", f"{size:,} requests: whole page", f"{queries} queries, p50 {p50:.0f} ms")
        return seconds

    def measure_baseline(self, size, seconds):
        from desk import reports
        from desk.report_views import managed_requests

        first, last = reports.period()
        started = time.perf_counter()
        cells = reports.naive_compute(managed_requests(self.admin), first, last)
        baseline = time.perf_counter() - started
        self.record(
            "dashboard",
            f"{size:,} requests: baseline (per-row Python, a query per rating)",
            f"{baseline * 1000:.0f} ms ({len(cells)} cells)",
            f"GROUP BY is {baseline / seconds:.0f}x faster",
        )

    # --- the run -------------------------------------------------------------------------------

    def run(self):
        self.configure()
        self.build()
        self.progress("data: municipality, departments, topics, staff, residents")
        small = self.add_requests(self.args.small)
        self.measure_inbox(small)
        small_seconds = self.measure_dashboard(small)
        self.measure_baseline(small, small_seconds)
        self.progress(f"measured at {small:,}; growing to {self.args.requests:,}")
        large = self.add_requests(self.args.requests)
        self.measure_inbox(large)
        seconds = self.measure_dashboard(large)
        self.progress("dashboard measured; running the baseline")
        self.measure_baseline(large, seconds)
        for (who, page), counts in self.inbox_queries.items():
            flat = len(set(counts)) == 1
            self.record(
                "inbox",
                f"queries, {who}, page {page}",
                " → ".join(str(count) for count in counts),
                "flat: met" if flat else "flat: MISSED",
            )
        self.report()

    def report(self):
        print()
        print(f"Desk benchmark · {self.engine} · {self.args.departments} departments · seed {self.args.seed}")
        width = max(len(label) for _s, label, _f, _n in self.rows) + 2
        section = None
        for row_section, label, figure, note in self.rows:
            if row_section != section:
                print(f"\n{row_section}")
                section = row_section
            print(f"  {label:<{width}}{figure:<48}{note}")
        print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--departments", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=100, help="inbox requests per measurement")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default="", help="postgres://… on the loopback interface")
    args = parser.parse_args()
    if not 0 < args.small <= args.requests <= 500_000:
        parser.error("need 0 < --small <= --requests <= 500,000")
    bench = Bench(args)
    try:
        bench.run()
    except Exception:  # noqa: BLE001 - report, clean up, exit 1
        traceback.print_exc()
        return 1
    finally:
        bench.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
