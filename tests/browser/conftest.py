"""Browser tests: a real ASGI server in a subprocess, Debian's Chromium driven by Playwright.

* ``asgi_server`` (per test) needs ``transactional_db``: the test's rows are committed, so the server
  process, which opens the same test database (``MEYDAN_TEST_SERVER=1``), sees them. The server
  process itself is started once per session (``_asgi_process``) and stopped before pytest-django
  drops the test database.
* ``mailbox`` reads the e-mails the server wrote with the file-based backend.
* ``browser`` is one Chromium per module; ``page`` gets a fresh context (cookies) per test.
"""

import email
import email.policy
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API keeps an asyncio loop running in the test thread; without this the ORM
# (fixtures, assertions, pytest-django's flush) raises SynchronousOnlyOperation.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT = 20  # seconds until /healthz must answer 200
DEFAULT_TIMEOUT_MS = 10_000


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Remember each phase's outcome on the item so fixtures can print the server log on failure.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@dataclass
class AsgiServer:
    url: str
    process: subprocess.Popen
    log_path: Path
    maildir: Path

    def log(self, since=0):
        return self.log_path.read_text(errors="replace")[since:] if self.log_path.exists() else ""


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(maildir):
    env = dict(os.environ)
    # The server must behave like production: the async-unsafe escape hatch is for the test thread only.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    paths = [str(PROJECT_ROOT), str(PROJECT_ROOT / "platform")]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "meydan.settings.test",
            "MEYDAN_TEST_SERVER": "1",
            "MEYDAN_TEST_MAILDIR": str(maildir),
            "PYTHONPATH": os.pathsep.join(paths),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env  # DATABASE_URL / REDIS_URL (CI) are inherited from the parent


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _start_server(workdir, maildir):
    """Start uvicorn and wait for /healthz; retry once if the chosen port was taken meanwhile."""
    for attempt in range(2):
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = workdir / f"server-{port}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "meydan.asgi:application"]
                + ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                cwd=PROJECT_ROOT,
                env=_server_env(maildir),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = AsgiServer(url=url, process=process, log_path=log_path, maildir=maildir)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = None
            if status == 200:
                return server
            time.sleep(0.1)
        _stop(process)
        output = server.log()
        if attempt == 0 and "address already in use" in output.lower():
            continue
        pytest.fail(
            f"The ASGI server at {url} did not answer /healthz with 200 within {STARTUP_TIMEOUT} s "
            f"(last status {status}, exit code {process.returncode}). Server output:\n{output}",
            pytrace=False,
        )
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def _asgi_process(django_db_setup, tmp_path_factory):
    """One uvicorn process for the session. It depends on django_db_setup, so it starts after the
    test database exists and is stopped before pytest-django drops it."""
    workdir = tmp_path_factory.mktemp("asgi")
    maildir = workdir / "mail"
    maildir.mkdir()
    server = _start_server(workdir, maildir)
    yield server
    _stop(server.process)


@pytest.fixture
def asgi_server(request, _asgi_process, transactional_db):
    """The running server, with the home site in place and an empty mailbox for this test."""
    from django.db import connections

    from meydan.site_setup import ensure_home_site

    # Transactional tests flush rows made by data migrations (root page, Site): recreate them.
    ensure_home_site()
    connections.close_all()
    for path in _asgi_process.maildir.iterdir():
        path.unlink()
    log_start = len(_asgi_process.log())
    yield _asgi_process
    connections.close_all()
    if _asgi_process.process.poll() is not None:
        pytest.fail(f"The ASGI server died during the test:\n{_asgi_process.log(log_start)}", pytrace=False)
    call = getattr(request.node, "rep_call", None)
    output = _asgi_process.log(log_start)
    if call is not None and call.failed and output:
        print(f"\n--- ASGI server output during {request.node.name} ---\n{output}")


class Mailbox:
    """The messages the server's file-based e-mail backend wrote: one .log file per connection,
    messages separated by a line of 79 dashes."""

    SEPARATOR = re.compile(r"^-{79}$", re.MULTILINE)
    LINK = re.compile(r"https?://[^\s<>\"']+")

    def __init__(self, directory):
        self.directory = Path(directory)

    def messages(self):
        found = []
        for path in sorted(self.directory.glob("*.log"), key=lambda p: (p.stat().st_mtime, p.name)):
            for chunk in self.SEPARATOR.split(path.read_text(encoding="utf-8")):
                if chunk.strip():
                    found.append(email.message_from_string(chunk.lstrip("\n"), policy=email.policy.default))
        return found

    def wait_for(self, to=None, subject=None, timeout=10):
        """The newest message to `to` whose subject contains `subject`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            matching = [
                message
                for message in self.messages()
                if (to is None or to.lower() in str(message["To"]).lower())
                and (subject is None or subject in str(message["Subject"]))
            ]
            if matching:
                return matching[-1]
            if time.monotonic() > deadline:
                seen = [(str(m["To"]), str(m["Subject"])) for m in self.messages()]
                raise AssertionError(f"No e-mail to {to!r} with subject {subject!r}; mailbox has {seen}")
            time.sleep(0.1)

    @staticmethod
    def body(message):
        part = message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""

    def links(self, message):
        return [link.rstrip(".,;)") for link in self.LINK.findall(self.body(message))]

    @staticmethod
    def local_path(link):
        """The link's path and query, to open on the test server whatever host the e-mail named."""
        parts = urlsplit(link)
        return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def mailbox(asgi_server):
    return Mailbox(asgi_server.maildir)


@pytest.fixture(scope="module")
def browser():
    # The suite-wide conftest already skipped (locally) or failed (CI) the test if Chromium is missing.
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def browser_context_args():
    """Extra options for the browser context; a module may override this fixture."""
    return {}


@pytest.fixture
def page(browser, asgi_server, browser_context_args):
    from playwright.sync_api import expect

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    context = browser.new_context(locale="en-US", base_url=asgi_server.url, **browser_context_args)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def new_context(browser, asgi_server):
    """Separate browser contexts (cookies, sessions) made on demand, all closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(locale="en-US", base_url=asgi_server.url, **options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
