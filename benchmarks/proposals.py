"""Proposals at scale: the space's list page under load, and a support storm pushed to open pages.

Run from the repository root (PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 must answer):

    .venv/bin/python benchmarks/proposals.py                                   # full run (~3-5 min)
    .venv/bin/python benchmarks/proposals.py --proposals 1000 --supports 10000 --seconds 5 --storm-seconds 3

What one run does (all traffic stays on 127.0.0.1; every loop and wait is bounded; it stops itself):

1. Throwaway database ``meydan_bench_proposals`` on the local PostgreSQL (dropped, created, migrated,
   dropped again at the end). Bulk-inserted with ``bulk_create``: ``--users`` users (unusable
   passwords, confirmed e-mail addresses), one proposal space (categories, districts, threshold
   ``--threshold``), ``--proposals`` proposals (Turkish titles and bodies, categories, districts,
   tags on about a third, a few on behalf of NGOs, a realistic mix of states and answers, spread over
   120 days) and ``--supports`` supports (distinct user/proposal pairs, Zipf-like popularity);
   ``support_count`` (and the threshold dates) are then set from the support rows in one UPDATE,
   and the database is ANALYZEd. Proposal ids start at a random number above 10^12, so that the
   Redis pub/sub channels of their topics cannot collide with a colleague's run on the same Redis.
2. Queries per request: the list page rendered once in this process with ``CaptureQueriesContext``
   (after one warm-up request), anonymous and logged in, and the same for the naive baseline; the
   tables each query reads; the in-process time per page (median of 20, no HTTP). ``--profile N``
   adds a cProfile of N in-process requests.
3. Baseline, same run, same gunicorn setup: the same list page with the list's
   ``select_related``/``prefetch_related`` removed (one query per card for the author or
   organisation, the category and the tags: an N+1 list, as the nearest Django peer renders it).
   It runs in ``gunicorn`` with 2 sync workers, started by this file (``--role naive-server``,
   gunicorn's ``BaseApplication``), which patches ``proposals.views._related`` in its workers only.
4. Meydan: ``gunicorn meydan.wsgi:application -w 2`` (sync workers) with ``meydan.settings.production``
   (DEBUG=False, random 64-character SECRET_KEY, ALLOWED_HOSTS=127.0.0.1,
   SECURE_SSL_REDIRECT=false for plain HTTP on loopback, static files from a temporary STATIC_ROOT
   filled by ``collectstatic`` and served by WhiteNoise, Redis cache and channel layer on a spare,
   empty Redis database, 11 unless busy, flushed at the end). Each load phase: a closed-loop load
   generator (a separate process: asyncio, raw sockets, one connection per request, as gunicorn's
   sync workers close it anyway) at ``--concurrency`` for ``--warmup`` s unmeasured, then
   ``--seconds`` s measured: req/s, p50/p99/max latency, errors (non-200, connection errors,
   timeouts, and 200s whose body does not hold the 20 proposal cards). Phases: anonymous list,
   logged-in list, a static file served by WhiteNoise (the cheapest request through the same
   gunicorn and WSGI stack: the setup's ceiling on this machine), and ``/healthz`` (database
   ``SELECT 1`` plus a channel-layer round trip through Redis: cheap in CPU but not in wall time).
5. Support storm: ``uvicorn meydan.asgi:application`` (1 process, ``--ws websockets``) serves the
   websockets; ``--pages`` websocket clients ("open pages", a separate process) subscribe to the
   topic ``proposal.<id>`` of one published proposal on the list's first page that has no supports.
   Then ``--storm-rate`` supports per second for ``--storm-seconds`` s, each by a different user:
   by default HTTP POSTs to ``/proposals/<id>/support/`` on the same gunicorn (2 workers), each with
   that user's session cookie and a CSRF token (``--storm-via http``). That is the production path:
   the view, ``support_proposal``, and ``live.coalesce``, whose window lives in the Redis cache and
   is shared by the two worker processes, with the pushes going through Redis to uvicorn.
   ``--storm-via service`` instead calls ``proposals.services.support_proposal`` from a thread pool
   in this process (pushes go through Redis too; no HTTP cost, one process). Printed: supports
   accepted and their latency, how many ``support.count`` value frames each page received (and the
   most in any one second), and whether the last value each page received equals
   ``SELECT COUNT(*)`` of the proposal's supports and its ``support_count``.
6. A table of every figure, the targets of the issue marked met or missed, and the same-run ratios
   against the baseline (and the list's share of the static file's rate). The nearest Django peer
   is quoted (10-15 list pages/s, 81-106 queries) but not run; the ratios are against the baseline
   measured in this run. A Redis restart by another process during a phase is flagged (Redis is
   shared with colleagues' tests). The exit status is 0 when the
   measurement completed, whatever the figures; 1 when the benchmark itself failed, 2 when it ran
   out of ``--time-limit``.
7. Cleanup: servers and clients terminated, the Redis database flushed, temporary files removed, the
   database dropped.

Fairness on a 2-core machine: gunicorn's 2 workers, PostgreSQL, Redis, the load generator and (in
the storm) uvicorn share the same two cores, so the absolute figures are lower than on a server
with the load generator elsewhere. The CPU used by each side during every load phase is printed,
including what other processes on the machine used (colleagues' test runs), and the gunicorn +
PostgreSQL CPU per request, which does not depend on how busy the machine was.
"""

import sys
from pathlib import Path

# Run as `python benchmarks/proposals.py`, this file's folder is sys.path[0], and this file, named
# `proposals`, would shadow the proposals app: take the folder off the path before anything else.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import queue  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import string  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

ROOT = _HERE.parent
PLATFORM = ROOT / "platform"
LOOPBACK = "127.0.0.1"
PG_BENCH_DB = "meydan_bench_proposals"
CLK_TCK = os.sysconf("SC_CLK_TCK")
CARD_MARKER_TEXT = 'class="card proposal-card"'
CARD_MARKER = CARD_MARKER_TEXT.encode()
PAGE_SIZE = 20  # proposals.views.PAGE_SIZE; checked against it at run time
STATIC_LABEL = "static file (WhiteNoise)"
HEALTH_LABEL = "/healthz"
PEER = "nearest Django peer (quoted, not run): 10-15 list pages/s, 81-106 queries per page"


class BenchError(Exception):
    """The benchmark itself failed (not: a target was missed)."""


class BenchTimeout(BenchError):
    pass


# =================================================================================================
# Load generator process (no Django here): closed loop for the list, open loop for the storm
# =================================================================================================


def load_main(spec_path):
    import asyncio

    with open(spec_path) as handle:
        spec = json.load(handle)
    result = asyncio.run(_load(spec))
    sys.stdout.write(json.dumps(result, separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def _request(host, port, raw, timeout):
    """One request on a fresh connection; the whole response (server closes the connection)."""
    import asyncio

    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(raw)
            return await reader.read(-1)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


def _error_kind(error):
    if isinstance(error, TimeoutError):
        return "timeout"
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, (ConnectionResetError, BrokenPipeError)):
        return "reset"
    return type(error).__name__


def _check(data, marker, expect):
    """(status code or error kind, ok)."""
    if not data.startswith(b"HTTP/1."):
        return "bad_response", False
    status = int(data[9:12])
    if marker is None:
        return status, status in expect
    head, _sep, body = data.partition(b"\r\n\r\n")
    if status != 200:
        return status, False
    if body.count(marker.encode()) != expect[0]:
        return "200_wrong_body", False
    return status, True


async def _load(spec):
    import asyncio

    host, port, timeout = spec["host"], spec["port"], spec["timeout"]
    hard_end = time.monotonic() + spec["max_seconds"]
    statuses, errors = {}, {}

    def count(table, key):
        table[str(key)] = table.get(str(key), 0) + 1

    if spec["mode"] == "closed":
        raw = spec["request"].encode("latin-1")
        marker, expect = spec.get("marker"), spec["expect"]
        start = time.monotonic()
        measure_from = start + spec["warmup"]
        measure_to = measure_from + spec["seconds"]
        latencies, ok_in_window, done_in_window = [], 0, 0
        own_cpu = {}

        async def window_marks():
            # Tell the parent when the measured window starts and ends (it reads the servers' CPU
            # then), and take this process's own CPU at the same moments.
            await asyncio.sleep(max(0.0, measure_from - time.monotonic()))
            own_cpu["from"] = time.process_time()
            _emit({"event": "measuring"})
            await asyncio.sleep(max(0.0, measure_to - time.monotonic()))
            own_cpu["to"] = time.process_time()
            _emit({"event": "measured"})

        async def worker():
            nonlocal ok_in_window, done_in_window
            while time.monotonic() < measure_to and time.monotonic() < hard_end:
                began = time.monotonic()
                try:
                    data = await _request(host, port, raw, timeout)
                    status, ok = _check(data, marker, expect)
                except Exception as error:  # noqa: BLE001 - every failure is counted by kind
                    status, ok = _error_kind(error), False
                ended = time.monotonic()
                if measure_from <= ended <= measure_to:
                    done_in_window += 1
                    count(statuses if ok else errors, status)
                    if ok:
                        ok_in_window += 1
                        latencies.append((ended - began) * 1000)
                if not ok and not isinstance(status, int):
                    await asyncio.sleep(0.01)  # refused/reset: do not spin

        await asyncio.gather(window_marks(), *(worker() for _ in range(spec["concurrency"])))
        latencies.sort()
        return {
            "event": "result", "cpu": own_cpu.get("to", 0) - own_cpu.get("from", 0),
            "mode": "closed", "seconds": spec["seconds"], "ok": ok_in_window, "done": done_in_window,
            "statuses": statuses, "errors": errors, "latencies": [round(v, 3) for v in latencies],
        }

    # Open loop: request i is sent at start + i / rate (later if `max_in_flight` are outstanding).
    template, cookies, rate = spec["request"], spec["cookies"], spec["rate"]
    expect = spec["expect"]
    in_flight = asyncio.Semaphore(spec["max_in_flight"])
    records = []
    start = time.monotonic() + 0.2

    async def fire(index):
        raw = template.replace("{COOKIE}", cookies[index]).encode("latin-1")
        sent = time.monotonic()
        try:
            data = await _request(host, port, raw, timeout)
            status, ok = _check(data, None, expect)
        except Exception as error:  # noqa: BLE001
            status, ok = _error_kind(error), False
        done = time.monotonic()
        count(statuses if ok else errors, status)
        records.append((sent, done, ok))
        in_flight.release()

    tasks = []
    for index in range(len(cookies)):
        delay = start + index / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if time.monotonic() > hard_end:
            errors["not_sent_time_limit"] = len(cookies) - index
            break
        await in_flight.acquire()
        tasks.append(asyncio.ensure_future(fire(index)))
    if tasks:
        await asyncio.wait(tasks, timeout=max(1.0, hard_end - time.monotonic()))
    latencies = sorted((done - sent) * 1000 for sent, done, ok in records if ok)
    oks = [done for _sent, done, ok in records if ok]
    return {
        "event": "result", "mode": "open", "sent": len(records), "ok": len(oks), "statuses": statuses, "errors": errors,
        "first_sent": min((sent for sent, _d, _o in records), default=None),
        "last_sent": max((sent for sent, _d, _o in records), default=None),
        "last_done": max((done for _s, done, _o in records), default=None),
        "last_ok_done": max(oks, default=None),
        "latencies": [round(v, 3) for v in latencies],
    }


# =================================================================================================
# "Open pages" process: websocket clients subscribed to one proposal's topic (no Django here)
# =================================================================================================


def pages_main(spec_path):
    import asyncio

    with open(spec_path) as handle:
        spec = json.load(handle)
    asyncio.run(_pages(spec))


def _emit(payload):
    sys.stdout.write(json.dumps(payload, separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def _pages(spec):
    import asyncio

    from websockets.asyncio.client import connect

    loop = asyncio.get_running_loop()
    commands = asyncio.Queue()
    hard_end = time.monotonic() + spec["max_seconds"]
    topic, proposal = spec["topic"], spec["proposal"]

    def read_stdin():
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, json.loads(line))
        loop.call_soon_threadsafe(commands.put_nowait, {"cmd": "exit"})

    threading.Thread(target=read_stdin, daemon=True).start()
    pages, errors = [], {}
    state = {"last_frame": 0.0}

    async def read_loop(page):
        try:
            async for message in page["ws"]:
                now = time.monotonic()
                frame = json.loads(message)
                kind = f"{frame.get('type')}:{frame.get('event', '')}"
                page["other"][kind] = page["other"].get(kind, 0) + 1
                data = frame.get("data") if isinstance(frame.get("data"), dict) else {}
                if frame.get("type") == "value" and frame.get("event") == "support.count" \
                        and data.get("proposal") == proposal:
                    page["counts"].append((now, data.get("count")))
                    state["last_frame"] = now
        except Exception:  # noqa: BLE001 - closed by the server: reported as closed early
            page["closed_early"] = True

    async def open_page():
        try:
            ws = await connect(spec["url"], origin=spec["origin"], open_timeout=15, ping_interval=None,
                               close_timeout=2, proxy=None, user_agent_header=None, max_size=2**20)
        except Exception as error:  # noqa: BLE001
            kind = type(error).__name__
            errors[kind] = errors.get(kind, 0) + 1
            return
        try:
            await ws.send(json.dumps({"type": "subscribe", "topic": topic, "since": spec["since"]}))
            async with asyncio.timeout(15):
                while True:
                    frame = json.loads(await ws.recv())
                    if frame.get("type") == "subscribed" and frame.get("topic") == topic:
                        break
                    if frame.get("type") in ("error", "reset"):
                        raise RuntimeError(f"subscribe answered {frame.get('code') or frame['type']}")
        except Exception as error:  # noqa: BLE001
            kind = f"subscribe:{error}" if isinstance(error, RuntimeError) else f"subscribe:{type(error).__name__}"
            errors[kind] = errors.get(kind, 0) + 1
            ws.transport.abort() if ws.transport else None
            return
        page = {"ws": ws, "counts": [], "other": {}, "closed_early": False}
        page["task"] = asyncio.ensure_future(read_loop(page))
        pages.append(page)

    await asyncio.gather(*(open_page() for _ in range(spec["pages"])))
    _emit({"event": "ready", "ok": len(pages), "errors": errors})

    while True:
        try:
            async with asyncio.timeout(max(0.1, hard_end - time.monotonic())):
                command = await commands.get()
        except TimeoutError:
            command = {"cmd": "exit"}
        if command["cmd"] == "drain":
            # Wait until no count frame has arrived for `quiet` s (the trailing push is 0.25 s late).
            give_up = min(hard_end, time.monotonic() + command["max"])
            while time.monotonic() < give_up:
                if time.monotonic() - max(state["last_frame"], command["since"]) >= command["quiet"]:
                    break
                await asyncio.sleep(0.05)
            _emit({
                "event": "result",
                "pages": [{"counts": page["counts"], "other": page["other"], "closed_early": page["closed_early"]}
                          for page in pages],
            })
        elif command["cmd"] in ("close", "exit"):
            break
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5):
            await asyncio.gather(*(page["ws"].close() for page in pages), return_exceptions=True)
    for page in pages:
        page["task"].cancel()
        if page["ws"].transport:
            page["ws"].transport.abort()
    _emit({"event": "closed"})


# =================================================================================================
# Baseline server: the same gunicorn setup, the list without select_related / prefetch_related
# =================================================================================================


def _naive_related(queryset, user):
    """proposals.views._related without select_related/prefetch_related: the template then loads
    each card's author or organisation, category and tags with one query each (N+1)."""
    return queryset


def naive_server_main(bind, workers):
    from gunicorn.app.base import BaseApplication

    class NaiveListApplication(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", [bind])
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "sync")
            self.cfg.set("loglevel", "warning")
            self.cfg.set("timeout", 60)

        def load(self):
            for path in (str(PLATFORM), str(ROOT)):
                if path not in sys.path:
                    sys.path.insert(0, path)
            from meydan.wsgi import application
            from proposals import views

            views._related = _naive_related
            views._cacheable = lambda request: False  # the baseline renders every page
            return application

    NaiveListApplication().run()


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


def children_of(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(value) for value in handle.read().split()]
    except OSError:
        return []


def postgres_backends(database):
    """Pids of the PostgreSQL backends connected to `database` (their title names it)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                title = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and f" {database} " in title:
            pids.append(int(entry))
    return pids


class CpuWindow:
    """CPU seconds used between start() and stop() by: the server (process and its children), our
    database's PostgreSQL backends, Redis (INFO cpu), and the whole machine (/proc/stat)."""

    def __init__(self, bench, server_pid):
        self.bench, self.server_pid = bench, server_pid

    def _server(self):
        return sum(proc_cpu_seconds(pid) or 0 for pid in [self.server_pid] + children_of(self.server_pid))

    def _pg(self):
        # Backends are per connection and the pools keep them: sum over the ones alive at both ends.
        return {pid: proc_cpu_seconds(pid) or 0 for pid in postgres_backends(PG_BENCH_DB)}

    def start(self):
        self.run_id0 = self.bench.redis_run_id()
        self.server0, self.pg0, self.redis0 = self._server(), self._pg(), self.bench.redis_cpu()
        self.machine0, self.t0 = machine_cpu(), time.monotonic()
        return self

    def stop(self):
        machine1, pg1, redis1 = machine_cpu(), self._pg(), self.bench.redis_cpu()
        self.seconds = time.monotonic() - self.t0
        self.server = self._server() - self.server0
        self.pg = sum(value - self.pg0.get(pid, 0) for pid, value in pg1.items())
        # Redis is shared with colleagues' tests, some of which restart it: say so, do not guess.
        self.redis_restarted = self.run_id0 is None or self.run_id0 != self.bench.redis_run_id()
        broken = self.redis0 is None or redis1 is None or redis1 < self.redis0 or self.redis_restarted
        self.redis = None if broken else redis1 - self.redis0
        self.machine = (machine1[0] - self.machine0[0]) / CLK_TCK
        self.busy = (machine1[0] - self.machine0[0]) / max(1, machine1[1] - self.machine0[1])
        return self


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
        value = min(seconds, self.left() - reserve)
        if value <= 0:
            raise BenchTimeout("the run's time limit is reached")
        return value


def _die_with_parent():
    """Runs in the child before exec: SIGTERM it if this benchmark dies without cleaning up."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Process:
    """A child process; JSON lines on stdout when `json_lines`, else stdout/stderr to a log file."""

    def __init__(self, argv, env, log_path=None, json_lines=True):
        self.log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdin=subprocess.PIPE,
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
        end = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                raise BenchError(f"process {self.pid} did not answer within {timeout:.0f} s") from None
            if line is None:
                raise BenchError(f"process {self.pid} exited (status {self.proc.wait(5)})")
            try:
                message = json.loads(line)
            except ValueError:
                continue  # stray output
            if want is None or message.get("event") == want:
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


# =================================================================================================
# Data
# =================================================================================================

FIRST_NAMES = ["Ayşe", "Mehmet", "Fatma", "Ali", "Zeynep", "Mustafa", "Elif", "Ahmet", "Emine", "Hüseyin",
               "Hatice", "Can", "Deniz", "Ece", "Burak", "Selin", "Emre", "Derya", "Murat", "Gül"]
LAST_NAMES = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir",
              "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan", "Şimşek"]
PLACES = ["Moda sahili", "Kadıköy çarşısı", "Fenerbahçe parkı", "Yeldeğirmeni", "Bahariye caddesi",
          "Kurbağalıdere", "Acıbadem", "Göztepe parkı", "Caddebostan", "Hasanpaşa", "Rasimpaşa", "Osmanağa",
          "Feneryolu", "Koşuyolu", "Suadiye", "Erenköy", "Fikirtepe", "Zühtüpaşa", "Eğitim mahallesi",
          "Sahrayıcedit"]
THINGS = ["bisiklet yolu", "oturma bankları", "gece aydınlatması", "çocuk oyun alanı", "köpek parkı",
          "yaya geçidi", "otobüs durağına sundurma", "içme suyu çeşmesi", "ağaçlandırma", "geri dönüşüm kutuları",
          "kamusal tuvalet", "mahalle kütüphanesi", "açık hava spor aletleri", "hız kesici", "engelli rampası",
          "bisiklet park yeri", "gölgelik", "kaldırım genişletme", "sokak hayvanları için mama kabı",
          "ücretsiz internet"]
ACTIONS = ["yapılsın", "yenilensin", "genişletilsin", "onarılsın", "eklensin", "düzenlensin", "artırılsın",
           "için öneri"]
SENTENCES = [
    "Bu konuda mahalle sakinleri olarak uzun süredir bekliyoruz.",
    "Özellikle akşam saatlerinde yaşlılar ve çocuklar için güvenli değil.",
    "Benzer bir uygulama komşu ilçede çok başarılı oldu.",
    "Maliyeti düşük, faydası büyük bir değişiklik olacağını düşünüyoruz.",
    "Hafta sonları bölge çok kalabalık oluyor ve mevcut düzen yetersiz kalıyor.",
    "Esnafla konuştuk, onlar da destekliyor.",
    "Okul çıkışlarında trafik ciddi bir tehlike oluşturuyor.",
    "Yeşil alanların korunması hepimizin sorumluluğu.",
    "Proje için gönüllü olarak çalışmaya hazırız.",
    "Bu öneri engelli vatandaşların hayatını da kolaylaştıracak.",
]
CATEGORIES = ["Parklar ve yeşil alanlar", "Ulaşım", "Kültür ve sanat", "Spor", "Sosyal hizmetler", "Çevre"]
DISTRICTS = ["Kadıköy", "Moda", "Fenerbahçe", "Göztepe", "Erenköy", "Suadiye", "Bostancı"]
TAGS = ["bisiklet", "park", "ulaşım", "çocuk", "engelsiz", "aydınlatma", "ağaç", "deniz", "kütüphane", "spor",
        "hayvan dostu", "geri dönüşüm", "otobüs", "yaya", "güvenlik", "kültür", "gençlik", "yaşlılar", "pazar", "su"]
STATE_WEIGHTS = [("published", 84), ("evaluating", 5), ("accepted", 3), ("rejected", 2), ("implemented", 2),
                 ("withdrawn", 3), ("hidden", 1)]
_ASCII = str.maketrans("çğıöşüÇĞİÖŞÜ ", "cgiosuCGIOSU-")


def build_data(args, rng, progress):
    """Bulk-inserts the data set; returns what the run needs (space, target proposal, users...)."""
    from datetime import timedelta
    from itertools import accumulate

    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone
    from taggit.models import Tag

    from meydan.accounts.models import Organisation, User
    from meydan.site_setup import ensure_home_site
    from proposals.models import Category, Proposal, ProposalSpacePage, Support, TaggedProposal

    now = timezone.now()
    home = ensure_home_site()
    municipality = Organisation.objects.create(
        kind="municipality", status="verified", decided_at=now, name="Kıyas Belediyesi", slug="kiyas-belediyesi"
    )
    department = Organisation.objects.create(
        kind="department", status="verified", decided_at=now, parent=municipality,
        name="Park ve Bahçeler Müdürlüğü", slug="kiyas-park-bahce",
    )
    ngos = [
        Organisation.objects.create(kind="ngo", status="verified", decided_at=now, name=name, slug=f"kiyas-ngo-{n}")
        for n, name in enumerate(["Bisikletliler Derneği", "Moda Dayanışması", "Yeşil Kadıköy", "Engelsiz Yaşam"])
    ]
    space = home.add_child(instance=ProposalSpacePage(
        title="Fikirler 2026", slug="fikirler-2026", municipality=municipality,
        intro="Şehrimiz için fikirlerinizi paylaşın; yeterli destek alan her öneri resmi bir yanıt alır.",
        proposing_opens=now - timedelta(days=120), proposing_closes=now + timedelta(days=30),
        supporting_opens=now - timedelta(days=120), supporting_closes=now + timedelta(days=60),
        support_threshold=args.threshold, answer_days=30, districts="\n".join(DISTRICTS),
    ))
    categories = [
        Category.objects.create(space=space, name=name, department=department if n == 0 else None, sort_order=n)
        for n, name in enumerate(CATEGORIES)
    ]
    space = ProposalSpacePage.objects.get(pk=space.pk)

    started = time.monotonic()
    with transaction.atomic():
        users = [
            User(
                email=f"kiyas{n:05d}@example.org",
                display_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                password=make_password(None), email_confirmed_at=now - timedelta(days=rng.randint(1, 400)),
                preferred_language="tr",
            )
            for n in range(args.users)
        ]
        User.objects.bulk_create(users, batch_size=2000)
    progress(f"  {len(users):,} users in {time.monotonic() - started:.1f} s")

    # Random large ids: the topic proposal.<id> is a Redis pub/sub channel, shared by every Redis db.
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                       [Proposal._meta.db_table, secrets.randbelow(10**12) + 10**12])

    started = time.monotonic()
    states = [state for state, weight in STATE_WEIGHTS for _ in range(weight)]
    proposals = []
    for n in range(args.proposals):
        newest = n == args.proposals - 1  # the storm's target: newest, so on the list's first page
        state = "published" if newest else rng.choice(states)
        created = now - timedelta(seconds=60 if newest else rng.uniform(120, 120 * 86400))
        answered = state in ("accepted", "rejected", "implemented") or (state == "evaluating" and rng.random() < .5)
        proposals.append(Proposal(
            space=space, author=rng.choice(users),
            organisation=rng.choice(ngos) if rng.random() < 0.05 else None,
            title=f"{rng.choice(PLACES)}: {rng.choice(THINGS)} {rng.choice(ACTIONS)}",
            body="".join(f"<p>{' '.join(rng.sample(SENTENCES, 2))}</p>" for _ in range(rng.randint(1, 3))),
            category=rng.choice(categories) if rng.random() < 0.8 else None,
            district=rng.choice(DISTRICTS) if rng.random() < 0.6 else "",
            state=state, created_at=created,
            answer="Öneriniz ilgili müdürlüğümüzce incelendi; ayrıntılar aşağıdadır." if answered else "",
            answered_at=created + timedelta(days=20) if answered else None,
        ))
    with transaction.atomic():
        Proposal.objects.bulk_create(proposals, batch_size=2000)
        tags = Tag.objects.bulk_create([Tag(name=name, slug=name.translate(_ASCII)) for name in TAGS])
        tagged = [
            TaggedProposal(content_object_id=proposal.pk, tag_id=tag.pk)
            for proposal in proposals if rng.random() < 0.35
            for tag in rng.sample(tags, rng.randint(1, 3))
        ]
        TaggedProposal.objects.bulk_create(tagged, batch_size=5000)
    progress(f"  {len(proposals):,} proposals, {len(tagged):,} tags on them in {time.monotonic() - started:.1f} s")

    started = time.monotonic()
    target = proposals[-1]
    pool = [proposal.pk for proposal in proposals[:-1]]
    rng.shuffle(pool)  # popularity rank in random order of age
    weights = list(accumulate(1.0 / (rank + 20) ** 0.9 for rank in range(len(pool))))
    per_user, extra = divmod(args.supports, len(users))
    supports = []
    for n, user in enumerate(users):
        wanted = min(len(pool), per_user + (1 if n < extra else 0))
        chosen = set()
        for _attempt in range(50):
            if len(chosen) >= wanted:
                break
            chosen.update(rng.choices(pool, cum_weights=weights, k=wanted - len(chosen)))
        supports.extend(
            Support(proposal_id=pk, user_id=user.pk, created_at=now - timedelta(seconds=rng.uniform(60, 90 * 86400)))
            for pk in chosen
        )
    with transaction.atomic():
        Support.objects.bulk_create(supports, batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE proposals_proposal AS p SET support_count = s.n FROM "
                "(SELECT proposal_id, COUNT(*) AS n FROM proposals_support GROUP BY proposal_id) AS s "
                "WHERE p.id = s.proposal_id"
            )
            cursor.execute(
                "UPDATE proposals_proposal SET threshold_reached_at = %s, answer_due = %s "
                "WHERE space_id = %s AND support_count >= %s",
                [now - timedelta(days=5), (now + timedelta(days=25)).date(), space.pk, args.threshold],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    top = Proposal.objects.order_by("-support_count").values_list("support_count", flat=True)[:1]
    progress(f"  {len(supports):,} supports in {time.monotonic() - started:.1f} s "
             f"(most supported proposal: {top[0] if top else 0})")
    return {"space": space, "target": target, "users": users, "supports": len(supports), "tagged": len(tagged)}


def make_sessions(users):
    """Logged-in sessions for `users`, written directly (as a login would); returns their keys."""
    from datetime import timedelta

    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    store, expire = SessionStore(), timezone.now() + timedelta(days=1)
    rows = [
        Session(
            session_key=get_random_string(32, string.ascii_lowercase + string.digits),
            session_data=store.encode({
                "_auth_user_id": str(user.pk),
                "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash(),
            }),
            expire_date=expire,
        )
        for user in users
    ]
    Session.objects.bulk_create(rows, batch_size=2000)
    return [row.session_key for row in rows]


# =================================================================================================
# The run
# =================================================================================================


class Bench:
    def __init__(self, args):
        self.args = args
        self.deadline = Deadline(args.time_limit)
        self.tmp = Path(tempfile.mkdtemp(prefix="meydan-proposals-bench-"))
        self.children = []
        self.redis = None
        self.redis_db = None
        self.pg_admin_url = None
        self.results = {"load": [], "queries": {}, "storm": None}
        self.rng = random.Random(args.seed)
        self.load_before = f"{os.getloadavg()[0]:.2f}"
        self.server_log = self.tmp / "servers.log"

    def progress(self, message):
        elapsed = self.args.time_limit - self.deadline.left()
        print(f"[{elapsed:6.1f} s] {message}", flush=True)

    # --- environment, database, data -------------------------------------------------------------

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
            "DATABASE_URL": self.prepare_database(),
            "STATIC_ROOT": str(self.tmp / "static"),
            "MEDIA_ROOT": str(self.tmp / "media"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        os.environ.update(self.env)
        os.environ["LOG_LEVEL"] = "WARNING"  # this process only; the servers keep their default
        for path in (str(PLATFORM), str(ROOT)):
            if path not in sys.path:
                sys.path.insert(0, path)

    def prepare_database(self):
        from urllib.parse import urlsplit, urlunsplit

        import psycopg

        parts = urlsplit(self.args.database_url)
        if parts.scheme not in ("postgres", "postgresql", "pgsql"):
            raise BenchError("--database-url must be a postgres:// URL")
        if parts.hostname not in (LOOPBACK, "localhost", "::1"):
            raise BenchError("the benchmark only talks to a database on the loopback interface")
        self.pg_admin_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(self.pg_admin_url, autocommit=True, connect_timeout=10) as conn:
            self.pg_version = conn.execute("SHOW server_version").fetchone()[0]
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        return urlunsplit(parts._replace(path=f"/{PG_BENCH_DB}"))

    def prepare(self):
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from proposals import views

        if views.PAGE_SIZE != PAGE_SIZE:
            raise BenchError(f"proposals.views.PAGE_SIZE is {views.PAGE_SIZE}, this benchmark expects {PAGE_SIZE}")
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        self.migrate_seconds = time.monotonic() - started
        self.progress(f"migrated in {self.migrate_seconds:.1f} s; collecting static files")
        started = time.monotonic()
        call_command("collectstatic", interactive=False, verbosity=0)
        self.progress(f"collectstatic in {time.monotonic() - started:.1f} s; inserting data")
        started = time.monotonic()
        self.data = build_data(self.args, self.rng, self.progress)
        self.data_seconds = time.monotonic() - started
        users = self.data["users"]
        self.storm_count = int(round(self.args.storm_rate * self.args.storm_seconds))
        if self.storm_count > len(users) - 1:
            raise BenchError(f"the storm needs {self.storm_count} distinct users; --users is {len(users)}")
        self.storm_users = users[:self.storm_count]
        self.browser = users[-1]
        keys = make_sessions(self.storm_users + [self.browser])
        self.storm_sessions, self.browser_session = keys[:-1], keys[-1]
        self.space_url = self.data["space"].url
        from django.contrib.staticfiles.storage import staticfiles_storage

        self.static_path = staticfiles_storage.url("themes/css/meydan.css")  # the hashed name WhiteNoise serves
        self.target = self.data["target"]
        connections.close_all()

    # --- queries per request (in process) ----------------------------------------------------------

    def count_queries(self):
        from django.db import connection, connections
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from meydan.pagecache import pages_changed
        from proposals import views

        def measure(client):
            client.get(self.space_url)  # warm: caches (theme, site root paths), pool, templates
            with CaptureQueriesContext(connection) as captured:
                response = client.get(self.space_url)
            if response.status_code != 200:
                raise BenchError(f"{self.space_url} answered {response.status_code} in process")
            cards = response.content.count(CARD_MARKER)
            if cards != PAGE_SIZE:
                raise BenchError(f"the list page shows {cards} proposals, expected {PAGE_SIZE}")
            return len(captured), [query["sql"] for query in captured.captured_queries]

        self.sql = {}
        anonymous = Client(HTTP_HOST=LOOPBACK)
        cacheable = views._cacheable
        views._cacheable = lambda request: False  # first the work of an uncached page
        try:
            self.results["queries"]["anonymous"], self.sql["anonymous"] = measure(anonymous)
        finally:
            views._cacheable = cacheable
        self.results["queries"]["anonymous_cached"], self.sql["anonymous_cached"] = measure(anonymous)
        logged_in = Client(HTTP_HOST=LOOPBACK)
        logged_in.force_login(self.browser, backend="django.contrib.auth.backends.ModelBackend")
        self.results["queries"]["logged_in"], self.sql["logged_in"] = measure(logged_in)
        original = views._related
        views._related, views._cacheable = _naive_related, lambda request: False
        pages_changed()  # the baseline must render, not come from the page cache
        try:
            self.results["queries"]["naive"], self.sql["naive"] = measure(Client(HTTP_HOST=LOOPBACK))
        finally:
            views._related, views._cacheable = original, cacheable
        timings = []
        for _n in range(20):
            started = time.perf_counter()
            anonymous.get(self.space_url)
            timings.append((time.perf_counter() - started) * 1000)
        self.render_ms = sorted(timings)[len(timings) // 2]
        if self.args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            for _n in range(self.args.profile):
                anonymous.get(self.space_url)
            profiler.disable()
            print(f"cProfile of {self.args.profile} anonymous list requests in process (by own time):")
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)
        connections.close_all()
        q = self.results["queries"]
        self.progress(f"queries per list page: anonymous {q['anonymous']} (served from the page cache: "
                      f"{q['anonymous_cached']}), logged in {q['logged_in']}, naive baseline {q['naive']}")

    # --- servers ---------------------------------------------------------------------------------

    def child_env(self, **extra):
        env = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
        env.update(self.env)
        env.pop("LOG_LEVEL", None)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(PLATFORM)])
        env.update(extra)
        return env

    def start_server(self, kind):
        port = free_port()
        if kind == "gunicorn":
            argv = [sys.executable, "-m", "gunicorn", "meydan.wsgi:application", "-w", str(self.args.workers),
                    "--bind", f"{LOOPBACK}:{port}", "--log-level", "warning", "--timeout", "60"]
        elif kind == "naive":
            argv = [sys.executable, __file__, "--role", "naive-server", "--bind", f"{LOOPBACK}:{port}",
                    "--workers", str(self.args.workers)]
        else:
            argv = [sys.executable, "-m", "uvicorn", "meydan.asgi:application", "--host", LOOPBACK,
                    "--port", str(port), "--ws", "websockets", "--log-level", "warning", "--app-dir", str(PLATFORM)]
        server = Process(argv, env=self.child_env(), log_path=self.server_log, json_lines=False)
        server.port, server.kind = port, kind
        self.children.append(server)
        self.wait_healthy(server)
        return server

    def wait_healthy(self, server):
        import urllib.request

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        end = time.monotonic() + self.deadline.bound(60, reserve=10)
        while True:
            if server.proc.poll() is not None:
                raise BenchError(f"{server.kind} exited:\n{self.log_tail()}")
            try:
                with opener.open(f"http://{LOOPBACK}:{server.port}/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > end:
                raise BenchError(f"{server.kind} did not become healthy:\n{self.log_tail()}")
            time.sleep(0.3)

    def stop_server(self, server):
        server.stop(grace=15)
        self.children.remove(server)

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.server_log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # --- load phases -----------------------------------------------------------------------------

    def run_load_process(self, spec):
        path = self.tmp / f"load-{secrets.token_hex(4)}.json"
        path.write_text(json.dumps(spec))
        loader = Process([sys.executable, __file__, "--role", "load", "--spec", str(path)], env=self.child_env())
        self.children.append(loader)
        return loader

    def load_phase(self, label, server, path, cookie=None, marker=CARD_MARKER_TEXT, expect=(PAGE_SIZE,)):
        args = self.args
        seconds = self.deadline.bound(args.seconds, reserve=self.reserve(label))
        headers = [f"GET {path} HTTP/1.1", f"Host: {LOOPBACK}:{server.port}", "User-Agent: meydan-bench",
                   "Accept: text/html", "Accept-Encoding: identity", "Connection: close"]
        if cookie:
            headers.append(f"Cookie: {cookie}")
        spec = {
            "mode": "closed", "host": LOOPBACK, "port": server.port, "request": "\r\n".join(headers) + "\r\n\r\n",
            "marker": marker, "expect": list(expect), "concurrency": args.concurrency, "warmup": args.warmup,
            "seconds": seconds, "timeout": 10, "max_seconds": args.warmup + seconds + 30,
        }
        loader = self.run_load_process(spec)
        try:
            loader.expect(args.warmup + 30, "measuring")
            cpu = CpuWindow(self, server.pid).start()
            loader.expect(seconds + 30, "measured")
            cpu.stop()
            result = loader.expect(40, "result")
        finally:
            loader.stop(grace=5)
            self.children.remove(loader)
        lat = result["latencies"]
        ours = cpu.server + cpu.pg + (cpu.redis or 0) + result["cpu"]
        row = {
            "label": label, "server": server.kind, "concurrency": args.concurrency, "seconds": seconds,
            "ok": result["ok"], "rps": result["ok"] / seconds, "p50": _percentile(lat, 0.5),
            "p99": _percentile(lat, 0.99), "max": lat[-1] if lat else None,
            "errors": result["errors"], "error_count": sum(result["errors"].values()),
            "server_cpu": cpu.server, "pg_cpu": cpu.pg, "redis_cpu": cpu.redis, "loader_cpu": result["cpu"],
            "other_cpu": max(0.0, cpu.machine - ours), "machine_busy": cpu.busy, "window": cpu.seconds,
            "redis_restarted": cpu.redis_restarted,
            # What one request costs the server side, and the rate that would give on all cores.
            "cpu_ms": (cpu.server + cpu.pg) * 1000 / result["ok"] if result["ok"] else None,
        }
        self.results["load"].append(row)
        self.progress(f"{label}: {row['rps']:.0f} req/s, p50 {_ms(row['p50'])} ms, p99 {_ms(row['p99'])} ms, "
                      f"errors {row['error_count']} {row['errors'] or ''}; other processes used "
                      f"{row['other_cpu'] / max(1e-3, cpu.seconds):.1f} cores")
        return row

    def reserve(self, label):
        """Seconds the phases after `label` need at least."""
        order = ["naive list (anonymous)", "list (anonymous)", "list (logged in)", STATIC_LABEL, HEALTH_LABEL, "storm"]
        later = order[order.index(label) + 1:] if label in order else []
        need = {"storm": self.args.storm_seconds * 3 + 45}
        return 15 + sum(need.get(name, self.args.warmup + min(self.args.seconds, 5) + 8) for name in later)

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

    # --- support storm ---------------------------------------------------------------------------

    def storm_limit(self):
        """The storm may take up to 10x its planned length (a server that keeps up takes 1x)."""
        return self.deadline.bound(self.args.storm_seconds * 10 + 30, reserve=45)

    def storm(self, gunicorn):
        from proposals.models import Proposal, Support

        args = self.args
        target = self.target
        uvicorn = self.start_server("uvicorn")
        topic = f"proposal.{target.pk}"
        spec = {
            "url": f"ws://{LOOPBACK}:{uvicorn.port}/ws/", "origin": f"http://{LOOPBACK}:{uvicorn.port}",
            "topic": topic, "proposal": target.pk, "since": 0, "pages": args.pages,
            "max_seconds": args.storm_seconds + 120,
        }
        path = self.tmp / "pages.json"
        path.write_text(json.dumps(spec))
        pages = Process([sys.executable, __file__, "--role", "pages", "--spec", str(path)], env=self.child_env())
        self.children.append(pages)
        try:
            ready = pages.expect(40, "ready")
            self.progress(f"storm: {ready['ok']} open pages subscribed to {topic} "
                          f"(errors {ready['errors'] or 'none'}); {self.storm_count} supports at "
                          f"{args.storm_rate:g}/s via {args.storm_via}")
            time.sleep(1.5)  # the viewer-count pushes of the subscriptions die down
            before = Support.objects.filter(proposal_id=target.pk).count()
            fired = self.storm_http(gunicorn, target) if args.storm_via == "http" else self.storm_service(target)
            pages.send({"cmd": "drain", "quiet": 2.0, "max": 15, "since": time.monotonic()})
            result = pages.expect(40, "result")
            pages.send({"cmd": "close"})
            with contextlib.suppress(BenchError):
                pages.expect(15, "closed")
        finally:
            pages.stop(grace=5)
            self.children.remove(pages)
            self.stop_server(uvicorn)
        count = Support.objects.filter(proposal_id=target.pk).count()
        support_count = Proposal.objects.values_list("support_count", flat=True).get(pk=target.pk)
        page_rows = []
        window = max(1e-3, (fired["last_done"] or 0) - (fired["first_sent"] or 0))
        for page in result["pages"]:
            counts = page["counts"]
            times = [at for at, _value in counts]
            busiest = 0
            for index, at in enumerate(times):  # most frames in any 1-second window
                busiest = max(busiest, sum(1 for other in times[index:] if other - at < 1.0))
            page_rows.append({
                "frames": len(counts), "last": counts[-1][1] if counts else None, "busiest_second": busiest,
                "final_at": times[-1] if times else None, "closed_early": page["closed_early"],
            })
        self.results["storm"] = {
            "via": args.storm_via, "requested": self.storm_count, "rate": args.storm_rate,
            "seconds": args.storm_seconds, "fired": fired, "before": before, "count": count,
            "support_count": support_count, "pages": page_rows, "pages_requested": args.pages,
            "pages_ok": ready["ok"], "page_errors": ready["errors"], "window": window,
            "threshold": args.threshold,
        }
        frames = [row["frames"] for row in page_rows]
        self.progress(f"storm: {fired['ok']} supports accepted in {window:.1f} s; frames per page "
                      f"{min(frames, default=0)}-{max(frames, default=0)}; COUNT(*) {count}, support_count "
                      f"{support_count}")

    def storm_http(self, gunicorn, target):
        template = "\r\n".join([
            f"POST /proposals/{target.pk}/support/ HTTP/1.1", f"Host: {LOOPBACK}:{gunicorn.port}",
            "User-Agent: meydan-bench", "Accept: text/html", "Accept-Encoding: identity",
            "Content-Type: application/x-www-form-urlencoded", "Content-Length: 0", "Connection: close",
            "{COOKIE}",
        ]) + "\r\n\r\n"
        cookies = []
        for key in self.storm_sessions:
            token = get_csrf_secret()
            cookies.append(f"Cookie: sessionid={key}; csrftoken={token}\r\nX-CSRFToken: {token}")
        spec = {
            "mode": "open", "host": LOOPBACK, "port": gunicorn.port, "request": template, "cookies": cookies,
            "rate": self.args.storm_rate, "expect": [302], "max_in_flight": 256, "timeout": 30,
            "max_seconds": self.storm_limit(),
        }
        cpu = CpuWindow(self, gunicorn.pid).start()
        loader = self.run_load_process(spec)
        try:
            fired = loader.expect(self.storm_limit() + 30, "result")
        finally:
            loader.stop(grace=5)
            self.children.remove(loader)
        cpu.stop()
        fired["server_cpu"], fired["pg_cpu"], fired["machine_busy"] = cpu.server, cpu.pg, cpu.busy
        fired["redis_restarted"] = cpu.redis_restarted
        return fired

    def storm_service(self, target):
        from concurrent.futures import ThreadPoolExecutor, wait

        from django.db import connections

        from proposals import services

        records, statuses, errors, lock = [], {}, {}, threading.Lock()

        def one(user):
            sent = time.monotonic()
            try:
                services.support_proposal(user, target)
                key, ok = "ok", True
            except services.ProposalRefused as refused:
                key, ok = refused.code, False
            except Exception as error:  # noqa: BLE001
                key, ok = type(error).__name__, False
            finally:
                connections.close_all()  # back to the pool
            done = time.monotonic()
            with lock:
                table = statuses if ok else errors
                table[key] = table.get(key, 0) + 1
                records.append((sent, done, ok))

        cpu = CpuWindow(self, os.getpid()).start()
        start = time.monotonic() + 0.2
        futures = []
        with ThreadPoolExecutor(max_workers=self.args.storm_threads) as pool:
            for index, user in enumerate(self.storm_users):
                delay = start + index / self.args.storm_rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(one, user))
            wait(futures, timeout=self.deadline.bound(self.storm_limit(), reserve=20))
        cpu.stop()
        oks = [done for _sent, done, ok in records if ok]
        return {
            "mode": "service", "sent": len(records), "ok": len(oks), "statuses": statuses, "errors": errors,
            "first_sent": min((sent for sent, _d, _o in records), default=None),
            "last_sent": max((sent for sent, _d, _o in records), default=None),
            "last_done": max((done for _s, done, _o in records), default=None),
            "last_ok_done": max(oks, default=None),
            "latencies": sorted((done - sent) * 1000 for sent, done, ok in records if ok),
            "server_cpu": cpu.server, "pg_cpu": cpu.pg, "machine_busy": cpu.busy,
            "redis_restarted": cpu.redis_restarted,
        }

    # --- the run ---------------------------------------------------------------------------------

    def run(self):
        self.progress("preparing the database")
        self.configure_environment()
        self.prepare()
        self.count_queries()
        self.progress(f"data ready in {self.data_seconds:.1f} s; redis db {self.redis_db}; "
                      f"list page {self.space_url}; target proposal {self.target.pk}")

        naive = self.start_server("naive")
        try:
            self.load_phase("naive list (anonymous)", naive, self.space_url)
        finally:
            self.stop_server(naive)

        gunicorn = self.start_server("gunicorn")
        try:
            self.load_phase("list (anonymous)", gunicorn, self.space_url)
            self.load_phase("list (logged in)", gunicorn, self.space_url, cookie=f"sessionid={self.browser_session}")
            self.load_phase(STATIC_LABEL, gunicorn, self.static_path, marker=None, expect=(200,))
            self.load_phase(HEALTH_LABEL, gunicorn, "/healthz", marker='"status": "ok"', expect=(1,))
            if self.args.storm_seconds > 0:
                self.storm(gunicorn)
        finally:
            self.stop_server(gunicorn)
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
        args, q = self.args, self.results["queries"]
        print()
        print("Meydan proposals benchmark")
        print(f"  machine      {os.cpu_count()} CPUs shared by gunicorn, uvicorn, PostgreSQL, Redis and the load "
              f"generator; load average {self.load_before} before, {os.getloadavg()[0]:.2f} after (1 min)")
        print(f"  database     PostgreSQL {self.pg_version}, {PG_BENCH_DB} (dropped at the end); migrate "
              f"{self.migrate_seconds:.1f} s, data {self.data_seconds:.1f} s")
        print(f"  data         {args.proposals:,} proposals ({self.data['tagged']:,} tag links), "
              f"{self.data['supports']:,} supports, {args.users:,} users, 1 space, threshold {args.threshold}")
        print(f"  servers      gunicorn -w {args.workers} (sync) meydan.wsgi:application, meydan.settings.production, "
              f"DEBUG=False, WhiteNoise; Redis db {self.redis_db} (flushed)")
        print("  baseline     same gunicorn setup, same page, list without select_related/prefetch_related (N+1)")
        print(f"  load         closed loop, {args.concurrency} connections, one request per connection, "
              f"{args.warmup:g} s warm-up + {args.seconds:g} s measured per phase (separate asyncio process)")
        print()
        print("Queries per list page (in process, CaptureQueriesContext, second request):")
        print(f"  anonymous {q['anonymous']} (from the page cache {q['anonymous_cached']}), "
              f"logged in {q['logged_in']}, naive baseline {q['naive']}; "
              f"in-process render {_ms(self.render_ms)} ms per page (median of 20, no HTTP)")
        for name, statements in (("anonymous", self.sql["anonymous"]), ("logged in", self.sql["logged_in"])):
            print(f"  {name}: " + "; ".join(f"{count}x {what}" if count > 1 else what
                                           for what, count in _summarise_sql(statements)))
        print()
        header = (f"{'phase':24} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'ok':>6} {'errors':>6} "
                  f"{'server':>6} {'pg':>5} {'redis':>5} {'load':>5} {'other':>5} {'busy':>5} {'cpu ms':>6}")
        print("HTTP load. CPU seconds used in the measured window by gunicorn (master + workers), the PostgreSQL")
        print("backends of the bench database, Redis, the load generator, and other processes on the machine")
        print("(colleagues' test runs, kernel); busy = share of both cores in use; cpu ms = gunicorn +")
        print("PostgreSQL CPU per successful request (2 cores / cpu ms = the rate with both cores to the server).")
        print(header)
        print("-" * len(header))
        for r in self.results["load"]:
            redis_cpu = "?" if r["redis_cpu"] is None else f"{r['redis_cpu']:.1f}"
            print(f"{r['label']:24} {r['rps']:>7.1f} {_ms(r['p50']):>7} {_ms(r['p99']):>7} {_ms(r['max']):>7} "
                  f"{r['ok']:>6} {r['error_count']:>6} {r['server_cpu']:>6.1f} {r['pg_cpu']:>5.1f} "
                  f"{redis_cpu:>5} {r['loader_cpu']:>5.1f} {r['other_cpu']:>5.1f} {r['machine_busy'] * 100:>4.0f}% "
                  f"{_ms(r['cpu_ms']):>6}")
            if r["errors"]:
                print(f"{'':26}errors: {r['errors']}")
            if r["redis_restarted"]:
                print(f"{'':26}WARNING: Redis was restarted (by another process) during this phase: figures suspect")
        print()
        storm = self.results["storm"]
        if storm:
            fired, pages = storm["fired"], storm["pages"]
            lat = fired["latencies"]
            print(f"Support storm ({storm['via']}): {storm['requested']:,} supports by distinct users at "
                  f"{storm['rate']:g}/s planned over {storm['seconds']:g} s, one proposal "
                  f"(threshold {storm['threshold']} crossed on the way)")
            print(f"  sent {fired['sent']:,}, accepted {fired['ok']:,} in {storm['window']:.1f} s "
                  f"({fired['ok'] / storm['window']:.0f}/s); statuses {fired['statuses']}"
                  + (f"; errors {fired['errors']}" if fired["errors"] else ""))
            print(f"  support latency p50 {_ms(_percentile(lat, .5))} ms, p99 {_ms(_percentile(lat, .99))} ms, "
                  f"max {_ms(lat[-1] if lat else None)} ms; machine busy {fired['machine_busy'] * 100:.0f}%")
            if fired["ok"]:
                where = "gunicorn" if storm["via"] == "http" else "this process"
                print(f"  CPU per support: {where} {fired['server_cpu'] * 1000 / fired['ok']:.1f} ms + PostgreSQL "
                      f"{fired['pg_cpu'] * 1000 / fired['ok']:.1f} ms")
            print(f"  open pages: {storm['pages_ok']} of {storm['pages_requested']} subscribed"
                  + (f" (errors {storm['page_errors']})" if storm["page_errors"] else ""))
            frames = [row["frames"] for row in pages]
            print("  support.count frames per page: " + " ".join(str(n) for n in frames))
            busiest = max((row["busiest_second"] for row in pages), default=0)
            if frames and max(frames):
                print(f"  coalescing: {fired['ok']:,} supports -> at most {max(frames)} frames per page "
                      f"({fired['ok'] / max(frames):.1f}x fewer)")
            print(f"  most frames in any 1 s on one page: {busiest}; "
                  f"mean {(sum(frames) / len(frames) if frames else 0) / storm['window']:.1f}/s per page "
                  f"over the storm")
            lasts = sorted({row["last"] for row in pages}, key=lambda v: (v is None, v))
            print(f"  last value received: {', '.join(str(v) for v in lasts)}; database: COUNT(*) {storm['count']}, "
                  f"support_count {storm['support_count']} (was {storm['before']} before the storm)")
            finals = [row["final_at"] for row in pages if row["final_at"] is not None]
            if finals and fired["last_ok_done"]:
                print(f"  final value arrived {(max(finals) - fired['last_ok_done']) * 1000:+.0f} ms after the last "
                      f"support's response")
            if fired.get("redis_restarted"):
                print("  WARNING: Redis was restarted (by another process) during the storm: figures suspect")
            closed = sum(1 for row in pages if row["closed_early"])
            if closed:
                print(f"  WARNING: {closed} pages were closed by the server")
            print()
        total = sum(self.server_errors.values())
        print(f"server logs: {total} errors" + (":" if total else ""))
        for message, number in sorted(self.server_errors.items(), key=lambda item: -item[1])[:6]:
            print(f"  {number:>5} x {message}")
        print()

        by = {r["label"]: r for r in self.results["load"]}
        anon, naive, ceiling = by.get("list (anonymous)"), by.get("naive list (anonymous)"), by.get(STATIC_LABEL)
        print("Same-run ratios (Meydan list / baseline)")
        if anon and naive and naive["rps"]:
            print(f"  req/s       {anon['rps']:.0f} / {naive['rps']:.0f} = {anon['rps'] / naive['rps']:.1f}x")
        if anon and naive and anon["p99"] and naive["p99"]:
            print(f"  p99         {_ms(anon['p99'])} / {_ms(naive['p99'])} ms = {anon['p99'] / naive['p99']:.2f}x")
        print(f"  queries     {q['anonymous']} / {q['naive']} = {q['anonymous'] / max(1, q['naive']):.2f}x")
        if anon and ceiling and ceiling["rps"]:
            print(f"  list req/s as a share of a static file's req/s through the same gunicorn (the setup's "
                  f"ceiling): {anon['rps'] / ceiling['rps'] * 100:.0f}%")
        print(f"  ({PEER})")
        print()

        rows = []
        for label in ("list (anonymous)", "list (logged in)"):
            r = by.get(label)
            if r is None:
                continue
            rows.append((f"req/s, {label}", ">= 400", f"{r['rps']:.0f}", r["rps"] >= 400))
            rows.append((f"p99, {label}", "<= 100 ms", f"{_ms(r['p99'])} ms", r["p99"] is not None and r["p99"] <= 100))
            rows.append((f"errors, {label}", "0", str(r["error_count"]), r["error_count"] == 0))
        rows.append(("queries per request, anonymous", "<= 10", str(q["anonymous"]), q["anonymous"] <= 10))
        rows.append(("queries per request, logged in", "<= 10", str(q["logged_in"]), q["logged_in"] <= 10))
        if storm:
            fired, pages = storm["fired"], storm["pages"]
            frames = [row["frames"] for row in pages]
            planned = storm["requested"] / storm["rate"]
            rows.append(("supports accepted", f"{storm['requested']}", str(fired["ok"]),
                         fired["ok"] == storm["requested"]))
            achieved = fired["ok"] / storm["window"]
            rows.append(("support rate achieved", f">= {storm['rate']:g}/s", f"{achieved:.0f}/s",
                         achieved >= storm["rate"] * 0.95))
            per_second = max(frames, default=0) / max(planned, storm["window"])
            rows.append(("count frames per page per second (max page)", "<= ~4/s", f"{per_second:.1f}/s",
                         per_second <= 4.4 if frames else None))
            all_pages = storm["pages_ok"] == storm["pages_requested"]
            match = all_pages and all(row["last"] == storm["count"] == storm["support_count"] for row in pages)
            rows.append(("final count on every page = COUNT(*) = support_count", "yes",
                         "yes" if match else "NO", match))
        print("Targets")
        width = max(len(row[0]) for row in rows)
        for name, goal, value, met in rows:
            mark = "n/a" if met is None else ("met" if met else "MISSED")
            print(f"  {name:<{width}}  {goal:>10}  {value:>12}  {mark}")


def _summarise_sql(statements):
    """('SELECT proposals_proposal', 2), ... in order of first appearance: what each query reads."""
    import re

    summary = {}
    for sql in statements:
        verb = sql.split(None, 1)[0].upper() if sql.strip() else "?"
        match = re.search(r'\bFROM\s+"?([A-Za-z0-9_]+)"?', sql) or re.search(
            r'\b(?:INTO|UPDATE)\s+"?([A-Za-z0-9_]+)"?', sql)
        key = f"{verb} {match.group(1) if match else ''}".strip()
        summary[key] = summary.get(key, 0) + 1
    return list(summary.items())


def get_csrf_secret():
    """An unmasked CSRF secret (32 letters and digits), as Django accepts in cookie and header."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def summarise_errors(lines):
    """Distinct errors in the servers' logs (Django's JSON lines, gunicorn/uvicorn plain lines)."""
    counts, in_traceback = {}, False
    for line in lines:
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("level") in ("ERROR", "CRITICAL"):
                last = (entry.get("exception") or "").strip().splitlines()[-1:] or [""]
                key = f"{entry.get('logger')}: {entry.get('message', '')[:80]} {last[0][:120]}".strip()
                counts[key] = counts.get(key, 0) + 1
        elif line.startswith("ERROR:") or "[ERROR]" in line or "[CRITICAL]" in line:
            key = line.split("] ", 3)[-1][:120] if "[" in line else line[:120]
            counts[key] = counts.get(key, 0) + 1
        elif line.startswith("Traceback"):
            in_traceback = True
        elif in_traceback and line and not line[0].isspace() and not line.startswith(("During handling", "The above")):
            in_traceback = False
            key = "  raised " + line[:140]
            counts[key] = counts.get(key, 0) + 1
    return counts


def _ms(value):
    return "-" if value is None else f"{value:.1f}"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=10_000, help="proposals in the space")
    parser.add_argument("--supports", type=int, default=100_000, help="supports spread over the proposals")
    parser.add_argument("--users", type=int, default=10_000, help="users (authors and supporters)")
    parser.add_argument("--threshold", type=int, default=250, help="the space's support threshold")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per load phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each phase")
    parser.add_argument("--concurrency", type=int, default=16, help="connections of the load generator")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--storm-rate", type=float, default=200.0, help="supports per second in the storm")
    parser.add_argument("--storm-seconds", type=float, default=10.0, help="length of the storm (0: skip it)")
    parser.add_argument("--storm-via", choices=["http", "service"], default="http",
                        help="POST to gunicorn with session cookies, or call support_proposal in this process")
    parser.add_argument("--storm-threads", type=int, default=8, help="threads for --storm-via service")
    parser.add_argument("--pages", type=int, default=20, help="open pages (websockets) during the storm")
    parser.add_argument("--redis-db", type=int, default=11, help="first Redis db to try (must be empty)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL on 127.0.0.1 that may create and drop " + PG_BENCH_DB)
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the data set")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also print a cProfile of N in-process list requests")
    parser.add_argument("--time-limit", type=float, default=570.0, help="hard limit for the whole run, s")
    parser.add_argument("--role", choices=["main", "load", "pages", "naive-server"], default="main",
                        help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    parser.add_argument("--bind", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.proposals, args.users, args.concurrency, args.workers, args.pages) < 2 or args.supports < 0:
        parser.error("--proposals, --users, --concurrency, --workers and --pages must be at least 2")
    if args.seconds <= 0 or args.storm_rate <= 0 or args.storm_seconds < 0 or args.threshold < 1:
        parser.error("--seconds, --storm-rate and --threshold must be positive")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.role == "load":
        load_main(args.spec)
        return 0
    if args.role == "pages":
        pages_main(args.spec)
        return 0
    if args.role == "naive-server":
        naive_server_main(args.bind, args.workers)
        return 0

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
        tail = bench.log_tail()
        if tail:
            print("server log (last lines):\n" + tail, file=sys.stderr)
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
