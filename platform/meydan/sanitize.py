"""The one place where user-written HTML is cleaned.

Citizens write comments, proposals and answers, and every byte of it is
hostile until this module has seen it. Keeping the whole policy here means
one allow-list to review, one test corpus (tests/test_sanitize.py runs a few
hundred published XSS payloads through it) and one place to change when a
browser learns a new trick. Nothing else in the project should call nh3 or
mark user input safe by hand.

The cleaning is done by nh3, the Python binding of Ammonia (Rust): it parses
with html5ever, which follows the same HTML5 algorithm as browsers, so the
tree it cleans is the tree a browser builds; that takes away the parser
disagreements mutation XSS (mXSS) relies on. Why nh3 and not bleach:
docs/decisions/0001-sanitizer.md.

Imports are limited to helpers that work without Django settings, so this
module is usable from migrations, management commands and plain scripts.
"""

import html as html_entities
import re

import nh3
from django.utils.html import linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote"})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# ugc and nofollow tell search engines the link is the user's, not ours (and
# take away the spammers' reward); noopener stops the target page from
# steering this tab through window.opener.
LINK_REL = "nofollow ugc noopener"

# script and style are the elements whose text is code, not prose: dropping
# only the tags would print the attacker's JavaScript into the comment.
_DROP_WITH_CONTENT = frozenset({"script", "style"})

# Tags that separate words. plain_text keeps them for one step so that
# "<p>a</p><p>b</p>" is indexed as "a b", not as the word "ab".
_BLOCK_TAGS = frozenset(
    {"p", "br", "li", "blockquote", "div", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr", "td", "th", "tr"}
)

# Characters a URL parser might skip: controls, whitespace, zero-width marks.
# Browsers skip only tab, CR and LF inside a scheme, so "java script:" and
# "java\x01script:" are harmless relative links to Ammonia and to today's
# browsers. But no real link is written that way, and a URL that two parsers
# could read differently is exactly what attackers look for.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200d\u2060\ufeff\s]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")

# Only ever applied to nh3 output: there, every "<" in text is escaped as &lt;
# and the block tags carry no attributes, so a tag cannot hide a ">".
_TAG = re.compile(r"<[^>]*>")


def _drop_obfuscated_href(element: str, attribute: str, value: str) -> str | None:
    # Ammonia calls this after its own scheme check and does not check again,
    # so this filter may only drop a value, never rewrite one.
    if attribute != "href":
        return value
    scheme = _SCHEME.match(_URL_NOISE.sub("", value).lower())
    return None if scheme and scheme.group(1) not in URL_SCHEMES else value


def clean_html(html: str | None) -> str:
    """Return `html` reduced to the allowed tags; a str, not yet marked safe."""
    if not html:
        return ""
    return nh3.clean(
        str(html),
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        # "*" must be given, or Ammonia keeps its default lang and title on every tag.
        attributes={"*": set(), "a": {"href"}},
        url_schemes=set(URL_SCHEMES),
        attribute_filter=_drop_obfuscated_href,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_html(html: str | None) -> SafeString:
    """Clean rich text for a template (the only sanctioned mark_safe on user HTML)."""
    return mark_safe(clean_html(html))  # noqa: S308 - the input has just been sanitized


def render_plain(text: str | None) -> SafeString:
    """Show plain text as HTML: escaped, URLs linked, paragraphs and line breaks kept."""
    if not text:
        return mark_safe("")
    # str.__str__ drops a SafeString's mark: urlize would trust it and skip escaping.
    linked = urlize(str.__str__(str(text)), nofollow=True, autoescape=True)
    # urlize is a convenience, not a sanitizer: sending its output through the
    # same cleaner puts the project's rel on every link and guarantees that
    # plain text can never produce more than clean_html allows.
    return render_html(linebreaks(linked))


def plain_text(html: str | None) -> str:
    """Text content of `html` with entities decoded and whitespace collapsed.

    For search indexes, excerpts and notification e-mails. The result is
    unescaped text: a template must still autoescape it.
    """
    if not html:
        return ""
    blocks = nh3.clean(
        str(html),
        tags=set(_BLOCK_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={"*": set()},
        link_rel=None,
        strip_comments=True,
    )
    return " ".join(html_entities.unescape(_TAG.sub(" ", blocks)).split())


_BLOCK_TAG = re.compile(r"</?(?:p|br|li|ul|ol|blockquote|div|h[1-6]|pre|hr|td|th|tr)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")
_CODE_TAG = re.compile(r"<(?:script|style)", re.IGNORECASE)


def indexable_text(cleaned):
    """Text of HTML already cleaned by clean_html, for search and similarity vectors, never for a page.

    In clean_html output every "<" of the text itself is escaped, so stripping tags is exact and far
    cheaper than parsing (similar-proposal detection reads 2,000 bodies per keystroke). Anything that
    still carries script or style goes through the full plain_text path.
    """
    if not cleaned:
        return ""
    if "<" not in cleaned and "&" not in cleaned:
        return cleaned
    if _CODE_TAG.search(cleaned):
        return plain_text(cleaned)
    return html_entities.unescape(_ANY_TAG.sub("", _BLOCK_TAG.sub(" ", cleaned)))
