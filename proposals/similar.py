"""Similar proposals: a small TF-IDF over word stems and character trigrams, in Python, so it works
the same on SQLite and Postgres and needs no extension.

Turkish is agglutinative ("parkı", "parklar", "parkların"), so words are cut to a five-letter stem;
character trigrams catch spelling variants. Scores are cosine similarities in [0, 1].
"""

import math
import re
import unicodedata
from collections import Counter

from meydan.sanitize import plain_text

STEM_LENGTH = 5
THRESHOLD = 0.22
LIMIT = 5
CANDIDATE_LIMIT = 2000
WORD = re.compile(r"\w+", re.UNICODE)
_STOP_WORDS = (
    [
        "ve", "veya", "ile", "için", "bir", "bu", "şu", "o", "da", "de", "ki", "mi", "mı", "mu", "mü", "ne", "daha",
        "çok", "en", "gibi", "olarak", "olan", "olsun", "ama", "fakat", "her", "tüm", "bütün", "yeni", "lütfen",
        "rica", "ederim", "istiyoruz", "istiyorum", "öneri", "öneriyorum", "önerisi", "the", "a", "an", "and", "or",
        "of", "to", "in", "on", "for", "with", "at", "by", "from", "is", "are", "be", "should", "we", "i", "our",
        "please", "new", "proposal", "more", "some", "this", "that", "it", "as"
    ]
)


def fold(text):
    """Lower-case the Turkish way (I → ı, İ → i), then drop accents so 'Çocuk' meets 'cocuk'."""
    text = text.replace("I", "ı").replace("İ", "i").lower()
    text = text.replace("ı", "i")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


STOP_WORDS = frozenset(fold(word) for word in _STOP_WORDS)


def features(title, body=""):
    words = [fold(word) for word in WORD.findall(f"{title} {title} {plain_text(body)}")]
    words = [word for word in words if word not in STOP_WORDS and len(word) > 1 and not word.isdigit()]
    counts = Counter(word[:STEM_LENGTH] for word in words)
    for word in words:
        padded = f" {word} "
        counts.update(f"#{padded[i : i + 3]}" for i in range(len(padded) - 2))
    return counts


def _weights(counts, idf):
    vector = {term: (1 + math.log(n)) * idf.get(term, 1.0) for term, n in counts.items()}
    norm = math.sqrt(sum(value * value for value in vector.values())) or 1.0
    return {term: value / norm for term, value in vector.items()}


def rank(title, body, candidates, limit=LIMIT, threshold=THRESHOLD):
    """`candidates` are (id, title, body) tuples; returns [(id, score)] best first, above `threshold`."""
    query = features(title, body)
    if not query:
        return []
    documents = [(pk, features(c_title, c_body)) for pk, c_title, c_body in candidates]
    frequency = Counter(term for _pk, counts in documents for term in counts)
    total = len(documents) + 1
    idf = {term: math.log(total / (1 + n)) + 1 for term, n in frequency.items()}
    query_vector = _weights(query, idf)
    scores = []
    for pk, counts in documents:
        vector = _weights(counts, idf)
        score = sum(weight * vector.get(term, 0.0) for term, weight in query_vector.items())
        if score >= threshold:
            scores.append((pk, round(score, 4)))
    scores.sort(key=lambda item: -item[1])
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
