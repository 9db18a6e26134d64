"""Helpers for scale-out tests: real ASGI server processes, a Redis that can be restarted, and a
websocket client that behaves like live/static/live/js/live-client.js.

Importing this module has no side effects (unlike tests/browser/conftest.py, which sets
DJANGO_ALLOW_ASYNC_UNSAFE for Playwright).
"""

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT = 30  # seconds until /healthz must answer 200 (two servers start at once)


# ASGI server processes ------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}/ws/"

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def alive(self):
        return self.process.poll() is None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(extra=None):
    """The environment of a server process: the test settings against the test database
    (MEYDAN_TEST_SERVER=1), the same DATABASE_URL, REDIS_URL and MEYDAN_TEST_DB as the test."""
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the server must behave like production
    paths = [str(PROJECT_ROOT), str(PROJECT_ROOT / "platform")]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "meydan.settings.test",
            "MEYDAN_TEST_SERVER": "1",
            "PYTHONPATH": os.pathsep.join(paths),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def _launch(name, workdir, env):
    port = free_port()
    log_path = Path(workdir) / f"server-{name}-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "meydan.asgi:application"]
            + ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Server(name=name, port=port, process=process, log_path=log_path)


def _healthy(server):
    try:
        with urllib.request.urlopen(f"{server.origin}/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_servers(names, workdir, extra_env=None, timeout=STARTUP_TIMEOUT):
    """Start one uvicorn process per name, all at once, and wait until each answers /healthz.
    A process that died at start (e.g. its port was taken meanwhile) is started once more."""
    env = server_env(extra_env)
    servers = {name: _launch(name, workdir, env) for name in names}
    retried = set()
    deadline = time.monotonic() + timeout
    waiting = set(names)
    try:
        while waiting:
            for name in sorted(waiting):
                server = servers[name]
                if not server.alive:
                    if name in retried:
                        raise RuntimeError(f"server {name} exited at start:\n{server.log()}")
                    retried.add(name)
                    servers[name] = _launch(name, workdir, env)
                elif _healthy(server):
                    waiting.discard(name)
            if waiting and time.monotonic() > deadline:
                logs = "\n".join(f"--- {n} ---\n{servers[n].log()}" for n in sorted(waiting))
                raise RuntimeError(f"servers {sorted(waiting)} did not answer /healthz within {timeout} s:\n{logs}")
            if waiting:
                time.sleep(0.1)
    except BaseException:
        for server in servers.values():
            stop_server(server)
        raise
    return [servers[name] for name in names]


def stop_server(server, timeout=10):
    process = server.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


# Redis --------------------------------------------------------------------------------------------


def _redis_address():
    parts = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    return parts.hostname or "127.0.0.1", parts.port or 6379


def redis_restart_unavailable():
    """Why this machine cannot restart the Redis of REDIS_URL (None if it can)."""
    import shutil

    host, _ = _redis_address()
    if host not in ("127.0.0.1", "localhost"):
        return f"Redis at {host} is not local"
    missing = [tool for tool in ("redis-cli", "redis-server") if shutil.which(tool) is None]
    return f"{' and '.join(missing)} not found" if missing else None


def redis_ping():
    host, port = _redis_address()
    try:
        result = subprocess.run(
            ["redis-cli", "-h", host, "-p", str(port), "ping"], capture_output=True, text=True, timeout=3
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and result.stdout.strip() == "PONG"


def _wait_redis(up, timeout):
    deadline = time.monotonic() + timeout
    while redis_ping() != up:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def start_redis(timeout=10):
    """Start Redis the way the project's machines run it, unless it answers already."""
    if redis_ping():
        return
    host, port = _redis_address()
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", host, "--port", str(port), "--save", "", "--appendonly", "no"],
        capture_output=True,
        timeout=10,
        check=False,
    )
    if not _wait_redis(True, timeout):
        raise RuntimeError("Redis did not answer PING after being started")


def stop_redis(timeout=5):
    host, port = _redis_address()
    subprocess.run(["redis-cli", "-h", host, "-p", str(port), "shutdown", "nosave"], capture_output=True, timeout=10)
    if not _wait_redis(False, timeout):
        raise RuntimeError("Redis still answers PING after SHUTDOWN")


# A client like live-client.js -------------------------------------------------------------------


@dataclass
class LiveClient:
    """One websocket and one topic, with the browser client's rules: resubscribe from the last
    sequence number on (re)connect, on a gap, and when a heartbeat reports a newer sequence; drop
    events it has already seen. When the connection closes or cannot be opened it moves on to the
    next server of the list (what a load balancer does when a backend dies)."""

    name: str
    servers: list
    topic: str
    cookie: str = ""
    since: int = 0
    accepted: list = field(default_factory=list)  # event frames handed to the page, in order
    via: list = field(default_factory=list)  # "live" or "replay" for each accepted frame
    raw: list = field(default_factory=list)  # seq of every event frame received, duplicates too
    duplicates: int = 0  # event frames dropped because they were seen already
    gaps: int = 0  # event frames dropped because an earlier one was missing
    connections: list = field(default_factory=list)  # names of the servers it connected to
    resubscribes: Counter = field(default_factory=Counter)  # reason -> count
    failures: list = field(default_factory=list)  # why connections closed or could not open
    problems: list = field(default_factory=list)  # frames that should never come (reset, error)

    def __post_init__(self):
        self._index = 0
        self._ws = None
        self._replaying = False
        self._subscribed = asyncio.Event()
        self._pending = {}
        self._next_ref = 1
        self._task = None

    # Life cycle ----------------------------------------------------------------------------------

    def start(self):
        self._task = asyncio.ensure_future(self._run())
        return self

    async def close(self):
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def server(self):
        return self.servers[self._index % len(self.servers)]

    async def _run(self):
        backoff = 0.1
        while True:
            server = self.server
            headers = {"Cookie": self.cookie} if self.cookie else None
            try:
                async with connect(
                    server.ws_url, origin=server.origin, additional_headers=headers, open_timeout=5, close_timeout=1
                ) as ws:
                    self._ws = ws
                    self.connections.append(server.name)
                    backoff = 0.1
                    await self._send_subscribe("connect")
                    async for message in ws:
                        await self._receive(json.loads(message))
                    self.failures.append((server.name, f"closed {ws.close_code}"))
            except (OSError, TimeoutError, WebSocketException) as error:
                self.failures.append((server.name, repr(error)))
            finally:
                self._ws = None
                self._subscribed.clear()
                for future in self._pending.values():
                    if not future.done():
                        future.set_exception(ConnectionError("disconnected"))
                self._pending.clear()
            self._index += 1
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 1.0)

    # Frames -------------------------------------------------------------------------------------

    async def _send_subscribe(self, reason):
        self.resubscribes[reason] += 1
        self._replaying = True
        await self._ws.send(json.dumps({"type": "subscribe", "topic": self.topic, "since": self.since}))

    async def _receive(self, frame):
        kind = frame.get("type")
        if kind == "event" and frame.get("topic") == self.topic:
            self.raw.append(frame["seq"])
            if frame["seq"] <= self.since:
                self.duplicates += 1
                return
            if frame["seq"] > self.since + 1:
                self.gaps += 1
                await self._send_subscribe("gap")  # a gap: replay from the log
                return
            self.since = frame["seq"]
            self.accepted.append(frame)
            self.via.append("replay" if self._replaying else "live")
        elif kind == "subscribed" and frame.get("topic") == self.topic:
            self._replaying = False
            self._subscribed.set()
        elif kind == "ping":
            latest = (frame.get("topics") or {}).get(self.topic, 0)
            if latest > self.since:
                await self._send_subscribe("heartbeat")
        elif kind in ("ok", "error") and str(frame.get("ref")) in self._pending:
            self._pending.pop(str(frame["ref"])).set_result(frame)
        elif kind in ("reset", "error"):
            self.problems.append(frame)

    # What tests call ----------------------------------------------------------------------------

    async def wait_subscribed(self, timeout=10):
        await asyncio.wait_for(self._subscribed.wait(), timeout)

    async def wait_for_seq(self, seq, timeout=10):
        """Wait until the client has accepted event `seq`; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.since < seq:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def request(self, type, timeout=10, **fields):
        """Send an action (e.g. comment.post) and return its `ok` or `error` frame."""
        if self._ws is None:
            raise ConnectionError("not connected")
        ref = str(self._next_ref)
        self._next_ref += 1
        future = asyncio.get_running_loop().create_future()
        self._pending[ref] = future
        await self._ws.send(json.dumps({"type": type, "ref": ref, **fields}))
        return await asyncio.wait_for(future, timeout)

    @property
    def seqs(self):
        return [frame["seq"] for frame in self.accepted]

    def summary(self):
        return (
            f"{self.name}: since={self.since} accepted={len(self.accepted)} raw={len(self.raw)} "
            f"duplicates={self.duplicates} gaps={self.gaps} connections={self.connections} "
            f"resubscribes={dict(self.resubscribes)} failures={self.failures[-5:]} problems={self.problems[:3]}"
        )
