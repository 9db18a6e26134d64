"""Proposal use cases: permissions by role and phase, states, supports, thresholds, answers, merges."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from live.models import Event
from meydan.notifications.models import Notification
from proposals import services
from proposals.models import Proposal, ProposalEvent, ProposalSpacePage, Support

pytestmark = pytest.mark.django_db
Refused = services.ProposalRefused


def set_phase(space, phase):
    """Move the space's dates so that `phase` is now: before, proposing, supporting_only or closed."""
    now = timezone.now()
    day = timedelta(days=1)
    dates = {
        "before": (now + day, now + 2 * day, now + day, now + 3 * day),
        "open": (now - day, now + day, now - day, now + 2 * day),
        "supporting_only": (now - 2 * day, now - day, now - 2 * day, now + day),
        "closed": (now - 3 * day, now - 2 * day, now - 3 * day, now - day),
    }[phase]
    ProposalSpacePage.objects.filter(pk=space.pk).update(
        proposing_opens=dates[0], proposing_closes=dates[1], supporting_opens=dates[2], supporting_closes=dates[3]
    )
    space.refresh_from_db()


def person(kind, make_user, make_organisation, municipality, suspend=None):
    from meydan.accounts.models import Membership

    if kind == "anonymous":
        return AnonymousUser()
    user = make_user(confirmed=kind != "unconfirmed", is_verified=kind in ("verified_resident", "suspended"))
    if kind in ("official", "moderator"):
        Membership.objects.create(user=user, organisation=municipality, role=kind)
    if kind == "ngo_member":
        Membership.objects.create(user=user, organisation=make_organisation(kind="ngo"), role="member")
    if kind == "suspended":
        suspend(user)
    return user


PEOPLE = ["anonymous", "unconfirmed", "resident", "verified_resident", "suspended", "ngo_member", "official",
          "moderator"]


def eligible(kind, rule):
    """The grid of meydan.accounts.eligibility, as the spaces' users meet it."""
    if kind in ("anonymous", "suspended"):
        return False
    if kind == "unconfirmed":
        return rule == "anyone"
    return rule != "verified" or kind == "verified_resident"


def try_to_propose_and_support(user, space, existing):
    """(refusal code of proposing or None, refusal code of supporting or None); nothing is stored on refusal."""
    before = Proposal.objects.count()
    codes = []
    try:
        services.create_proposal(user, space, title="Yeni fikir", body="<p>Açıklama</p>")
        codes.append(None)
    except Refused as refusal:
        assert refusal.message and Proposal.objects.count() == before
        codes.append(refusal.code)
    try:
        services.support_proposal(user, existing)
        codes.append(None)
    except Refused as refusal:
        assert refusal.message
        codes.append(refusal.code)
    existing.refresh_from_db()
    assert existing.support_count == Support.objects.filter(proposal=existing).count() == int(codes[1] is None)
    return codes


@pytest.mark.parametrize("phase", ["before", "open", "supporting_only", "closed"])
@pytest.mark.parametrize("kind", PEOPLE)
def test_who_may_propose_and_support_when(
    space, make_proposal, make_user, make_organisation, municipality, suspend, kind, phase
):
    existing = make_proposal()
    set_phase(space, phase)
    user = person(kind, make_user, make_organisation, municipality, suspend)
    may = eligible(kind, space.who_may_propose)
    proposed, supported = try_to_propose_and_support(user, space, existing)
    assert (proposed is None) == (may and phase == "open")
    assert (supported is None) == (may and phase in ("open", "supporting_only"))


@pytest.mark.parametrize("rule", ["anyone", "confirmed", "verified"])
@pytest.mark.parametrize("kind", PEOPLE)
def test_eligibility_rules_for_proposing_and_supporting(
    space, make_proposal, make_user, make_organisation, municipality, suspend, kind, rule
):
    existing = make_proposal()
    ProposalSpacePage.objects.filter(pk=space.pk).update(who_may_propose=rule, who_may_support=rule)
    space.refresh_from_db()
    user = person(kind, make_user, make_organisation, municipality, suspend)
    codes = try_to_propose_and_support(user, space, existing)
    expected = None if eligible(kind, rule) else {
        "anonymous": "login_required", "unconfirmed": "unconfirmed", "suspended": "suspended"
    }.get(kind, "not_verified")
    assert codes == [expected, expected]


def test_proposing_and_supporting_follow_their_own_rules(space, make_proposal, make_user):
    existing = make_proposal()
    ProposalSpacePage.objects.filter(pk=space.pk).update(who_may_propose="verified", who_may_support="anyone")
    space.refresh_from_db()
    unverified = make_user()
    assert try_to_propose_and_support(unverified, space, existing) == ["not_verified", None]


def test_the_database_stores_only_known_rules(space):
    for field in ("who_may_propose", "who_may_support"):
        with pytest.raises(IntegrityError), transaction.atomic():
            ProposalSpacePage.objects.filter(pk=space.pk).update(**{field: "logged_in"})
    space.refresh_from_db()
    assert (space.who_may_propose, space.who_may_support) == ("confirmed", "confirmed")


def test_body_is_sanitised_and_tags_normalised(space, make_user):
    proposal = services.create_proposal(
        make_user(),
        space,
        title="  Çocuk   parkı  ",
        body='<p onclick="x()">Park <script>alert(1)</script><strong>lazım</strong></p>',
        tags=["Park", "park ", "çocuk"],
    )
    assert proposal.title == "Çocuk parkı"
    assert (
        "script" not in proposal.body and "onclick" not in proposal.body and "<strong>lazım</strong>" in proposal.body
    )
    assert sorted(proposal.tags.names()) == ["park", "çocuk"]
    assert list(proposal.timeline.values_list("kind", flat=True)) == ["published"]


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "", "body": "<p>x</p>"},
        {"title": "x" * 151, "body": "<p>x</p>"},
        {"title": "ok", "body": ""},
        {"title": "ok", "body": "<script>only a script</script>"},
        {"title": "ok", "body": "<p>" + "x" * 10_001 + "</p>"},
        {"title": "ok", "body": "<p>x</p>", "district": "Atlantis"},
        {"title": "ok", "body": "<p>x</p>", "tags": [f"t{n}" for n in range(9)]},
    ],
)
def test_bad_proposals_are_refused_and_nothing_is_stored(space, make_user, fields):
    with pytest.raises(Refused) as refusal:
        services.create_proposal(make_user(), space, **fields)
    assert refusal.value.code == "invalid" and refusal.value.message
    assert not Proposal.objects.exists()


def test_category_of_another_space_is_refused(space, make_user, home_site, municipality):
    from proposals.models import Category

    other = home_site.add_child(
        instance=ProposalSpacePage(
            title="Diğer",
            slug="diger",
            municipality=municipality,
            proposing_opens=space.proposing_opens,
            proposing_closes=space.proposing_closes,
            supporting_opens=space.supporting_opens,
            supporting_closes=space.supporting_closes,
        )
    )
    foreign = Category.objects.create(space=other, name="Yabancı")
    with pytest.raises(Refused):
        services.create_proposal(make_user(), space, title="ok", body="<p>x</p>", category=foreign)


def test_proposing_on_behalf_of_an_organisation(space, make_user, make_organisation):
    from meydan.accounts.models import Membership

    user = make_user()
    mine = make_organisation(kind="ngo", members=[(user, "member")])
    pending = make_organisation(kind="ngo", status="pending", members=[(user, "admin")])
    theirs = make_organisation(kind="ngo")
    assert services.create_proposal(user, space, title="ok", body="<p>x</p>", organisation=mine).organisation == mine
    for organisation in (pending, theirs):
        with pytest.raises(Refused) as refusal:
            services.create_proposal(user, space, title="ok2", body="<p>x</p>", organisation=organisation)
        assert refusal.value.code == "forbidden"
    assert Membership.objects.filter(user=user).count() == 2


def test_five_proposals_an_hour(space, make_user):
    user = make_user()
    for n in range(5):
        services.create_proposal(user, space, title=f"Fikir {n}", body="<p>x</p>")
    with pytest.raises(Refused) as refusal:
        services.create_proposal(user, space, title="Fikir 6", body="<p>x</p>")
    assert refusal.value.code == "rate_limited"


def test_author_edits_until_the_first_support(make_proposal, make_user):
    author = make_user()
    proposal = make_proposal(author=author)
    services.edit_proposal(author, proposal, title="Daha iyi başlık", body="<p>Yeni</p>")
    with pytest.raises(Refused) as refusal:
        services.edit_proposal(make_user(), proposal, title="Hijack", body="<p>x</p>")
    assert refusal.value.code == "forbidden"
    services.support_proposal(make_user(), proposal)
    with pytest.raises(Refused) as refusal:
        services.edit_proposal(author, proposal, title="Too late", body="<p>x</p>")
    assert refusal.value.code == "locked"
    proposal.refresh_from_db()
    assert proposal.title == "Daha iyi başlık"


@pytest.mark.parametrize(("rule", "kind"), [("confirmed", "suspended"), ("verified", "resident")])
def test_authors_edit_only_while_they_may_propose(make_proposal, make_user, space, suspend, rule, kind):
    author = make_user()
    proposal = make_proposal(author=author, title="Eski başlık")
    if kind == "suspended":
        suspend(author)
    ProposalSpacePage.objects.filter(pk=space.pk).update(who_may_propose=rule)
    with pytest.raises(Refused) as refusal:
        services.edit_proposal(author, proposal, title="Yeni başlık", body="<p>x</p>")
    assert refusal.value.code == ("suspended" if kind == "suspended" else "not_verified")
    proposal.refresh_from_db()
    assert proposal.title == "Eski başlık"


def test_withdraw_at_any_time_but_only_by_the_author(make_proposal, make_user):
    author = make_user()
    proposal = make_proposal(author=author)
    services.support_proposal(make_user(), proposal)
    with pytest.raises(Refused):
        services.withdraw_proposal(make_user(), proposal)
    services.withdraw_proposal(author, proposal)
    proposal.refresh_from_db()
    assert proposal.state == "withdrawn"
    with pytest.raises(Refused) as refusal:
        services.support_proposal(author, proposal)
    assert refusal.value.code == "bad_state"


def test_one_support_per_person_and_exact_counts(make_proposal, make_user):
    proposal = make_proposal()
    user = make_user()
    assert services.support_proposal(user, proposal) == 1
    with pytest.raises(Refused) as refusal:
        services.support_proposal(user, proposal)
    assert refusal.value.code == "already_supported"
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(proposal=proposal, user=user)
    assert services.withdraw_support(user, proposal) == 0
    with pytest.raises(Refused):
        services.withdraw_support(user, proposal)
    proposal.refresh_from_db()
    assert proposal.support_count == 0


def test_hidden_proposals_cannot_be_supported(make_proposal, make_user, space_moderator):
    author = make_user()
    proposal = make_proposal(author=author)
    services.moderate_proposal(space_moderator, proposal, hidden=True, reason="Kişisel veri içeriyor")
    with pytest.raises(Refused):
        services.support_proposal(author, proposal)
    services.moderate_proposal(space_moderator, proposal, hidden=False, reason="Düzeltildi")
    proposal.refresh_from_db()
    assert proposal.state == "published"


def test_hiding_logs_the_guideline_the_moderator_chose(make_proposal, space_moderator):
    from moderation.models import ModerationAction

    proposal = make_proposal()
    services.moderate_proposal(space_moderator, proposal, hidden=True, reason="Reklam", rule="spam")
    action = ModerationAction.objects.get()
    assert (action.action, action.rule, action.reason, action.object_id) == ("hide", "spam", "Reklam", proposal.pk)
    assert proposal.state == "hidden"


@pytest.mark.parametrize("rule", ["", "rudeness", "SPAM", None])
def test_hiding_under_an_unknown_guideline_is_refused_and_changes_nothing(make_proposal, space_moderator, rule):
    from moderation.models import ModerationAction

    proposal = make_proposal()
    with pytest.raises(Refused) as refusal:
        services.moderate_proposal(space_moderator, proposal, hidden=True, reason="Reklam", rule=rule)
    assert refusal.value.code == "invalid" and refusal.value.message
    proposal.refresh_from_db()
    assert proposal.state == "published" and not ModerationAction.objects.exists()


def test_threshold_sets_the_answer_date_once(make_proposal, make_user, space):
    proposal = make_proposal()
    for _ in range(4):
        services.support_proposal(make_user(), proposal)
    proposal.refresh_from_db()
    assert proposal.threshold_reached_at is not None
    assert proposal.answer_due == (proposal.threshold_reached_at + timedelta(days=30)).date()
    assert proposal.timeline.filter(kind="threshold").count() == 1


def test_official_answers_and_everyone_involved_is_told(
    make_proposal, make_user, official, django_capture_on_commit_callbacks, space
):
    author, supporter = make_user(), make_user()
    proposal = make_proposal(author=author, category=space.categories.get(name="Parklar"))
    services.support_proposal(supporter, proposal)
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_proposal(official, proposal, state="accepted", text="2027 bütçesine alındı.")
    proposal.refresh_from_db()
    assert proposal.state == "accepted" and proposal.answered_by == official
    assert set(Notification.objects.values_list("user_id", flat=True)) == {author.pk, supporter.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([author.email, supporter.email])
    assert proposal.timeline.last().kind == "answered"


@pytest.mark.parametrize("who", ["resident", "moderator", "other_department_official"])
def test_only_responsible_officials_answer(
    make_proposal, make_user, make_organisation, municipality, space_moderator, space, who
):
    from meydan.accounts.models import Membership

    proposal = make_proposal(category=space.categories.get(name="Parklar"))
    if who == "moderator":
        user = space_moderator
    else:
        user = make_user()
        if who == "other_department_official":
            other = make_organisation(kind="department", parent=make_organisation(kind="municipality"))
            Membership.objects.create(user=user, organisation=other, role="official")
    with pytest.raises(Refused) as refusal:
        services.answer_proposal(user, proposal, state="accepted", text="x")
    assert refusal.value.code == "forbidden"
    proposal.refresh_from_db()
    assert proposal.answered_at is None


@pytest.mark.parametrize(("state", "text"), [("published", "x"), ("accepted", ""), ("accepted", "x" * 8001)])
def test_bad_answers_are_refused(make_proposal, official, state, text):
    proposal = make_proposal()
    with pytest.raises(Refused):
        services.answer_proposal(official, proposal, state=state, text=text)


def test_merge_moves_supporters_without_double_counting(
    make_proposal, make_user, space_moderator, django_capture_on_commit_callbacks
):
    a_author, b_author = make_user(), make_user()
    a, b = make_proposal(author=a_author, title="A"), make_proposal(author=b_author, title="B")
    both, only_a, only_b = make_user(), make_user(), make_user()
    for user in (both, only_a):
        services.support_proposal(user, a)
    for user in (both, only_b):
        services.support_proposal(user, b)
    with django_capture_on_commit_callbacks(execute=True):
        services.merge_proposals(space_moderator, b, a, "Aynı öneri")
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.support_count == Support.objects.filter(proposal=a).count() == 3
    assert b.state == "merged" and b.merged_into == a
    assert set(Notification.objects.values_list("user_id", flat=True)) == {a_author.pk, b_author.pk}
    assert a.support_count >= 3 and a.threshold_reached_at is not None


@pytest.mark.parametrize("case", ["self", "not_moderator", "no_reason", "other_space"])
def test_bad_merges(make_proposal, make_user, space_moderator, case, home_site, municipality, space):
    a, b = make_proposal(title="A"), make_proposal(title="B")
    user, reason = space_moderator, "dup"
    if case == "self":
        b = a
    elif case == "not_moderator":
        user = make_user()
    elif case == "no_reason":
        reason = " "
    else:
        other = home_site.add_child(
            instance=ProposalSpacePage(
                title="Diğer",
                slug="diger",
                municipality=municipality,
                proposing_opens=space.proposing_opens,
                proposing_closes=space.proposing_closes,
                supporting_opens=space.supporting_opens,
                supporting_closes=space.supporting_closes,
            )
        )
        b = make_proposal(title="C", space=other)
    with pytest.raises(Refused):
        services.merge_proposals(user, b, a, reason)
    assert not Proposal.objects.filter(state="merged").exists()


def test_changes_are_published_on_the_proposal_topic(make_proposal, official, space):
    proposal = make_proposal(category=space.categories.get(name="Parklar"))
    services.answer_proposal(official, proposal, state="evaluating", text="İnceleniyor")
    kinds = list(Event.objects.filter(topic__name=proposal.topic).values_list("payload__kind", flat=True))
    assert kinds == ["published", "answered"]


def test_merged_state_needs_a_target_in_the_database(make_proposal):
    proposal = make_proposal()
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=proposal.pk).update(state="merged")
    assert ProposalEvent.objects.count() == 1


def test_answers_are_audited_and_held_for_the_communications_office_in_a_crisis(make_proposal, official, space):
    """An official's answer leaves an audit entry; during crisis mode only the central office answers."""
    from django.utils import timezone
    from wagtail.models import ModelLogEntry

    from crisis.models import CrisisState

    proposal = make_proposal(category=space.categories.get(name="Parklar"))
    site = space.get_site()
    CrisisState.objects.update_or_create(
        site=site, defaults={"active": True, "message": "Deprem", "started_at": timezone.now()}
    )
    with translation.override("en"), pytest.raises(Refused) as refused:
        services.answer_proposal(official, proposal, state="accepted", text="Yes")
    assert refused.value.code == "forbidden" and "crisis" in refused.value.message
    proposal.refresh_from_db()
    assert proposal.answered_at is None
    CrisisState.objects.filter(site=site).update(active=False)
    services.answer_proposal(official, proposal, state="accepted", text="Yes")
    entry = ModelLogEntry.objects.get(action="meydan.answer")
    assert entry.user_id == official.pk and entry.object_id == str(proposal.pk)
