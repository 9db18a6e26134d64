from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks

from .models import Category, Proposal, ProposalSpacePage


@hooks.register("meydan_open_now")
def spaces_open_now(request, limit):
    now = timezone.now()
    spaces = ProposalSpacePage.objects.live().public().filter(
        supporting_opens__lte=now, supporting_closes__gte=now
    ).order_by("supporting_closes")[:limit]
    return [{"title": space.title, "url": space.url, "kind": gettext_lazy("Proposals"),
             "closes_at": space.supporting_closes} for space in spaces]


DEMO_PROPOSALS = [
    ("Moda sahiline bisiklet yolu", "<p>Sahil boyunca yürüyüş yolundan ayrılmış güvenli bir bisiklet yolu.</p>",
     ["bisiklet", "sahil"], "Ulaşım", 12),
    ("Yoğurtçu Parkı'na gölgelik ve çeşme", "<p>Yazın çocuk parkında gölge ve içme suyu yok.</p>",
     ["park", "çocuk"], "Parklar", 4),
    ("Gece otobüsü seferleri", "<p>Kadıköy'den gece 01:00'den sonra otobüs yok; hafta sonu sefer konsun.</p>",
     ["otobüs"], "Ulaşım", 2),
    ("Sokak hayvanları için mama istasyonları", "<p>Her mahallede belediyenin doldurduğu mama ve su kapları.</p>",
     ["hayvanlar"], "Parklar", 0),
]


@hooks.register("meydan_seed_demo")
def seed_proposal_space(home, municipality):
    from meydan.accounts.models import Organisation, User

    if ProposalSpacePage.objects.exists():
        return
    now = timezone.now()
    space = home.add_child(instance=ProposalSpacePage(
        title=_("Ideas for our city"), slug="fikirler", municipality=municipality,
        intro=_("Propose what would make the city better. Proposals with 10 supports get an official answer."),
        proposing_opens=now - timedelta(days=7), proposing_closes=now + timedelta(days=60),
        supporting_opens=now - timedelta(days=7), supporting_closes=now + timedelta(days=90),
        support_threshold=10, answer_days=30, districts="Moda\nFenerbahçe\nGöztepe",
    ))
    department = Organisation.objects.filter(kind="department", parent=municipality).order_by("name").last()
    categories = {
        "Parklar": Category.objects.create(space=space, name=_("Parks"), department=department, sort_order=0),
        "Ulaşım": Category.objects.create(space=space, name=_("Transport"), sort_order=1),
    }
    people = list(User.objects.filter(email__endswith="@meydan.example").order_by("pk"))
    for title, body, tags, category, supports in DEMO_PROPOSALS:
        proposal = Proposal.objects.create(space=space, author=people[-1], title=title, body=body,
                                           category=categories[category], support_count=0)
        proposal.tags.set(tags)
        proposal.timeline.create(kind="published", to_state="published", actor=people[-1])
        supporters = people[: min(supports, len(people))]
        proposal.supports.bulk_create([proposal.supports.model(proposal=proposal, user=u) for u in supporters])
        Proposal.objects.filter(pk=proposal.pk).update(support_count=len(supporters))
