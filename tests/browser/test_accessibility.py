"""axe-core on the public pages a newcomer meets first: no violations allowed."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()


def assert_no_violations(page):
    results = AXE.run(page)
    violations = results.response["violations"]
    if violations:
        lines = [f"{len(violations)} axe violation(s) on {page.url}:"]
        for violation in violations:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}; nodes: {targets}")
        pytest.fail("\n".join(lines), pytrace=False)


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", None),
        ("/accounts/signup/", "Create an account"),
        ("/accounts/login/", "Log in"),
    ],
    ids=["home", "sign-up", "login"],
)
def test_page_has_no_axe_violations(page, path, heading):
    response = page.goto(path)
    assert response.status == 200
    if heading:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_no_violations(page)


def test_sign_up_errors_have_no_axe_violations(page):
    page.goto("/accounts/signup/")
    page.get_by_role("main").get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    expect(page.locator(".errorlist").first).to_be_visible()
    assert_no_violations(page)
