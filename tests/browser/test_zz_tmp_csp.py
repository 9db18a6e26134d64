import pytest
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_console(page):
    msgs = []
    page.on("console", lambda m: msgs.append((m.type, m.text)))
    page.goto("/")
    page.wait_for_load_state("load")
    print(msgs)
    print(page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--primary')"))
