"""Live fan-out of council-session comments: Meydan's /ws/ endpoint against a bare websockets server.

Run from the repository root (Redis must answer on 127.0.0.1:6379):

    .venv/bin/python benchmarks/live_fanout.py                          # full run, SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/live_fanout.py                      # full run, Postgres
    .venv/bin/python benchmarks/live_fanout.py --clients 100 --comments 20 --idle 200 --burst 200

What one run does (all traffic stays on 127.0.0.1; every wait is bounded; the run stops itself):

1. Throwaway database: a fresh SQLite file in a temporary directory, or, when DATABASE_URL points
   at a local PostgreSQL server, a database ``meydan_bench`` on it (created, then dropped). It is
   migrated and gets a municipality, a moderator, a commenter and a council session started by the
   moderator (so its topic is live). The session page gets a random large id, so that its Redis
   pub/sub channel cannot collide with a test run of a colleague on the same Redis server.
2. Baseline: this file run with ``--role baseline-server``, a bare ``websockets`` asyncio server
   where every message from the ``/publish`` connection is broadcast to all other connections.
3. Meydan: ``uvicorn meydan.asgi:application --ws websockets`` with production settings
   (``meydan.settings.production``, DEBUG=False, random 64-character SECRET_KEY,
   ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=false so plain HTTP/ws works on loopback), the
   Redis channel layer on an empty Redis database (9 unless busy; flushed at the end) and the bench
   database. Production settings are what a deployment runs; the only differences are TLS and the
   absence of a reverse proxy. Each Meydan phase gets a fresh uvicorn (health-checked on /healthz,
   warmed up with 10 clients and one comment), so that no backlog or memory carries over.
4. Fan-out, for each N of ``--clients``: N subscribers connect (baseline first, then Meydan, never
   both at once), each subscribing to the session topic; then ``--comments`` comments are posted
   at ``--rate`` per second. Meydan's go through ``live.services.post_comment`` in this process,
   whose broadcast travels through Redis to the uvicorn process; the clock starts just before
   ``post_comment`` is called, and the comment text carries the timestamp token. The baseline's
   go through a publisher websocket, clock started just before the send. Latency is taken per
   delivery (arrival at each client). p50/p99 are taken over all N x comments expected deliveries,
   a lost one counting as infinitely late (so a p99 cannot look good because the slow frames
   never came); lost = N x comments minus the distinct ones received within ``--drain`` seconds
   after the last post (subscribers that failed to connect count as lost); out-of-order frames
   (sequence number not above the previous one on that connection) and duplicates.
5. Connect burst: ``--burst`` connections opened at once (one asyncio.gather) against Meydan,
   counting handshake errors (HTTP status, refused, timeout, other); each then subscribes, and
   subscribe failures are counted apart.
6. Memory: uvicorn's VmRSS before and after ``--idle`` idle subscribed connections (after the
   warm-up and before any other load, since Python rarely gives memory back). When the first N of
   ``--clients`` equals ``--idle`` this is measured on that Meydan fan-out, between "all subscribed
   and quiet" and the first post; otherwise in a phase of its own.
7. A table with every figure and the targets of the issue, each marked met or missed. The exit
   status is 0 when the measurement completed, whatever the figures; non-zero only when the
   benchmark itself failed (1) or ran out of its time limit (2).
8. Cleanup: subprocesses terminated, the Redis database flushed, temporary files removed, the
   Postgres database dropped.

Fairness on a 2-core machine: servers, Redis, the database and the clients share the same two
cores. Clients run in ``--client-procs`` processes (2 by default) so that the client side is not
capped at one core; uvicorn and the baseline server are single-process, single-event-loop, so each
server uses at most about one core. Clients negotiate permessage-deflate as browsers do (both
servers accept it), do not ping, and time each frame as soon as ``recv()`` returns, before parsing.
The CPU used by the server, the clients, the posting process, Redis and everything else during
each delivery window is printed so that it is visible which side was the bottleneck, and whether
other work on the machine took CPU away. A Redis restart during a phase (by another test suite on
the same server) is detected through Redis' run_id and flagged.

Time budget (``--time-limit``, 570 s by default, plus at most 60 s of cleanup): connecting is cut
off after max(60, N/15) s for Meydan and max(30, N/50) s for the baseline, and earlier if the
phases still to come would not fit; subscribers not connected by then count as connect errors
(``phase_timeout``) and their deliveries as lost. The full default run takes about 8 minutes.
"""

import argparse
import contextlib
import json
import os
import queue
import re
import resource
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLATFORM = ROOT / "platform"
LOOPBACK = "127.0.0.1"
TOKEN = re.compile(r"BENCH-([A-Za-z0-9]+)-(\d+)-(\d+)")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PG_BENCH_DB = "meydan_bench"


class BenchError(Exception):
    """The benchmark itself failed (not: a target was missed)."""


class BenchTimeout(BenchError):
    pass


# =================================================================================================
# Client worker process (no Django in here: only asyncio and the websockets client)
# =================================================================================================


def worker_main(spec):
    import asyncio

    asyncio.run(_worker(spec))


def _emit(payload):
    sys.stdout.write(json.dumps(payload, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _classify(error):
    from websockets.exceptions import InvalidStatus

    if isinstance(error, InvalidStatus):
        return f"http_{error.response.status_code}"
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, (TimeoutError,)):
        return "timeout"
    if isinstance(error, (ConnectionResetError, BrokenPipeError)):
        return "reset"
    return type(error).__name__


class _Client:
    __slots__ = ("ws", "last_seq", "got", "count", "out_of_order", "duplicates", "task", "closed_early")

    def __init__(self, ws, last_seq, comments):
        self.ws = ws
        self.last_seq = last_seq
        self.got = bytearray(comments)
        self.count = 0
        self.out_of_order = 0
        self.duplicates = 0
        self.task = None
        self.closed_early = False


async def _worker(spec):
    """One phase: connect `count` clients, report, then (fan-out) collect deliveries until told to
    drain, report again, close everything and exit. Every step has a deadline."""
    import asyncio

    from websockets.asyncio.client import connect

    loop = asyncio.get_running_loop()
    commands = asyncio.Queue()
    hard_deadline = time.monotonic() + spec["max_seconds"]

    def read_stdin():
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, json.loads(line))
        loop.call_soon_threadsafe(commands.put_nowait, {"cmd": "exit"})

    threading.Thread(target=read_stdin, daemon=True).start()

    phase, comments, topic = spec["phase"], spec["comments"], spec["topic"]
    clients, latencies, errors, subscribe_errors, handshake_ms = [], [], {}, {}, []
    state = {"done": 0, "target": spec["count"], "last": 0}
    all_done = asyncio.Event()

    async def read_loop(client):
        loads, monotonic_ns, search = json.loads, time.monotonic_ns, TOKEN.search
        try:
            async for message in client.ws:
                now = monotonic_ns()
                frame = loads(message)
                if frame.get("type") != "event" or frame.get("topic") != topic:
                    continue  # coalesced "value" counters, heartbeats, pongs
                seq = frame["seq"]
                if seq <= client.last_seq:
                    client.out_of_order += 1
                else:
                    client.last_seq = seq
                data = frame.get("data") or {}
                match = search(data.get("html", "")) if isinstance(data, dict) else None
                if match is None or match.group(1) != phase:
                    continue
                index = int(match.group(2))
                if index >= comments:
                    continue
                if client.got[index]:
                    client.duplicates += 1
                    continue
                client.got[index] = 1
                client.count += 1
                latencies.append((now - int(match.group(3))) / 1e6)
                state["last"] = now
                if client.count == comments:
                    state["done"] += 1
                    if state["done"] >= state["target"]:
                        all_done.set()
        except Exception:  # closed by the server or the network: whatever was missed is "lost"
            client.closed_early = True

    async def open_one(semaphore):
        async with semaphore:
            started = time.monotonic()
            try:
                ws = await connect(
                    spec["url"], origin=spec["origin"], open_timeout=spec["open_timeout"],
                    ping_interval=None, close_timeout=2, proxy=None, compression=spec["compression"],
                    user_agent_header=None, max_size=2**20,
                )
            except Exception as error:  # noqa: BLE001 - every kind of failure is counted
                kind = _classify(error)
                errors[kind] = errors.get(kind, 0) + 1
                return
            handshake_ms.append((time.monotonic() - started) * 1000)
            try:
                await ws.send(json.dumps({"type": "subscribe", "topic": topic, "since": spec["since"]}))
                async with asyncio.timeout(spec["subscribe_timeout"]):
                    while True:
                        frame = json.loads(await ws.recv())
                        if frame.get("type") == "subscribed" and frame.get("topic") == topic:
                            last_seq = int(frame.get("seq") or 0)
                            break
                        if frame.get("type") in ("error", "reset"):
                            raise RuntimeError(f"subscribe answered {frame.get('code') or frame['type']}")
            except Exception as error:  # noqa: BLE001
                kind = _classify(error) if not isinstance(error, RuntimeError) else str(error)
                subscribe_errors[kind] = subscribe_errors.get(kind, 0) + 1
                ws.transport.abort() if ws.transport else None
                return
            client = _Client(ws, last_seq, comments)
            client.task = asyncio.ensure_future(read_loop(client))
            clients.append(client)

    started = time.monotonic()
    semaphore = asyncio.Semaphore(spec["concurrency"])
    try:
        async with asyncio.timeout(max(1.0, min(spec["connect_seconds"], hard_deadline - time.monotonic()))):
            await asyncio.gather(*(open_one(semaphore) for _ in range(spec["count"])))
    except TimeoutError:
        errors["phase_timeout"] = max(
            0, spec["count"] - len(clients) - sum(errors.values()) - sum(subscribe_errors.values())
        )
    handshake_ms.sort()
    state["target"] = len(clients)
    if comments == 0 or state["done"] >= state["target"]:
        all_done.set()
    _emit({
        "event": "connected", "ok": len(clients), "errors": errors, "subscribe_errors": subscribe_errors,
        "seconds": time.monotonic() - started,
        "handshake_ms": [_percentile(handshake_ms, 0.5), _percentile(handshake_ms, 0.99),
                         handshake_ms[-1] if handshake_ms else None],
    })

    while True:
        try:
            async with asyncio.timeout(max(0.1, hard_deadline - time.monotonic())):
                command = await commands.get()
        except TimeoutError:
            command = {"cmd": "exit"}
        if command["cmd"] == "drain":
            try:
                async with asyncio.timeout(max(0.1, min(command["seconds"], hard_deadline - time.monotonic()))):
                    await all_done.wait()
            except TimeoutError:
                pass
            _emit({
                "event": "result",
                "received": sum(c.count for c in clients),
                "complete_clients": state["done"],
                "out_of_order": sum(c.out_of_order for c in clients),
                "duplicates": sum(c.duplicates for c in clients),
                "closed_early": sum(1 for c in clients if c.closed_early),
                "last_arrival_ns": state["last"],
                "latencies": [round(value, 3) for value in latencies],
            })
        elif command["cmd"] in ("close", "exit"):
            break
    # Close politely (as browsers leaving a page do), but never wait long for it.
    try:
        async with asyncio.timeout(max(0.5, min(20, hard_deadline - time.monotonic() + 5))):
            await asyncio.gather(*(c.ws.close() for c in clients), return_exceptions=True)
    except TimeoutError:
        pass
    for client in clients:
        client.task.cancel()
        if client.ws.transport:
            client.ws.transport.abort()
    _emit({"event": "closed"})


# =================================================================================================
# Baseline server process: a bare websockets broadcast server
# =================================================================================================


def baseline_main(port, max_seconds):
    import asyncio

    async def serve_forever():
        from websockets.asyncio.server import broadcast, serve

        subscribers = set()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def read_stdin():  # the parent closes our stdin (or dies): stop
            for _line in sys.stdin:
                pass
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=read_stdin, daemon=True).start()

        async def handler(ws):
            if ws.request.path == "/publish":
                async for message in ws:
                    broadcast(subscribers, message)
                return
            subscribers.add(ws)
            try:
                async for message in ws:
                    frame = json.loads(message)
                    if frame.get("type") == "subscribe":
                        await ws.send(json.dumps({"type": "subscribed", "topic": frame.get("topic"), "seq": 0}))
            finally:
                subscribers.discard(ws)

        async with serve(handler, LOOPBACK, port, max_size=2**20):
            print("ready", flush=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max_seconds)

    asyncio.run(serve_forever())


# =================================================================================================
# Orchestrator helpers
# =================================================================================================


def _percentile(sorted_values, fraction):
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * fraction // 1))  # nearest rank, ceil(n * p)
    return sorted_values[min(len(sorted_values), int(rank)) - 1]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def proc_cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds; None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_rss_kib(pid):
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise BenchError(f"no VmRSS for process {pid}")


def machine_cpu():
    """(busy, total) jiffies over all cores, from /proc/stat."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()

    def bound(self, seconds, reserve=30):
        """`seconds`, or less if the run must keep `reserve` seconds for what follows."""
        value = min(seconds, self.left() - reserve)
        if value <= 0:
            raise BenchTimeout("the run's time limit is reached")
        return value


def _die_with_parent():
    """Runs in the child before exec: SIGTERM it if this benchmark dies without cleaning up."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Process:
    """A child process speaking JSON lines on stdout; stdin stays open until stop()."""

    def __init__(self, argv, env=None, cwd=ROOT, log_path=None, json_lines=True):
        self.log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE if json_lines else self.log, stderr=self.log if log_path else None,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
        self.lines = queue.Queue()
        if json_lines:
            threading.Thread(target=self._read, daemon=True).start()

    @property
    def pid(self):
        return self.proc.pid

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.decode(errors="replace").rstrip("\n"))
        self.lines.put(None)

    def expect(self, timeout, want=None):
        """The next line (decoded as JSON when `want` is given and checked against event==want)."""
        end = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                raise BenchError(f"process {self.pid} did not answer within {timeout:.0f} s") from None
            if line is None:
                raise BenchError(f"process {self.pid} exited (status {self.proc.wait(5)})")
            if want is None:
                return line
            try:
                message = json.loads(line)
            except ValueError:
                continue  # stray output (warnings)
            if message.get("event") == want:
                return message

    def send(self, message):
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def stop(self, grace=10):
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            try:
                self.proc.terminate()
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.log is not subprocess.DEVNULL:
            self.log.close()


def raise_open_file_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def wait_idle(pid, deadline, max_seconds=30, threshold=0.05, window=0.5):
    """Wait until process `pid` uses less than `threshold` of a core over `window` seconds."""
    end = time.monotonic() + deadline.bound(max_seconds)
    while time.monotonic() < end:
        before = proc_cpu_seconds(pid)
        time.sleep(window)
        after = proc_cpu_seconds(pid)
        if before is None or after is None or (after - before) / window < threshold:
            return


def _move_page_ids(start):
    """Make the next page id `start` (throwaway database only)."""
    from django.db import connection
    from wagtail.models import Page

    table = Page._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, start])
        elif connection.vendor == "sqlite":
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [start, table])
            if cursor.rowcount == 0:
                cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start])


# =================================================================================================
# The run
# =================================================================================================


class Bench:
    def __init__(self, args):
        self.args = args
        self.deadline = Deadline(args.time_limit)
        self.tmp = Path(tempfile.mkdtemp(prefix="meydan-fanout-"))
        self.children = []
        self.redis = None
        self.redis_db = None
        self.pg_admin_url = None
        self.session = None
        self.results = {"fanout": [], "burst": None, "memory": None}
        self.reserve_later = 0
        self.cpu_count = os.cpu_count()
        self.load_before = f"{os.getloadavg()[0]:.2f}"

    # --- environment, database, data ------------------------------------------------------------

    def configure_environment(self):
        import redis

        for db in range(self.args.redis_db, 16):
            client = redis.Redis(host=LOOPBACK, port=6379, db=db, socket_timeout=5)
            if client.dbsize() == 0:
                self.redis, self.redis_db = client, db
                break
        if self.redis is None:
            raise BenchError(f"no empty Redis database between {self.args.redis_db} and 15")
        alphabet = string.ascii_letters + string.digits + "!#%*+-=_"
        self.env = {
            "DJANGO_SETTINGS_MODULE": "meydan.settings.production",
            "SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(64)),
            "ALLOWED_HOSTS": LOOPBACK,
            "SECURE_SSL_REDIRECT": "false",
            "DEBUG": "false",
            "REDIS_URL": f"redis://{LOOPBACK}:6379/{self.redis_db}",
            "DATABASE_URL": self.prepare_database_url(),
            "STATIC_ROOT": str(self.tmp / "static"),
            "MEDIA_ROOT": str(self.tmp / "media"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        os.environ.update(self.env)
        os.environ["LOG_LEVEL"] = "WARNING"  # this process only; the server keeps its default
        for path in (str(PLATFORM), str(ROOT)):
            if path not in sys.path:
                sys.path.insert(0, path)

    def prepare_database_url(self):
        url = self.args.database_url or os.environ.get("DATABASE_URL", "")
        if not url:
            self.db_label = "SQLite (fresh file in a temp dir, WAL)"
            return f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        from urllib.parse import urlsplit, urlunsplit

        import psycopg

        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql", "pgsql"):
            raise BenchError("DATABASE_URL must be a postgres:// URL (or unset for SQLite)")
        if parts.hostname not in (LOOPBACK, "localhost", "::1"):
            raise BenchError("the benchmark only talks to a database on the loopback interface")
        self.pg_admin_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(self.pg_admin_url, autocommit=True, connect_timeout=10) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        self.db_label = f"PostgreSQL {version} (database {PG_BENCH_DB}, dropped at the end)"
        return urlunsplit(parts._replace(path=f"/{PG_BENCH_DB}"))

    def prepare_data(self):
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections
        from django.utils import timezone

        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        self.migrate_seconds = time.monotonic() - started

        from datetime import timedelta

        from live import services
        from live.models import CouncilIndexPage, CouncilSessionPage
        from meydan.accounts.models import Membership, Organisation, User
        from meydan.site_setup import ensure_home_site

        now = timezone.now()
        home = ensure_home_site()
        municipality = Organisation.objects.create(
            kind="municipality", status="verified", decided_at=now, name="Kıyas Belediyesi", slug="kiyas-belediyesi"
        )
        moderator = User.objects.create_user(
            email="bench-moderator@example.org", password=None, display_name="Moderatör",
            email_confirmed_at=now, preferred_language="tr",
        )
        Membership.objects.create(user=moderator, organisation=municipality, role="moderator")
        self.commenter = User.objects.create_user(
            email="bench-commenter@example.org", password=None, display_name="Ayşe Yılmaz",
            email_confirmed_at=now, preferred_language="tr",
        )
        index = home.add_child(instance=CouncilIndexPage(title="Meclis", slug="meclis"))
        _move_page_ids(secrets.randbelow(10**9) + 10**9)  # see the docstring: no pub/sub collisions
        session = index.add_child(
            instance=CouncilSessionPage(
                title="Kıyas oturumu", slug="kiyas-oturumu", municipality=municipality,
                scheduled_start=now, scheduled_end=now + timedelta(hours=3),
            )
        )
        services.start_session(moderator, session)
        self.session = CouncilSessionPage.objects.get(pk=session.pk)
        if self.session.status != CouncilSessionPage.Status.LIVE:
            raise BenchError("the session did not start")
        self.topic = self.session.topic
        connections.close_all()

    def last_sequence(self):
        from live.events import last_sequences

        return last_sequences([self.topic]).get(self.topic, 0)

    # --- servers ---------------------------------------------------------------------------------

    def child_env(self, **extra):
        env = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
        env.update(self.env)
        env.pop("LOG_LEVEL", None)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(PLATFORM)])
        env.update(extra)
        return env

    def start_baseline(self):
        self.baseline_port = free_port()
        self.baseline = Process(
            [sys.executable, __file__, "--role", "baseline-server", "--port", str(self.baseline_port),
             "--max-seconds", str(int(self.args.time_limit) + 30)],
            env=self.child_env(), log_path=None,
        )
        self.children.append(self.baseline)
        if self.baseline.expect(20) != "ready":
            raise BenchError("the baseline server did not start")

    def start_meydan(self):
        """A fresh uvicorn for each Meydan phase: no backlog or memory from the phase before."""
        import urllib.request

        self.meydan_port = free_port()
        self.meydan = Process(
            [sys.executable, "-m", "uvicorn", "meydan.asgi:application", "--host", LOOPBACK,
             "--port", str(self.meydan_port), "--ws", "websockets", "--log-level", "warning",
             # as docs/deployment.md runs it: compression would cost ~100 KiB per socket
             "--ws-per-message-deflate", "false",
             "--app-dir", str(PLATFORM)],
            env=self.child_env(), log_path=self.server_log, json_lines=False,
        )
        self.children.append(self.meydan)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        end = time.monotonic() + self.deadline.bound(60, reserve=10)
        while True:
            if self.meydan.proc.poll() is not None:
                raise BenchError("uvicorn exited:\n" + self.server_log_tail())
            try:
                with opener.open(f"http://{LOOPBACK}:{self.meydan_port}/healthz", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > end:
                raise BenchError("uvicorn did not become healthy:\n" + self.server_log_tail())
            time.sleep(0.3)
        self.warm_up()

    def stop_meydan(self):
        self.meydan.stop(grace=10)
        self.children.remove(self.meydan)

    def server_log_tail(self, lines=30):
        try:
            return "\n".join(self.server_log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def target(self, which):
        if which == "baseline":
            port, path, pid = self.baseline_port, "/", self.baseline.pid
        else:
            port, path, pid = self.meydan_port, "/ws/", self.meydan.pid
        return f"ws://{LOOPBACK}:{port}{path}", f"http://{LOOPBACK}:{port}", pid

    # --- client workers --------------------------------------------------------------------------

    def start_workers(self, which, count, procs, phase, comments, since, concurrency, connect_seconds):
        url, origin, _pid = self.target(which)
        shares = [count // procs + (1 if n < count % procs else 0) for n in range(procs)]
        workers = []
        for share in shares:
            if share == 0:
                continue
            spec = {
                "url": url, "origin": origin, "topic": self.topic, "since": since, "count": share,
                "phase": phase, "comments": comments, "concurrency": concurrency,
                "connect_seconds": connect_seconds, "open_timeout": self.args.open_timeout,
                "subscribe_timeout": self.args.open_timeout, "compression": self.args.compression,
                "max_seconds": max(30, self.deadline.left() - 10),
            }
            worker = Process(
                [sys.executable, __file__, "--role", "worker", "--spec", json.dumps(spec)], env=self.child_env()
            )
            self.children.append(worker)
            workers.append(worker)
        connected = [worker.expect(connect_seconds + 20, "connected") for worker in workers]
        return workers, connected

    def stop_workers(self, workers):
        for worker in workers:
            worker.send({"cmd": "close"})
        for worker in workers:
            with contextlib.suppress(BenchError):
                worker.expect(30, "closed")
            worker.stop(grace=5)
            self.children.remove(worker)

    # --- phases ----------------------------------------------------------------------------------

    def post_meydan(self, phase, index):
        from live import services

        text = (
            f"Kıyas yorumu {index}: parkın yeniden düzenlenmesi ve bisiklet yolu için söz alıyorum. "
            f"BENCH-{phase}-{index}-{time.monotonic_ns()}"
        )
        # The token's clock reading is taken right before post_comment: that is the measured start.
        services.post_comment(self.commenter, self.session, text)

    def fanout(self, which, count, measure_memory=False):
        args = self.args
        phase = f"{which[0]}{count}x{secrets.token_hex(3)}"
        since = self.last_sequence() if which == "meydan" else 0
        ceiling = max(60, count / 15) if which == "meydan" else max(30, count / 50)
        connect_seconds = self.deadline.bound(
            ceiling, reserve=self.reserve_later + args.comments / args.rate + min(args.drain, 10) + 20
        )
        url, _origin, server_pid = self.target(which)
        redis_run_id = self.redis_run_id()
        if measure_memory:
            wait_idle(server_pid, self.deadline)
            rss_before = proc_rss_kib(server_pid)
        workers, connected = self.start_workers(
            which, count, args.client_procs, phase, args.comments, since, 64, connect_seconds
        )
        ok = sum(c["ok"] for c in connected)
        connect_errors = _merge(connected)
        connect_seconds_used = max(c["seconds"] for c in connected)
        self.progress(f"  {which} N={count}: {ok} subscribed in {connect_seconds_used:.1f} s, errors {connect_errors}")
        wait_idle(server_pid, self.deadline, max_seconds=20)  # the viewer-count pushes die down
        time.sleep(args.settle)
        if measure_memory:
            self.record_memory(count, ok, rss_before, proc_rss_kib(server_pid), redis_run_id, connect_errors)

        publisher = contextlib.nullcontext()
        if which == "baseline":
            from websockets.sync.client import connect

            publisher = connect(url + "publish", proxy=None, compression=args.compression, open_timeout=10)
        pids = [server_pid] + [w.pid for w in workers]
        cpu_before = [proc_cpu_seconds(pid) or 0 for pid in pids]
        own_before = proc_cpu_seconds(os.getpid())
        redis_before = self.redis_cpu()
        machine_before = machine_cpu()
        window_start = time.monotonic()
        interval = 1.0 / args.rate
        with publisher:
            for index in range(args.comments):
                delay = window_start + index * interval - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                if self.deadline.left() < 20:
                    raise BenchTimeout("time limit reached while posting")
                if which == "meydan":
                    self.post_meydan(phase, index)
                else:
                    publisher.send(self.baseline_frame(phase, index))
            post_seconds = time.monotonic() - window_start
        drain = max(3.0, min(args.drain, self.deadline.left() - self.reserve_later - 15))
        for worker in workers:
            worker.send({"cmd": "drain", "seconds": drain})
        reports = [worker.expect(drain + 60, "result") for worker in workers]
        horizon_ms = (time.monotonic() - window_start) * 1000
        last_arrival = max(r["last_arrival_ns"] for r in reports) / 1e9
        window = (last_arrival if last_arrival > window_start else time.monotonic()) - window_start
        cpu_after = [proc_cpu_seconds(pid) or 0 for pid in pids]
        own_after = proc_cpu_seconds(os.getpid())
        redis_after = self.redis_cpu()
        machine_after = machine_cpu()
        self.stop_workers(workers)

        latencies = sorted(value for report in reports for value in report["latencies"])
        received = sum(r["received"] for r in reports)
        result = {
            "server": which, "clients": count, "connected": ok, "connect_errors": connect_errors,
            "connect_seconds": connect_seconds_used, "comments": args.comments, "post_seconds": post_seconds,
            "expected": count * args.comments, "received": received,
            "lost": count * args.comments - received,
            "lost_connected": ok * args.comments - received,
            "redis_restarted": which == "meydan" and (redis_run_id is None or redis_run_id != self.redis_run_id()),
            "out_of_order": sum(r["out_of_order"] for r in reports),
            "duplicates": sum(r["duplicates"] for r in reports),
            "closed_early": sum(r["closed_early"] for r in reports),
            # Percentiles over every expected delivery, a lost one counting as infinitely late: None
            # means "later than the horizon" (the end of the drain).
            "p50": _percentile_expected(latencies, count * args.comments, 0.5),
            "p99": _percentile_expected(latencies, count * args.comments, 0.99),
            "p99_delivered": _percentile(latencies, 0.99), "horizon_ms": horizon_ms,
            "max": latencies[-1] if latencies else None,
            "window": window,
            "server_cpu": cpu_after[0] - cpu_before[0],
            "client_cpu": sum(cpu_after[1:]) - sum(cpu_before[1:]),
            "redis_cpu": None if redis_before is None or redis_after is None or redis_after < redis_before
            else redis_after - redis_before,
            "machine_busy": (machine_after[0] - machine_before[0]) / max(1, machine_after[1] - machine_before[1]),
            "bench_cpu": own_after - own_before,
        }
        # Core-seconds used by every process on the machine, minus the ones measured above: the
        # database, the kernel, and whatever else runs on the machine at the same time.
        result["other_cpu"] = max(0.0, (machine_after[0] - machine_before[0]) / CLK_TCK - result["server_cpu"]
                                  - result["client_cpu"] - (result["redis_cpu"] or 0) - result["bench_cpu"])
        self.results["fanout"].append(result)
        self.progress(
            f"fan-out {which:8} N={count}: p50 {_lat(result, 'p50')} p99 {_lat(result, 'p99')} "
            f"lost {result['lost']} ooo {result['out_of_order']} (connect {connect_seconds_used:.1f} s)"
        )

    def baseline_frame(self, phase, index):
        now = time.strftime("%Y-%m-%dT%H:%M:%S+03:00")
        text = (
            f"<p>Kıyas yorumu {index}: parkın yeniden düzenlenmesi ve bisiklet yolu için söz alıyorum. "
            f"BENCH-{phase}-{index}-{time.monotonic_ns()}</p>"
        )
        return json.dumps({
            "type": "event", "topic": self.topic, "seq": index + 1, "event": "comment.new",
            "data": {"id": index + 1, "author": "Ayşe Yılmaz", "author_id": 2, "html": text, "parent": None,
                     "item": None, "offset": index, "pinned": False, "at": now},
            "at": now,
        }, ensure_ascii=False, separators=(",", ":"))

    def redis_run_id(self):
        try:
            return self.redis.info("server")["run_id"]
        except Exception:  # noqa: BLE001 - Redis down: counts as a restart
            return None

    def redis_cpu(self):
        try:
            info = self.redis.info("cpu")
            return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
        except Exception:  # noqa: BLE001 - informative only
            return None

    def warm_up(self):
        """A few connections and one comment, so that code paths, pools and threads exist."""
        workers, _connected = self.start_workers("meydan", 10, 1, "warm", 1, self.last_sequence(), 10, 30)
        time.sleep(0.5)
        self.post_meydan("warm", 0)
        for worker in workers:
            worker.send({"cmd": "drain", "seconds": 10})
        for worker in workers:
            worker.expect(30, "result")
        self.stop_workers(workers)
        wait_idle(self.meydan.pid, self.deadline, max_seconds=10)
        time.sleep(1)

    def memory(self):
        count = self.args.idle
        wait_idle(self.meydan.pid, self.deadline)
        redis_run_id = self.redis_run_id()
        before = proc_rss_kib(self.meydan.pid)
        workers, connected = self.start_workers(
            "meydan", count, self.args.client_procs, "idle", 0, self.last_sequence(), 64,
            self.deadline.bound(max(60, count / 15), reserve=self.reserve_later + 30),
        )
        ok = sum(c["ok"] for c in connected)
        wait_idle(self.meydan.pid, self.deadline, max_seconds=20)
        time.sleep(self.args.settle)
        self.record_memory(count, ok, before, proc_rss_kib(self.meydan.pid), redis_run_id, _merge(connected))
        self.stop_workers(workers)

    def record_memory(self, count, ok, before, after, redis_run_id, errors):
        self.results["memory"] = {
            "requested": count, "connected": ok, "before": before, "after": after,
            "per_socket": (after - before) / ok if ok else None, "errors": errors,
            "redis_restarted": redis_run_id is None or redis_run_id != self.redis_run_id(),
        }
        self.progress(f"memory: {ok} idle subscribed sockets, uvicorn RSS {before} -> {after} KiB")

    def burst(self):
        count = self.args.burst
        wait_idle(self.meydan.pid, self.deadline, max_seconds=10)
        redis_run_id = self.redis_run_id()
        workers, connected = self.start_workers(
            "meydan", count, 1, "burst", 0, self.last_sequence(), count, self.deadline.bound(90, reserve=20)
        )
        report = connected[0]
        self.stop_workers(workers)
        handshake_errors = sum(report["errors"].values())
        self.results["burst"] = {
            "requested": count, "handshake_errors": handshake_errors, "errors": report["errors"],
            "subscribe_errors": report["subscribe_errors"], "subscribed": report["ok"],
            "seconds": report["seconds"], "handshake_ms": report["handshake_ms"],
            "redis_restarted": redis_run_id is None or redis_run_id != self.redis_run_id(),
        }
        self.progress(f"burst: {count} at once, {handshake_errors} handshake errors")

    def progress(self, message):
        elapsed = self.args.time_limit - self.deadline.left()
        print(f"[{elapsed:6.1f} s] {message}", flush=True)

    def run(self):
        args = self.args
        self.progress("preparing the database and the servers")
        self.configure_environment()
        self.prepare_data()
        self.server_log = self.tmp / "uvicorn.log"
        self.start_baseline()
        self.progress(f"ready: migrate {self.migrate_seconds:.1f} s, topic {self.topic}, redis db {self.redis_db}")
        # The idle-socket memory is measured on the first Meydan fan-out when it has --idle clients
        # (its subscribers sit idle before the first post); otherwise in a phase of its own, first.
        combined = bool(args.idle) and args.clients[0] == args.idle
        phases = [("memory", args.idle)] if args.idle and not combined else []
        for count in args.clients:
            phases += [("baseline", count), ("meydan", count)]
        if args.burst:
            phases.append(("burst", args.burst))
        post = args.comments / args.rate
        least = {"memory": 45, "baseline": post + 15, "meydan": post + 45, "burst": 45}
        first_meydan = True
        for number, (kind, count) in enumerate(phases):
            # What the phases still to come need at least: this phase may not eat into it.
            self.reserve_later = sum(least[later] for later, _count in phases[number + 1:])
            if kind == "baseline":
                self.fanout("baseline", count)
                continue
            self.start_meydan()
            try:
                if kind == "memory":
                    self.memory()
                elif kind == "meydan":
                    self.fanout("meydan", count, measure_memory=combined and first_meydan)
                    first_meydan = False
                else:
                    self.burst()
            finally:
                self.stop_meydan()
        self.server_errors = summarise_errors(self.server_log.read_text(errors="replace").splitlines())

    def cleanup(self):
        for child in reversed(self.children):
            try:
                child.stop()
            except Exception as error:  # noqa: BLE001 - cleanup goes on
                print(f"warning: could not stop process {child.pid}: {error}", file=sys.stderr)
        self.children.clear()
        if self.redis is not None:
            try:
                self.redis.flushdb()
            except Exception as error:  # noqa: BLE001
                print(f"warning: could not flush Redis db {self.redis_db}: {error}", file=sys.stderr)
        if "django" in sys.modules:
            try:
                from django.db import connections

                for connection in connections.all():
                    connection.close()
                    if hasattr(connection, "close_pool"):
                        connection.close_pool()
            except Exception as error:  # noqa: BLE001
                print(f"warning: could not close database connections: {error}", file=sys.stderr)
        if self.pg_admin_url:
            try:
                import psycopg

                with psycopg.connect(self.pg_admin_url, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
            except Exception as error:  # noqa: BLE001
                print(f"warning: could not drop {PG_BENCH_DB}: {error}", file=sys.stderr)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- report ----------------------------------------------------------------------------------

    def report(self):
        args = self.args
        print()
        print("Meydan live fan-out benchmark")
        print(f"  machine      {self.cpu_count} CPUs (shared by servers, Redis, database and clients), "
              f"Python {sys.version.split()[0]}")
        print("  Meydan       uvicorn --ws websockets, 1 process, meydan.settings.production (DEBUG=False), "
              "RedisPubSubChannelLayer;")
        print("               a fresh uvicorn per Meydan phase, health-checked and warmed up (10 clients, 1 comment)")
        print(f"  database     {self.db_label}")
        print(f"  Redis        127.0.0.1:6379 db {self.redis_db} (flushed afterwards)")
        print(f"  load average {self.load_before} before the run, {os.getloadavg()[0]:.2f} after (1 min)")
        print("  baseline     websockets asyncio server, broadcast() to every other connection")
        print(f"  clients      websockets asyncio client in {args.client_procs} processes, "
              f"compression={args.compression}, {args.comments} comments at {args.rate:g}/s, "
              f"drain {args.drain:g} s")
        print()
        header = (f"{'N':>5} {'server':9} {'connected':>9} {'conn s':>6} {'p50 ms':>8} {'p99 ms':>8} "
                  f"{'p99 dlv':>8} {'max ms':>8} {'lost':>6} {'ooo':>4} {'dup':>4} {'window':>6} {'server':>6} "
                  f"{'client':>6} {'poster':>6} {'redis':>5} {'other':>5} {'busy':>5}")
        print("Fan-out. Latency = clock read just before post_comment() (Meydan) or the publisher's send")
        print("(baseline) -> frame received by a subscriber. p50/p99 are taken over all N x comments expected")
        print("deliveries, a lost one counting as infinitely late ('>T' = later than T ms, the end of the")
        print("drain); 'p99 dlv' is the p99 of the delivered frames only. lost = not received by the end of the")
        print("drain (including subscribers that never connected); ooo = frames whose seq was not above the")
        print("previous one on that socket. CPU seconds during the delivery window (first post to last")
        print("delivery) of the server, the client processes, the posting process, Redis and everything else")
        print("(database, kernel, other users of the machine); busy = share of all cores in use in the window.")
        print(header)
        print("-" * len(header))
        for r in self.results["fanout"]:
            redis_cpu = f"{r['redis_cpu']:.2f}" if r["redis_cpu"] is not None else "?"
            print(f"{r['clients']:>5} {r['server']:9} {r['connected']:>9} {r['connect_seconds']:>6.1f} "
                  f"{_lat(r, 'p50'):>8} {_lat(r, 'p99'):>8} {_ms(r['p99_delivered']):>8} {_ms(r['max']):>8} "
                  f"{r['lost']:>6} "
                  f"{r['out_of_order']:>4} {r['duplicates']:>4} {r['window']:>6.1f} {r['server_cpu']:>6.2f} "
                  f"{r['client_cpu']:>6.2f} {r['bench_cpu']:>6.2f} {redis_cpu:>5} {r['other_cpu']:>5.1f} "
                  f"{r['machine_busy'] * 100:>4.0f}%")
            if r["connect_errors"] or r["closed_early"]:
                print(f"{'':16}connect errors {r['connect_errors'] or 0}, connections closed early "
                      f"{r['closed_early']}; lost among the {r['connected']} connected: {r['lost_connected']}")
            if r["redis_restarted"]:
                print(f"{'':16}WARNING: Redis was restarted (by something else) during this run: figures suspect")
        print("  posting took " + ", ".join(f"{r['post_seconds']:.1f}" for r in self.results["fanout"]) + " s")
        shared = [r for r in self.results["fanout"] if r["window"] > 0 and r["other_cpu"] / r["window"] > 0.5]
        if shared:
            print("  NOTE: other processes used more than half a core during "
                  + ", ".join(f"{r['server']} N={r['clients']}" for r in shared)
                  + ": the machine was shared, absolute figures are pessimistic.")
        print()
        burst, memory = self.results["burst"], self.results["memory"]
        if burst:
            hs = burst["handshake_ms"]
            print(f"Connect burst: {burst['requested']} connections at once -> handshake errors "
                  f"{burst['handshake_errors']} {burst['errors'] or ''}, subscribed {burst['subscribed']}, "
                  f"subscribe errors {sum(burst['subscribe_errors'].values())} {burst['subscribe_errors'] or ''}, "
                  f"all done in {burst['seconds']:.1f} s; handshake p50 {_ms(hs[0])} ms, p99 {_ms(hs[1])} ms, "
                  f"max {_ms(hs[2])} ms")
            if burst["redis_restarted"]:
                print("  WARNING: Redis was restarted (by something else) during the burst: figures suspect")
        if memory:
            print(f"Memory: uvicorn VmRSS {memory['before'] / 1024:.1f} MiB -> {memory['after'] / 1024:.1f} MiB "
                  f"with {memory['connected']} idle subscribed sockets -> "
                  f"{_num(memory['per_socket'])} KiB per socket"
                  + (f" (connect errors: {memory['errors']})" if memory["errors"] else ""))
            if memory["redis_restarted"]:
                print("  WARNING: Redis was restarted (by something else) during this measurement: figures suspect")
        total = sum(self.server_errors.values())
        print(f"uvicorn log: {total} errors" + (":" if total else ""))
        for message, number in sorted(self.server_errors.items(), key=lambda item: -item[1])[:6]:
            print(f"  {number:>5} x {message}")
        print()

        by = {(r["server"], r["clients"]): r for r in self.results["fanout"]}
        rows = []
        base, mey = by.get(("baseline", 1000)), by.get(("meydan", 1000))
        if base and mey and base["p99"] and mey["p99"]:
            ratio = mey["p99"] / base["p99"]
            rows.append(("p99 Meydan / p99 baseline at 1,000 clients", "<= 3", f"{ratio:.2f}", ratio <= 3))
        elif base and mey and base["p99"]:
            ratio = mey["horizon_ms"] / base["p99"]
            rows.append(("p99 Meydan / p99 baseline at 1,000 clients", "<= 3", f"> {ratio:.0f}", False))
        else:
            rows.append(("p99 Meydan / p99 baseline at 1,000 clients", "<= 3", "not measured", None))
        mey3 = by.get(("meydan", 3000))
        if mey3:
            rows.append(("p99 at 3,000 clients", "<= 1000 ms", f"{_lat(mey3, 'p99')} ms",
                         mey3["p99"] is not None and mey3["p99"] <= 1000))
        else:
            rows.append(("p99 at 3,000 clients", "<= 1000 ms", "not measured", None))
        meydan_runs = [r for r in self.results["fanout"] if r["server"] == "meydan"]
        lost = sum(r["lost"] for r in meydan_runs)
        ooo = sum(r["out_of_order"] for r in meydan_runs)
        rows.append(("lost deliveries (Meydan, all N)", "0", str(lost), lost == 0 if meydan_runs else None))
        rows.append(("out-of-order frames (Meydan, all N)", "0", str(ooo), ooo == 0 if meydan_runs else None))
        if burst:
            label = f"handshake errors, {burst['requested']} at once"
            rows.append((label, "0", str(burst["handshake_errors"]), burst["handshake_errors"] == 0))
        if memory and memory["per_socket"] is not None:
            rows.append((f"RSS per idle socket ({memory['connected']} sockets)", "<= 64 KiB",
                         f"{memory['per_socket']:.1f} KiB", memory["per_socket"] <= 64))
        print("Targets")
        width = max(len(row[0]) for row in rows)
        for name, goal, value, met in rows:
            mark = "n/a" if met is None else ("met" if met else "MISSED")
            print(f"  {name:<{width}}  {goal:>10}  {value:>14}  {mark}")


def _merge(reports):
    """Connect and subscribe errors of several workers, by kind."""
    merged = {}
    for report in reports:
        for source in (report["errors"], report["subscribe_errors"]):
            for kind, number in source.items():
                merged[kind] = merged.get(kind, 0) + number
    return merged


def summarise_errors(lines):
    """Distinct errors in uvicorn's log (Django's JSON lines and uvicorn's plain tracebacks)."""
    counts, in_traceback = {}, False
    for line in lines:
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("level") in ("ERROR", "CRITICAL"):
                last = (entry.get("exception") or "").strip().splitlines()[-1:] or [""]
                message = (str(entry.get("message", "")).splitlines() or [""])[0]
                key = f"{entry.get('logger')}: {message[:80]} -> {last[0][:120]}".strip(" ->")
                counts[key] = counts.get(key, 0) + 1
        elif line.startswith("ERROR:"):
            counts[line[:120]] = counts.get(line[:120], 0) + 1
        elif line.startswith("Traceback"):
            in_traceback = True
        elif in_traceback and line and not line[0].isspace() and not line.startswith(("During handling", "The above")):
            in_traceback = False
            key = "  raised " + line[:140]
            counts[key] = counts.get(key, 0) + 1
    return counts


def _percentile_expected(sorted_latencies, expected, fraction):
    """Nearest-rank percentile over `expected` deliveries of which the missing ones are infinitely late."""
    if expected <= 0:
        return None
    rank = max(1, int(-(-expected * fraction // 1)))
    return sorted_latencies[rank - 1] if rank <= len(sorted_latencies) else None


def _lat(result, key):
    value = result[key]
    return f">{result['horizon_ms']:.0f}" if value is None else f"{value:.1f}"


def _ms(value):
    return "-" if value is None else f"{value:.1f}"


def _num(value):
    return "-" if value is None else f"{value:.1f}"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1000,3000", help="subscriber counts, comma-separated")
    parser.add_argument("--comments", type=int, default=100, help="comments per fan-out run")
    parser.add_argument("--rate", type=float, default=10.0, help="comments per second")
    parser.add_argument("--drain", type=float, default=30.0, help="seconds to wait for late deliveries")
    parser.add_argument("--settle", type=float, default=2.0, help="quiet seconds before measuring")
    parser.add_argument("--burst", type=int, default=1000, help="connections opened at once (0: skip)")
    parser.add_argument("--idle", type=int, default=1000, help="idle sockets for the memory figure (0: skip)")
    parser.add_argument("--client-procs", type=int, default=2, help="client processes")
    parser.add_argument("--compression", choices=["deflate", "none"], default="deflate")
    parser.add_argument("--open-timeout", type=float, default=30.0, help="handshake/subscribe timeout")
    parser.add_argument("--redis-db", type=int, default=9, help="first Redis db to try (must be empty)")
    parser.add_argument("--database-url", default="", help="postgres://... on 127.0.0.1 (default: SQLite)")
    parser.add_argument("--time-limit", type=float, default=570.0, help="hard limit for the whole run, s")
    parser.add_argument("--role", choices=["main", "worker", "baseline-server"], default="main",
                        help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--max-seconds", type=float, default=900, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.clients = [int(value) for value in args.clients.split(",") if value.strip()]
    if args.compression == "none":
        args.compression = None
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.role == "worker":
        raise_open_file_limit(65536)
        worker_main(json.loads(args.spec))
        return 0
    if args.role == "baseline-server":
        raise_open_file_limit(65536)
        baseline_main(args.port, args.max_seconds)
        return 0

    limit = raise_open_file_limit(65536)  # inherited by uvicorn and the workers
    if limit < max(args.clients + [args.idle, args.burst]) + 200:
        print(f"open-file limit {limit} is too low for {max(args.clients)} clients", file=sys.stderr)
        return 1
    if min(args.clients + [args.comments]) <= 0 or args.rate <= 0 or args.client_procs < 1:
        print("--clients, --comments, --rate and --client-procs must be positive", file=sys.stderr)
        return 1

    def on_alarm(_signum, _frame):
        raise BenchTimeout(f"the run exceeded its time limit of {args.time_limit:.0f} s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.time_limit) + 5)  # the phase deadlines normally stop it well before
    bench = Bench(args)
    status = 0
    try:
        bench.run()
    except BenchTimeout as error:
        print(f"benchmark stopped: {error}", file=sys.stderr)
        status = 2
    except Exception as error:  # noqa: BLE001 - report, clean up, fail
        import traceback

        traceback.print_exc()
        print(f"benchmark failed: {error}", file=sys.stderr)
        tail = bench.server_log_tail() if hasattr(bench, "server_log") else ""
        if tail:
            print("uvicorn log (last lines):\n" + tail, file=sys.stderr)
        status = 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.alarm(60)  # cleanup is bounded too
        bench.cleanup()
        signal.alarm(0)
    if status == 0:
        bench.report()
    return status


if __name__ == "__main__":
    sys.exit(main())
