"""Similar proposals while writing (proposals/similar.py).

Quality is measured on a labelled Turkish/English set (data/similar_pairs.json): a pool of existing
proposals of one space, and new proposals as someone would write them, each labelled with the pool
proposal it duplicates or with null. The database part runs on SQLite and on Postgres. Run with -s to
see the figures.
"""

import json
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from proposals.similar import LIMIT, THRESHOLD, features, fold, rank, similar_proposals

DATA = json.loads((Path(__file__).parent / "data" / "similar_pairs.json").read_text(encoding="utf-8"))
POOL = DATA["pool"]
QUERIES = DATA["queries"]
BY_ID = {item["id"]: item for item in POOL}
CANDIDATES = [(item["id"], item["title"], item["body"]) for item in POOL]


def measure(queries, *, with_body=True):
    """recall@LIMIT and precision of what rank() shows at THRESHOLD, as (value, numerator, denominator).

    recall@5: of the queries that duplicate a pool proposal, the share whose duplicate is among the
    results shown (at most LIMIT, each scoring at least THRESHOLD).

    precision: of all results shown, over every query, duplicate or not, the share that is the query's
    true duplicate. This is the standard, strict definition: each query has one true duplicate in the
    pool, so anything else in the list counts against it, and everything shown for a non-duplicate
    query is a false positive, even a proposal on a related topic that a person might find useful.
    """
    found = duplicates = shown = correct = 0
    for query in queries:
        results = rank(query["title"], query["body"] if with_body else "", CANDIDATES, LIMIT, THRESHOLD)
        ids = [pk for pk, _score in results]
        target = query["duplicate_of"]
        if target is not None:
            duplicates += 1
            found += target in ids
            correct += ids.count(target)
        shown += len(ids)
    return (found / duplicates, found, duplicates), (correct / shown if shown else 1.0, correct, shown)


def test_labelled_set_is_large_and_mixed_enough():
    assert len(POOL) >= 60
    assert len(BY_ID) == len(POOL), "pool ids must be unique"
    assert all(query["duplicate_of"] is None or query["duplicate_of"] in BY_ID for query in QUERIES)
    kinds = Counter("duplicate" if query["duplicate_of"] is not None else "distinct" for query in QUERIES)
    languages = Counter(query["lang"] for query in QUERIES)
    assert len(QUERIES) >= 60
    assert kinds["duplicate"] >= 35 and kinds["distinct"] >= 25, kinds
    assert languages["tr"] / len(QUERIES) >= 0.4, languages
    assert set(languages) | {item["lang"] for item in POOL} == {"tr", "en"}


def test_recall_and_precision_on_the_labelled_set():
    """The issue's targets: recall@5 ≥ 0.8 and precision ≥ 0.7 at the threshold the form uses."""
    (recall, found, duplicates), (precision, correct, shown) = measure(QUERIES)
    kinds = Counter("duplicate" if query["duplicate_of"] is not None else "non-duplicate" for query in QUERIES)
    languages = Counter(query["lang"] for query in QUERIES)
    by_language = {
        lang: measure([query for query in QUERIES if query["lang"] == lang]) for lang in sorted(languages)
    }
    figures = (
        f"recall@{LIMIT} = {recall:.3f} ({found}/{duplicates}), precision = {precision:.3f} "
        f"({correct}/{shown} shown) at THRESHOLD {THRESHOLD}; {len(QUERIES)} queries: "
        f"{kinds['duplicate']} duplicate / {kinds['non-duplicate']} non-duplicate, "
        f"{languages['tr']} Turkish / {languages['en']} English; pool of {len(POOL)}; "
        + ", ".join(f"{lang}: recall {r[0]:.3f}, precision {p[0]:.3f}" for lang, (r, p) in by_language.items())
    )
    print(f"\nsimilar proposals, title and body: {figures}")
    assert recall >= 0.8 and precision >= 0.7, figures


def test_title_alone_already_finds_most_duplicates():
    """Suggestions appear while the title is typed, before any body: recall must hold there too."""
    (recall, found, duplicates), (precision, correct, shown) = measure(QUERIES, with_body=False)
    figures = f"recall@{LIMIT} = {recall:.3f} ({found}/{duplicates}), precision = {precision:.3f} ({correct}/{shown})"
    print(f"\nsimilar proposals, title only: {figures}")
    assert recall >= 0.8, figures


def test_rank_is_fast_enough_for_2000_candidates():
    """The form asks on every pause in typing; a space holds at most CANDIDATE_LIMIT (2,000) candidates.
    Bodies here are the pool's (one to three sentences, two per candidate). CPU time is what rank()
    costs; wall time also shows how busy the machine is. The bound asserted is loose (shared CI
    machines): the printed figures are what to watch, aimed under 200 ms."""
    candidates = [
        (number, f"{item['title']} {number}", f"<p>{item['body']}</p><p>{POOL[(number * 7) % len(POOL)]['body']}</p>")
        for number, item in enumerate(POOL * (2000 // len(POOL) + 1))
    ][:2000]
    query = QUERIES[0]
    runs = [_timed(lambda: rank(query["title"], query["body"], candidates)) for _ in range(5)]
    cpu, wall = min(cpu for cpu, _wall in runs), min(wall for _cpu, wall in runs)
    print(f"\nrank() over {len(candidates)} candidates: {cpu * 1000:.0f} ms CPU, {wall * 1000:.0f} ms wall (best of 5)")
    assert cpu < 0.5, f"{cpu * 1000:.0f} ms"


def _timed(call):
    cpu, wall = time.process_time(), time.perf_counter()
    call()
    return time.process_time() - cpu, time.perf_counter() - wall


def test_rank_respects_limit_and_threshold():
    query = next(query for query in QUERIES if query["duplicate_of"] == 1)
    assert len(rank(query["title"], query["body"], CANDIDATES, limit=2, threshold=0.0)) <= 2
    assert rank(query["title"], query["body"], CANDIDATES, threshold=1.01) == []
    assert rank("ve için the and", "", CANDIDATES) == []
    scores = [score for _pk, score in rank(query["title"], query["body"], CANDIDATES, threshold=0.0)]
    assert scores == sorted(scores, reverse=True) and all(0 <= score <= 1 for score in scores)


def test_fold_is_turkish_case_folding():
    assert fold("İSTANBUL") == "istanbul"
    assert fold("IĞDIR") == "igdir"
    assert fold("Iğdır") == fold("IĞDIR")
    assert fold("çocuk") == fold("cocuk") == fold("ÇOCUK") == "cocuk"
    assert fold("Şişli Işıkları Ünye Göztepe") == "sisli isiklari unye goztepe"
    assert features("KADIKÖY İSKELESİ") == features("kadıköy iskelesi") == features("kadikoy iskelesi")


# The database: the same ranking over the proposals of one space, SQLite and Postgres alike ----------

STORED = [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 15, 17, 19, 21, 22, 28, 30, 48, 72]


def _query(target, index=0):
    return [query for query in QUERIES if query["duplicate_of"] == target][index]


@pytest.fixture
def stored(make_proposal):
    """Twenty pool proposals, close topics included (bike lane / bike parking, two playground ones)."""
    return {pk: make_proposal(title=BY_ID[pk]["title"], body=f"<p>{BY_ID[pk]['body']}</p>") for pk in STORED}


@pytest.fixture
def other_space(home_site, municipality):
    from proposals.models import ProposalSpacePage

    now = timezone.now()
    return home_site.add_child(
        instance=ProposalSpacePage(
            title="Başka alan", slug="baska-alan", municipality=municipality,
            proposing_opens=now - timedelta(days=1), proposing_closes=now + timedelta(days=30),
            supporting_opens=now - timedelta(days=1), supporting_closes=now + timedelta(days=60),
        )
    )


@pytest.mark.parametrize("target", [1, 2, 12, 15, 72])
def test_similar_proposals_puts_the_duplicate_first(space, stored, target):
    query = _query(target, -1)
    results = similar_proposals(space, query["title"], f"<p>{query['body']}</p>")
    assert results, query["title"]
    assert results[0][0] == stored[target], [(proposal.title, score) for proposal, score in results]
    assert len(results) <= LIMIT and all(score >= THRESHOLD for _proposal, score in results)


def test_similar_proposals_leaves_out_hidden_and_merged_proposals(space, stored):
    from proposals.models import Proposal

    bike_lane, bike_parking = stored[1], stored[2]
    lane_query, parking_query = _query(1), _query(2)
    assert similar_proposals(space, lane_query["title"], lane_query["body"])[0][0] == bike_lane
    assert similar_proposals(space, parking_query["title"], parking_query["body"])[0][0] == bike_parking

    Proposal.objects.filter(pk=bike_lane.pk).update(state=Proposal.State.HIDDEN)
    Proposal.objects.filter(pk=bike_parking.pk).update(state=Proposal.State.MERGED, merged_into=stored[3])

    for query in (lane_query, parking_query):
        shown = [proposal for proposal, _score in similar_proposals(space, query["title"], query["body"])]
        assert bike_lane not in shown and bike_parking not in shown


def test_similar_proposals_stays_in_its_space(space, stored, other_space, make_proposal):
    query = _query(12, -1)
    elsewhere = make_proposal(space=other_space, title=query["title"], body=query["body"])
    shown = [proposal for proposal, _score in similar_proposals(space, query["title"], query["body"])]
    assert shown[0] == stored[12] and elsewhere not in shown
    assert [proposal for proposal, _score in similar_proposals(other_space, query["title"], query["body"])] == [
        elsewhere
    ]


def test_similar_proposals_respects_exclude(space, stored):
    """Editing a proposal must not suggest the proposal itself."""
    library = stored[15]
    shown = [proposal for proposal, _score in similar_proposals(space, library.title, library.body)]
    assert shown[0] == library
    shown = [proposal for proposal, _score in similar_proposals(space, library.title, library.body, exclude=library.pk)]
    assert library not in shown
