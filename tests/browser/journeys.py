"""Helpers shared by the browser journeys: logging in through the real form, counting page loads,
and axe checks that explain their failures."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

LIVE_TIMEOUT_MS = 5_000  # a live change must reach the other browsers within this
PASSWORD_LABEL = re.compile(r"^Password\W*$")
AXE = Axe()


def log_in(context, email, password, next_path):
    page = context.new_page()
    page.goto(f"/accounts/login/?next={next_path}")
    form = page.get_by_role("main").locator("form")
    form.get_by_label("E-mail address").fill(email)
    form.get_by_label(PASSWORD_LABEL).fill(password)
    form.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))
    return page


def count_loads(page):
    """A list that grows by one every time the page (re)loads."""
    loads = []
    page.on("load", lambda _page: loads.append(page.url))
    return loads


def assert_no_axe_violations(page, label):
    violations = AXE.run(page).response["violations"]
    if violations:
        lines = [f"{len(violations)} axe violation(s) on the {label} ({page.url}):"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"]:
                lines.append(f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '')}")
        pytest.fail("\n".join(lines), pytrace=False)
