"""Tools for tests/test_security_corpus.py: the hostile strings, how they are packed into fields, and
the check of a rendered page as a browser parses it.

The check reads the tree html5lib builds (the HTML5 parsing algorithm browsers use), not the bytes,
so it fails only on what could actually run or restyle the page, and it keeps passing when a template
changes harmless details of its markup.
"""

import re
from collections import deque
from pathlib import Path

import html5lib

CORPUS_PATH = Path(__file__).resolve().parent.parent / "platform" / "meydan" / "tests" / "data" / "xss_corpus.txt"


def load_payloads(path=CORPUS_PATH):
    """Every distinct payload of the corpus, in file order."""
    # split("\n"), not splitlines(): a payload may carry \x0b, \x1c or U+2028 on purpose.
    lines = path.read_text(encoding="utf-8").split("\n")
    return list(dict.fromkeys(line for line in lines if line.strip() and not line.startswith("#")))


# Links a person can type where a form takes an address or a "next" page: each spells a script scheme
# in a way some URL parser once read as the scheme itself.
HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "javascript&#58;alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "//evil.example/",
    "/\\evil.example/",
]


MARKER_PREFIX = "zqx"
SKIPS_BEFORE_FULL = 40


class Payloads:
    """Hands out the corpus in turn, so that the fields together submit every payload at least once.

    Each value starts with a marker unique to its field, so that the test can prove the value was
    stored and shown, not silently refused (a check that sees no payload would pass vacuously).
    """

    def __init__(self, payloads):
        self.payloads = payloads
        self._queue = deque(range(len(payloads)))
        self.used = set()
        self.submitted = set()
        self.markers = {}

    def marker(self, field):
        if field not in self.markers:
            self.markers[field] = f"{MARKER_PREFIX}{len(self.markers):03d}xqz"
        return self.markers[field]

    def text(self, field, limit, *, separator="\n", count=None, forbid=""):
        """The field's marker and as many payloads as fit in `limit` characters (at most `count`),
        leaving out payloads with a character of `forbid` (a tag list splits at commas)."""
        value, taken, skipped = self.marker(field), 0, []
        while self._queue and (count is None or taken < count) and len(skipped) < SKIPS_BEFORE_FULL:
            index = self._queue.popleft()
            payload = self.payloads[index]
            candidate = f"{value}{separator}{payload}"
            if len(candidate) > limit or any(character in payload for character in forbid):
                skipped.append(index)
                continue
            value, taken = candidate, taken + 1
            self.used.add(index)
            self.submitted.add(index)
            self._queue.append(index)  # to the back of the line: the next fields get the others first
        # What did not fit keeps its place at the front, for the next, roomier field.
        self._queue.extendleft(reversed(skipped))
        return value

    def overflow(self, field):
        """The field's marker and every payload, for a submission that must be refused as too long."""
        self.submitted.update(range(len(self.payloads)))
        return "\n".join([self.marker(field), *self.payloads])

    def texts(self, field, limit, *, rounds, separator="\n"):
        return [self.text(field, limit, separator=separator) for _ in range(rounds)]


# --- the check of a rendered page -------------------------------------------------------------

URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "data", "poster", "background", "cite", "codebase", "srcset", "ping",
     "lowsrc", "dynsrc", "manifest", "icon", "longdesc", "usemap", "xlink:href", "xml:base"}
)  # fmt: skip
FORBIDDEN_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
EMBEDDING_ELEMENTS = frozenset({"iframe", "object", "embed", "frame", "frameset", "applet", "portal", "fencedframe"})
# Stricter than a browser, which drops only tab and newline inside a scheme and controls or spaces at
# its ends: removing every control, space and zero-width character anywhere only reveals more schemes.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200d\u2060\ufeff\s]")


def _local(name):
    return name.rsplit("}", 1)[-1].lower()


def _attribute_name(name):
    # html5lib writes namespaced attributes as "{namespace}local"; xlink:href keeps its prefix meaning.
    if name.startswith("{http://www.w3.org/1999/xlink}"):
        return "xlink:" + _local(name)
    if name.startswith("{http://www.w3.org/XML/1998/namespace}"):
        return "xml:" + _local(name)
    return _local(name)


def dangerous_url(value):
    compact = _URL_NOISE.sub("", value).lower()
    return compact.startswith(FORBIDDEN_SCHEMES)


def _describe(element):
    attributes = " ".join(f'{_attribute_name(k)}="{v[:60]}"' for k, v in element.attrib.items())
    return f"<{_local(element.tag)}{' ' + attributes if attributes else ''}>"


def _inline_code_allowed(element, name, admin):
    """Wagtail's admin has its own inline scripts and styles (it is not under our CSP); there only
    user input inside them is a finding. A JSON data island is data, not code."""
    if not admin:
        return False
    if name == "script" and element.get("type", "").strip().lower() == "application/json":
        return True
    return MARKER_PREFIX not in (element.text or "")


def element_violations(element, *, fragment, allowed_frames, admin=False):
    """What is wrong with one element (a list of readable sentences, empty when it is harmless)."""
    found = []
    name = _local(element.tag)
    if name == "script":
        src = element.get("src", "")
        if fragment or not (src.startswith("/static/") or _inline_code_allowed(element, name, admin)):
            found.append(f"script element {_describe(element)} {(element.text or '')[:80]!r}")
    if name in EMBEDDING_ELEMENTS and (name, element.get("src", "")) not in allowed_frames:
        found.append(f"embedding element {_describe(element)}")
    if name == "base" or name == "style" and not _inline_code_allowed(element, name, admin):
        found.append(f"{name} element {_describe(element)}")
    if name == "meta" and element.get("http-equiv", "").strip().lower() == "refresh":
        found.append(f"meta refresh {_describe(element)}")
    if name == "link" and fragment:
        found.append(f"link element in a fragment {_describe(element)}")
    for raw, value in element.attrib.items():
        attribute = _attribute_name(raw)
        if attribute.startswith("on"):
            found.append(f"event handler {attribute} on {_describe(element)}")
        elif attribute == "style" and not (admin and MARKER_PREFIX not in value):
            found.append(f"style attribute on {_describe(element)}")
        elif attribute == "srcdoc":
            found.append(f"srcdoc on {_describe(element)}")
        elif attribute in URL_ATTRIBUTES and dangerous_url(value):
            found.append(f"dangerous URL in {attribute} of {_describe(element)}")
    return found


def inspect_page(html, *, allowed_frames=frozenset(), admin=False):
    """(problems, text and attribute values, link targets) of a full page, parsed once.

    Problems are everything that could run script, load a foreign frame or restyle the page.
    `allowed_frames` holds (element name, src) pairs that staff configured on purpose: a council
    session's stream embed.
    """
    document = html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)
    problems = _walk(document, fragment=False, allowed_frames=allowed_frames, admin=admin)
    # Attribute values count as shown: a form that gives back what was typed is a place to break out of.
    text = " ".join(
        chunk for element in document.iter() if isinstance(element.tag, str)
        for chunk in (element.text, element.tail, *element.attrib.values()) if chunk
    )  # fmt: skip
    hrefs = [element.get("href") for element in document.iter("a") if element.get("href")]
    return problems, text, hrefs


def fragment_violations(html):
    """The same check for HTML that a script puts into a page with innerHTML (websocket frames)."""
    fragment = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    return _walk(fragment, fragment=True, allowed_frames=frozenset(), root=fragment)


def _walk(tree, *, fragment, allowed_frames, root=None, admin=False):
    found = []
    for element in tree.iter():
        if element is root or not isinstance(element.tag, str):
            continue  # the fragment's own container, comments
        found.extend(element_violations(element, fragment=fragment, allowed_frames=allowed_frames, admin=admin))
    return found
