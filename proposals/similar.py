"""Similar proposals: a small TF-IDF over word stems and character trigrams, in Python, so it works
the same on SQLite and Postgres and needs no extension.

Turkish is agglutinative ("parkı", "parklar", "parkların"), so words are cut to a five-letter stem;
character trigrams catch spelling variants, missing Turkish letters and typos. Scores are cosine
similarities in [0, 1].

What is shown must be worth a look, so a result needs both an absolute score (THRESHOLD) and a score
close to the best one (RELATIVE_THRESHOLD): when one proposal clearly is the duplicate, the loosely
related ones behind it are left out. proposals/tests/test_similar.py measures recall and precision on
a labelled Turkish/English set; change the constants only together with that test.
"""

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from itertools import chain
from operator import mul

from meydan.sanitize import indexable_text

STEM_LENGTH = 5
TRIGRAM_WEIGHT = 0.5  # stems carry the meaning; trigrams only bridge spelling variants
TRIGRAM_PREFIX = 8
TITLE_WEIGHT = 2  # the title counts twice: it names the proposal, the body may wander
THRESHOLD = 0.3
RELATIVE_THRESHOLD = 0.6
LIMIT = 5
CANDIDATE_LIMIT = 2000
BODY_CHARS = 2000  # the opening of a body says what it proposes; this bounds the cost of long ones
WORD = re.compile(r"\w+", re.UNICODE)
# A Turkish suffix on a proper noun follows an apostrophe: Kadıköy'den, Salı Pazarı'na.
APOSTROPHE_SUFFIX = re.compile(r"(?<=\w)['’]\w+")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_STOP_WORD_TEXT = (
    """
    ve veya ile için bir bu şu o da de ki mi mı mu mü ne daha çok en gibi olarak olan olsun ama fakat her tüm bütün
    yeni lütfen rica ederim istiyoruz istiyorum öneri öneriyorum önerisi
    the a an and or of to in on for with at by from is are be should we i our please new proposal more some this
    that it as
    """
    # How a request is phrased, not what it asks for.
    """
    yapılsın yapılması yapılmalı yapılmasını edilsin edilmesi edilmeli konulsun konulması verilsin verilmesi açılsın
    kurulsun olması olmalı var yok diye
    install add build need needs make put there have has no not too so can could would every they them their us my
    """
)
_STOP_WORDS = _STOP_WORD_TEXT.split()


def fold(text):
    """Lower-case the Turkish way (I → ı, İ → i), then drop accents so 'Çocuk' meets 'cocuk'."""
    text = text.replace("I", "ı").replace("İ", "i").lower()
    text = text.replace("ı", "i")
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


STOP_WORDS = frozenset(fold(word) for word in _STOP_WORDS)


def _text(body):
    return indexable_text(body)


@lru_cache(maxsize=20_000)
def _word_terms(word):
    """A folded word's terms: its stem, and the trigrams of its first TRIGRAM_PREFIX letters (with the
    word's edges as spaces; suffixes come last in Turkish and English, and their trigrams mostly match
    unrelated words). Nothing for stop words, numbers and single letters."""
    if len(word) < 2 or word in STOP_WORDS or word.isdigit():
        return ()
    padded = f" {word} "[: TRIGRAM_PREFIX + 1]
    return (word[:STEM_LENGTH], *(f"#{padded[i : i + 3]}" for i in range(len(padded) - 2)))


def _words(text):
    return WORD.findall(APOSTROPHE_SUFFIX.sub("", fold(text)))


def features(title, body=""):
    """Term counts: stems as they are, character trigrams prefixed with '#'."""
    words = _words(title) * TITLE_WEIGHT + _words(_text(body)[:BODY_CHARS])
    return Counter(chain.from_iterable(map(_word_terms, words)))


class _SublinearTf(dict):
    """1 + ln(n), remembered: looked up once per term of every candidate."""

    def __missing__(self, n):
        self[n] = value = 1 + math.log(n)
        return value


_TF = _SublinearTf()


class _SquaredTf(dict):
    """(1 + ln(n))², remembered."""

    def __missing__(self, n):
        self[n] = value = _TF[n] ** 2
        return value


_TF_SQUARED = _SquaredTf()


def rank(title, body, candidates, limit=LIMIT, threshold=THRESHOLD):
    """`candidates` are (id, title, body) tuples; returns [(id, score)] best first, above `threshold`
    and within RELATIVE_THRESHOLD of the best score."""
    query = features(title, body)
    if not query:
        return []
    documents = [(pk, features(c_title, c_body)) for pk, c_title, c_body in candidates]
    frequency = Counter()
    for _pk, counts in documents:
        frequency.update(counts.keys())
    total = len(documents) + 1
    # A term's weight: its idf, halved (TRIGRAM_WEIGHT) for trigrams, which only bridge spellings.
    weight = {
        term: (math.log(total / (1 + n)) + 1) * (TRIGRAM_WEIGHT if term[0] == "#" else 1.0)
        for term, n in frequency.items()
    }
    # A query term no candidate has adds nothing to any score: it gets the smallest idf, 1, so that a
    # new place name or a typo does not push the duplicate under the threshold.
    query_vector = {
        term: _TF[n] * weight.get(term, TRIGRAM_WEIGHT if term[0] == "#" else 1.0) for term, n in query.items()
    }
    query_norm = math.sqrt(sum(value * value for value in query_vector.values()))
    squared = {term: value * value for term, value in weight.items()}
    scores = []
    for pk, counts in documents:
        shared = query_vector.keys() & counts.keys()
        if not shared:
            continue
        dot = sum(query_vector[term] * _TF[counts[term]] * weight[term] for term in shared)
        # The candidate's norm, summed in C: these maps run over every term of every candidate.
        norm = math.sqrt(sum(map(mul, map(_TF_SQUARED.__getitem__, counts.values()), map(squared.__getitem__, counts))))
        score = dot / (query_norm * norm)
        if score >= threshold:
            scores.append((pk, round(score, 4)))
    scores.sort(key=lambda item: -item[1])
    if scores:
        floor = scores[0][1] * RELATIVE_THRESHOLD
        scores = [item for item in scores if item[1] >= floor]
    return scores[:limit]


def similar_proposals(space, title, body="", exclude=None, limit=LIMIT):
    from .models import Proposal

    candidates = Proposal.objects.filter(space=space).exclude(state__in=[Proposal.State.HIDDEN, Proposal.State.MERGED])
    if exclude:
        candidates = candidates.exclude(pk=exclude)
    rows = list(candidates.order_by("-created_at").values_list("pk", "title", "body")[:CANDIDATE_LIMIT])
    ranked = rank(title, body, rows, limit=limit)
    by_id = Proposal.objects.in_bulk([pk for pk, _score in ranked])
    return [(by_id[pk], score) for pk, score in ranked if pk in by_id]
