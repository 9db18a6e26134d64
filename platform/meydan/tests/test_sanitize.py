"""What citizens, moderators and templates rely on from meydan.sanitize.

The security tests do not compare strings with an expected output: they parse
what the sanitizer returns the way a browser would (html5lib implements the
HTML5 parsing algorithm) and check the resulting tree. That is the question
that matters (can this output run code?) and it keeps passing when nh3
changes harmless details of its serialization.

No database and no Django settings are needed.
"""

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import html5lib
import pytest
from django.utils.safestring import SafeString, mark_safe

from meydan.sanitize import ALLOWED_TAGS, LINK_REL, clean_html, plain_text, render_html, render_plain

CORPUS_PATH = Path(__file__).parent / "data" / "xss_corpus.txt"
MIN_CORPUS_PAYLOADS = 300


def load_corpus(path: Path = CORPUS_PATH) -> list[tuple[int, str]]:
    """(line number, payload) for every distinct payload in the corpus file."""
    seen: dict[str, int] = {}
    # split("\n"), not splitlines(): a payload may carry \x0b, \x1c or U+2028 on purpose.
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.strip() and not line.startswith("#"):
            seen.setdefault(line, number)
    return [(number, payload) for payload, number in seen.items()]


CORPUS = load_corpus()

# Systematic variants of what the corpus shows once: control characters a text
# file cannot hold, and every event handler on every tag we actually allow.
_HOSTILE_URLS = [
    "javascript:alert(1)",
    "vbscript:msgbox(1)",
    "livescript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
]
_URL_NOISE = ["\t", "\n", "\r", "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", " "]
_EVENTS = [
    "onerror", "onload", "onclick", "onmouseover", "onfocus", "onfocusin", "onblur", "onanimationstart",
    "ontransitionend", "ontoggle", "onbegin", "onpointerover", "onwheel", "onscroll", "onkeydown",
    "oninput", "onbeforeinput", "onauxclick", "oncopy", "onpaste", "ondragstart", "oncontextmenu",
    "onpageshow", "onmessage", "onsubmit",
]  # fmt: skip


def _url_variants():
    for url in _HOSTILE_URLS:
        scheme, rest = url.split(":", 1)
        for noise in _URL_NOISE:
            yield f'<a href="{noise}{url}">x</a>'
            yield f'<a href="{scheme[:4]}{noise}{scheme[4:]}:{rest}">x</a>'
            yield f'<a href="{scheme}{noise}:{rest}">x</a>'
        yield f'<a href="{scheme.upper()}:{rest}">x</a>'
        yield f'<a href="{"".join(f"&#{ord(c)};" for c in scheme)}&#58;{rest}">x</a>'
        yield f'<a href="{"".join(f"&#x{ord(c):x}" for c in scheme)}&#x3a{rest}">x</a>'


def _event_variants():
    for tag in sorted(ALLOWED_TAGS):
        for event in _EVENTS:
            yield f"<{tag} {event}=alert(1) autofocus tabindex=1>x</{tag}>"
        yield f"<{tag} href=https://example.org/ {_EVENTS[0].upper()}=alert(1)>x</{tag}>"


VARIANTS = list(dict.fromkeys([*_url_variants(), *_event_variants()]))

RENDERERS = pytest.mark.parametrize("render", [clean_html, render_plain], ids=["clean_html", "render_plain"])

FORBIDDEN_ELEMENTS = {"script", "iframe", "object", "embed", "style", "svg", "math", "form", "meta", "base", "link"}
ALLOWED_ATTRIBUTES = {"href", "rel"}
SAFE_SCHEMES = {"http", "https", "mailto"}
# Stricter than a browser, which drops only tab and newline inside a URL and C0
# controls or spaces at its ends: removing every control and whitespace
# character anywhere can only reveal more schemes to the check, never hide one.
_URL_NOISE_RE = re.compile(r"[\x00-\x20\x7f-\x9f\s]")
_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def assert_harmless(output: str) -> None:
    """Fail if the browser's view of `output` could run code or restyle the page."""
    fragment = html5lib.parseFragment(output, treebuilder="etree", namespaceHTMLElements=False)
    for element in fragment.iter():
        if element is fragment:
            continue
        assert element.tag is not ElementTree.Comment, f"comment survived in {output!r}"
        assert "}" not in element.tag, f"foreign (svg/math) element {element.tag} in {output!r}"
        name = element.tag.lower()
        assert name not in FORBIDDEN_ELEMENTS, f"<{name}> in {output!r}"
        assert name in ALLOWED_TAGS, f"unexpected <{name}> in {output!r}"
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1].lower()
            assert not local.startswith("on"), f"event handler {attribute} in {output!r}"
            assert local in ALLOWED_ATTRIBUTES, f"attribute {attribute} in {output!r}"
            if local == "href":
                assert_safe_url(value, output)
            if local == "rel":
                assert name == "a" and value == LINK_REL, f"rel={value!r} on <{name}> in {output!r}"


def assert_safe_url(href: str, output: str) -> None:
    scheme = _SCHEME_RE.match(_URL_NOISE_RE.sub("", href).lower())
    assert scheme is None or scheme.group(1) in SAFE_SCHEMES, f"href {href!r} in {output!r}"


# --- the corpus -----------------------------------------------------------------------------


def test_corpus_has_at_least_300_distinct_payloads():
    assert len(CORPUS) >= MIN_CORPUS_PAYLOADS
    # A checkout with CRLF line endings would hand every payload a trailing \r.
    assert not any(payload.endswith("\r") for _, payload in CORPUS)


@RENDERERS
@pytest.mark.parametrize("payload", [p for _, p in CORPUS], ids=[f"line{n}" for n, _ in CORPUS])
def test_corpus_payload_is_harmless(render, payload):
    assert_harmless(render(payload))


@RENDERERS
@pytest.mark.parametrize("payload", VARIANTS, ids=[f"variant{i}" for i in range(len(VARIANTS))])
def test_generated_variant_is_harmless(render, payload):
    assert_harmless(render(payload))


@RENDERERS
@pytest.mark.parametrize("payload", [p for _, p in CORPUS], ids=[f"line{n}" for n, _ in CORPUS])
def test_output_stays_harmless_after_a_browser_round_trip(render, payload):
    # Scripts on a page often read innerHTML and write it back. If the output
    # reparsed into a different tree, that second parse is where mutation XSS
    # would appear, so serialize the browser's view and check it again.
    tree = html5lib.parseFragment(render(payload), treebuilder="etree", namespaceHTMLElements=False)
    assert_harmless(html5lib.serialize(tree, tree="etree", quote_attr_values="always", omit_optional_tags=False))


# --- rich text that citizens are allowed to write ----------------------------------------------

TURKISH = "Çağrı, İstanbul'da ığdır ve şöyle dedi: “Güzel öğün”. IĞDIR ŞÖYLE ÇÜÖ"
FINNISH = "Äänestä nyt: yhdistys hyväksyi ehdotuksen ÄÖ äö"


def test_allowed_formatting_survives_unchanged():
    text = (
        "<p>Bir <strong>güçlü</strong> ve <em>vurgulu</em> fikir.<br>İkinci satır.</p>"
        "<ul><li>bir</li><li>iki</li></ul><ol><li>üç</li></ol>"
        "<blockquote><p>Alıntı</p></blockquote>"
    )
    assert clean_html(text) == text


def test_links_keep_href_and_get_the_project_rel():
    assert clean_html('<a href="https://example.org/a?b=1&amp;c=2">oku</a>') == (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">oku</a>'
    )
    assert clean_html('<a href="http://example.org/">x</a>') == (
        '<a href="http://example.org/" rel="nofollow ugc noopener">x</a>'
    )
    assert clean_html('<a href="mailto:muhtar@example.org">yaz</a>') == (
        '<a href="mailto:muhtar@example.org" rel="nofollow ugc noopener">yaz</a>'
    )


def test_user_cannot_choose_rel_target_or_other_link_attributes():
    cleaned = clean_html('<a href="https://example.org" rel="opener" target="_blank" title="t" id="x">x</a>')
    assert cleaned == '<a href="https://example.org" rel="nofollow ugc noopener">x</a>'


def test_javascript_link_keeps_its_text_but_loses_its_target():
    assert clean_html('<a href="javascript:alert(1)">tıkla</a>') == '<a rel="nofollow ugc noopener">tıkla</a>'


@pytest.mark.parametrize(
    "href", ["java script:alert(1)", "java\x01script:alert(1)", "java\u200bscript:alert(1)", "data :text/html,x"]
)
def test_hrefs_that_spell_a_forbidden_scheme_are_dropped(href):
    # Browsers would treat these as relative links today; we do not bet on it.
    assert clean_html(f'<a href="{href}">x</a>') == '<a rel="nofollow ugc noopener">x</a>'


@pytest.mark.parametrize("href", ["/kararlar/12?sayfa=2#oy", "../taslak", "#yorum-3", "https://example.org/a b.pdf"])
def test_relative_links_and_odd_but_safe_urls_are_kept(href):
    assert clean_html(f'<a href="{href}">x</a>') == f'<a href="{href}" rel="nofollow ugc noopener">x</a>'


def test_attributes_are_stripped_from_allowed_tags():
    assert clean_html('<p class="x" style="color:red" title="t" lang="tr" id="i">metin</p>') == "<p>metin</p>"


def test_disallowed_tags_are_unwrapped_and_their_text_kept():
    assert clean_html("<h2>Başlık</h2> <div><span>metin</span> <u>altı</u></div>") == "Başlık metin altı"


def test_script_and_style_content_is_dropped_not_shown():
    assert clean_html("<p>a</p><script>alert('x')</script><style>p{color:red}</style>") == "<p>a</p>"


def test_comments_are_removed():
    assert clean_html("<p>a<!-- gizli --></p>") == "<p>a</p>"


def test_plain_text_characters_are_escaped_once():
    assert clean_html("5 < 6 & 7 > 3") == "5 &lt; 6 &amp; 7 &gt; 3"


@pytest.mark.parametrize("text", [TURKISH, FINNISH])
def test_turkish_and_finnish_text_survive_unchanged(text):
    assert clean_html(text) == text
    assert clean_html(f"<p>{text}</p>") == f"<p>{text}</p>"
    assert render_plain(text) == f"<p>{text}</p>"
    assert plain_text(f"<p>{text}</p>") == text


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_input_gives_empty_output(empty):
    assert clean_html(empty) == ""
    assert render_html(empty) == ""
    assert render_plain(empty) == ""
    assert plain_text(empty) == ""


def test_clean_html_returns_plain_str_and_render_html_marks_it_safe():
    assert type(clean_html("<p>x</p>")) is str
    rendered = render_html("<p onclick=alert(1)>x</p>")
    assert isinstance(rendered, SafeString)
    assert rendered == "<p>x</p>"


# --- plain text comments ---------------------------------------------------------------------


def test_render_plain_links_urls_with_the_project_rel():
    rendered = render_plain("Bakınız https://example.org/karar?id=3&tur=2 ve www.example.org.")
    assert isinstance(rendered, SafeString)
    assert rendered == (
        '<p>Bakınız <a href="https://example.org/karar?id=3&amp;tur=2" rel="nofollow ugc noopener">'
        "https://example.org/karar?id=3&amp;tur=2</a> ve "
        '<a href="http://www.example.org" rel="nofollow ugc noopener">www.example.org</a>.</p>'
    )


def test_render_plain_links_email_addresses():
    assert render_plain("muhtar@example.org") == (
        '<p><a href="mailto:muhtar@example.org" rel="nofollow ugc noopener">muhtar@example.org</a></p>'
    )


def test_render_plain_keeps_line_breaks_and_paragraphs():
    assert render_plain("birinci\nikinci\n\nyeni paragraf\r\nson") == (
        "<p>birinci<br>ikinci</p>\n\n<p>yeni paragraf<br>son</p>"
    )


def test_render_plain_escapes_markup():
    assert render_plain("<b>kalın</b> & <script>alert(1)</script>") == (
        "<p>&lt;b&gt;kalın&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )


def test_render_plain_escapes_text_even_if_a_caller_marked_it_safe():
    assert render_plain(mark_safe("<b>kalın</b>")) == "<p>&lt;b&gt;kalın&lt;/b&gt;</p>"


def test_render_plain_never_links_javascript():
    rendered = render_plain("javascript:alert(1) and JAVASCRIPT://example.org/%0aalert(1)")
    assert rendered.startswith("<p>javascript:alert(1) and ")
    # urlize reads the second word as a bare domain and links it as
    # "http://JAVASCRIPT://...": odd, but an http link.
    assert_harmless(rendered)
    assert all(href.startswith("http://") for href in re.findall(r'href="([^"]*)"', rendered))


# --- text for search and excerpts ------------------------------------------------------------


def test_plain_text_strips_tags_and_decodes_entities():
    assert plain_text("<p>Merhaba <strong>dünya</strong> &amp; <em>herkes</em></p>") == "Merhaba dünya & herkes"


def test_plain_text_separates_blocks_but_not_inline_tags():
    assert plain_text("<p>bir</p><p>iki</p><ul><li>üç</li><li>dört</li></ul>a<br>b") == "bir iki üç dört a b"
    assert plain_text("gü<strong>zel</strong>") == "güzel"


def test_plain_text_collapses_whitespace():
    assert plain_text("  a \n\n\t b&nbsp;&nbsp;c  ") == "a b c"


def test_plain_text_drops_script_and_style_content():
    assert plain_text("<p>a</p><script>alert(1)</script><style>p{}</style>b") == "a b"


def test_plain_text_is_unescaped_text_for_autoescaping_templates():
    # Escaped markup in the input comes back as the characters the reader saw;
    # the template that prints it must escape it (Django does by default).
    assert plain_text("&lt;script&gt;x&lt;/script&gt;") == "<script>x</script>"
    assert not isinstance(plain_text("<p>x</p>"), SafeString)


def test_indexable_text_of_cleaned_html_matches_plain_text():
    from meydan.sanitize import clean_html, indexable_text

    samples = ["<p>Çocuk <strong>parkı</strong></p><p>Moda &amp; Kadıköy</p>", "düz metin", "",
               "<ul><li>bir</li><li>iki</li></ul>", "<p>1 &lt; 2 &gt; 0</p>"]
    for sample in samples:
        cleaned = clean_html(sample)
        assert " ".join(indexable_text(cleaned).split()) == " ".join(plain_text(cleaned).split())
    assert "alert" not in indexable_text("<p>x</p><script>alert(1)</script>")
