import uuid
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks

from .models import (
    ConsultationPage,
    DialoguePage,
    InformationPage,
    Milestone,
    ParticipationIndexPage,
    ParticipationPage,
    PartnershipMember,
    PartnershipPage,
    Question,
)


@hooks.register("meydan_open_now")
def participation_open_now(request, limit):
    now = timezone.now()
    pages = (
        ParticipationPage.objects.live()
        .public()
        .filter(opens_at__lte=now, closes_at__gt=now, report_published_at__isnull=True)
        .order_by("closes_at")[:limit]
    )
    return [
        {"title": page.title, "url": page.url, "kind": page.get_level_display(), "closes_at": page.closes_at}
        for page in pages
    ]


DRAFT = [
    ("Amaç", "Bu yönetmelik, ilçedeki parkların ve yeşil alanların halkla birlikte yönetilmesini düzenler."),
    ("Kapsam", "Belediyenin sorumluluğundaki bütün park, bahçe ve çocuk oyun alanlarını kapsar."),
    ("Park gönüllüleri", "Mahalle sakinleri ve dernekler park gönüllüsü olarak kayıt olabilir."),
    ("Bütçe", "Her yıl park bütçesinin yüzde onu katılımcı bütçe ile belirlenir."),
]


def _paragraph(heading, text):
    return {"type": "paragraph", "value": {"heading": heading, "text": f"<p>{text}</p>"}}


def _items(*labels):
    # Ids given now keep answers attached to their option when an editor later edits the list.
    return [{"type": "item", "value": label, "id": str(uuid.uuid4())} for label in labels]


def _questionnaire():
    return [
        {
            "type": "likert",
            "value": {
                "question": "Taslak, parkların yönetimine sakinlerin katılımını artırır.",
                "help_text": "",
                "required": True,
            },
        },
        {
            "type": "single_choice",
            "value": {
                "question": "Parkları ne sıklıkla kullanıyorsunuz?",
                "help_text": "",
                "required": False,
                "options": _items("Her gün", "Haftada birkaç kez", "Ayda birkaç kez", "Hemen hiç"),
            },
        },
        {
            "type": "free_text",
            "value": {
                "question": "Taslağa eklemek istediğiniz başka bir şey var mı?",
                "help_text": "",
                "required": False,
                "max_length": 1000,
            },
        },
    ]


def _publish(index, page):
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


@hooks.register("meydan_seed_demo")
def seed_participation(home, municipality):
    from meydan.accounts.models import Organisation, User

    if ParticipationIndexPage.objects.exists():
        return
    now = timezone.now()
    department = Organisation.objects.filter(kind="department", parent=municipality).order_by("name").last()
    ngo = Organisation.objects.filter(kind="ngo", status="verified").order_by("name").first()
    index = home.add_child(
        instance=ParticipationIndexPage(
            title=_("Participation"),
            slug="katilim",
            municipality=municipality,
            intro=_("Consultations, dialogues and partnerships of the municipality with residents and organisations."),
        )
    )
    common = {
        "municipality": municipality,
        "responsible": department,
        "contact_name": "Park ve Bahçeler",
        "contact_email": "katilim@meydan.example",
    }
    consultation = _publish(
        index,
        ConsultationPage(
            title="Park yönetmeliği taslağı",
            slug="park-yonetmeligi",
            summary="Parkların halkla birlikte yönetilmesine dair taslak yönetmeliğe görüşlerinizi bekliyoruz.",
            opens_at=now - timedelta(days=3),
            closes_at=now + timedelta(days=27),
            report_due_days=30,
            draft=[_paragraph(heading, text) for heading, text in DRAFT],
            questions=_questionnaire(),
            **common,
        ),
    )
    consultation.tags.add("parklar")
    consultation.save_revision().publish()
    information = _publish(
        index,
        InformationPage(
            title="2027 bütçe taslağı",
            slug="butce-2027",
            answer_days=10,
            summary="Bütçe taslağı ve sorularınızın yanıtları.",
            opens_at=now - timedelta(days=20),
            closes_at=now + timedelta(days=40),
            **common,
        ),
    )
    asker = User.objects.filter(email="resident@meydan.example").first()
    official = User.objects.filter(email="official@meydan.example").first()
    Question.objects.create(
        page=information,
        author=asker,
        text="Park bütçesi ne kadar artıyor?",
        created_at=now - timedelta(days=5),
        answer="Yüzde 12 artıyor; ayrıntılar ekte.",
        answered_by=official,
        answered_at=now - timedelta(days=2),
    )
    Question.objects.create(
        page=information,
        author=asker,
        text="Bisiklet yolları için ayrı bir kalem var mı?",
        created_at=now - timedelta(days=14),
    )
    _publish(
        index,
        DialoguePage(
            title="Gençlik meclisi diyaloğu",
            slug="genclik-diyalogu",
            summary="Gençlik örgütleri ve gençlerle yıl boyu sürecek yapılandırılmış diyalog. Başvurular açık.",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=60),
            **common,
        ),
    )
    partnership = PartnershipPage(
        title="İklim eylem planı ortaklığı",
        slug="iklim-ortakligi",
        summary="Belediye ve derneklerin birlikte yazdığı iklim eylem planı.",
        opens_at=now - timedelta(days=90),
        closes_at=now + timedelta(days=270),
        **common,
    )
    if ngo:
        partnership.members = [PartnershipMember(organisation=ngo, role="Eş başkan")]
    partnership.milestones = [
        Milestone(title="Emisyon envanteri", due_on=(now - timedelta(days=30)).date(), status="done"),
        Milestone(title="Taslak plan", due_on=(now + timedelta(days=60)).date(), status="in_progress"),
    ]
    _publish(index, partnership)
