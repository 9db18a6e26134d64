"""What participation pages ask of staff, in the desk's "Four R" inbox: questions waiting for a public
answer, dialogue applications waiting for a decision, and closed consultations whose contributions
still need an outcome (one item per consultation: the outcomes screen is where they are worked)."""

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Application, ConsultationPage, Question

# Same order of magnitude as the inbox page; a source never loads more than the inbox can show.
MAX_PER_KIND = 500


def _scoped(queryset, user, filters, prefix=""):
    """Only pages whose staff `user` is (superusers: all), narrowed to the department filter."""
    from desk.rules import staff_organisation_ids

    ids = staff_organisation_ids(user)
    if ids is not None:
        if not ids:
            return queryset.none()
        queryset = queryset.filter(
            Q(**{f"{prefix}municipality_id__in": ids}) | Q(**{f"{prefix}responsible_id__in": ids})
        )
    if filters.department:
        queryset = queryset.filter(**{f"{prefix}responsible_id": filters.department})
    return queryset


class ParticipationSource:
    key = "participation"
    label = _("Participation")

    def kinds(self):
        return [
            ("question", _("Question awaiting an answer")),
            ("application", _("Dialogue application")),
            ("outcomes", _("Consultation awaiting outcomes")),
        ]

    def fetch(self, user, filters, limit):
        wanted = filters.kind_for(self.key)
        if wanted is None or filters.assignee not in ("", "none"):
            return 0, []
        total, items = 0, []
        for kind, fetch in (
            ("question", self._questions),
            ("application", self._applications),
            ("outcomes", self._consultations),
        ):
            if wanted in ("", kind):
                count, found = fetch(user, filters, min(limit, MAX_PER_KIND))
                total += count
                items += found
        return total, items

    def _questions(self, user, filters, limit):
        from desk.inbox import Item

        now = timezone.now()
        questions = _scoped(
            Question.objects.filter(answered_at__isnull=True, hidden=False, page__live=True), user, filters, "page__"
        )
        before = filters.due_before()
        if before is not None:
            # Due dates depend on each page's promised days; asking before `before` is the necessary part.
            questions = questions.filter(created_at__lt=before)
        total = questions.count()
        rows = questions.select_related("page__responsible").order_by("created_at", "pk")[:limit] if total else []
        items = []
        for question in rows:
            due = question.due_at()
            if before is not None and due >= before:
                total -= 1
                continue
            url = f"{question.page.url}#question-{question.pk}"
            items.append(
                Item(
                    source=self.key,
                    kind="question",
                    kind_label=str(_("Question")),
                    title=question.text[:120],
                    url=url,
                    status_label=str(_("Unanswered")),
                    created_at=question.created_at,
                    due_at=due,
                    department=question.page.responsible,
                    overdue=due < now,
                    actions={"review": url, "respond": url, "record": question.page.url},
                )
            )
        return total, items

    def _applications(self, user, filters, limit):
        from desk.inbox import Item

        applications = _scoped(
            Application.objects.filter(status=Application.Status.PENDING, page__live=True), user, filters, "page__"
        )
        if filters.due_before() is not None:
            return 0, []  # applications have no deadline
        total = applications.count()
        rows = applications.select_related("page__responsible").order_by("created_at", "pk")[:limit] if total else []
        items = []
        for application in rows:
            url = f"{application.page.url}#applications"
            items.append(
                Item(
                    source=self.key,
                    kind="application",
                    kind_label=str(_("Dialogue application")),
                    title=application.page.title,
                    url=url,
                    status_label=application.get_status_display(),
                    created_at=application.created_at,
                    department=application.page.responsible,
                    actions={"review": url, "respond": url},
                )
            )
        return total, items

    def _consultations(self, user, filters, limit):
        from comments.models import Comment
        from desk.inbox import Item

        from .models import Outcome, Paragraph, PositionPaper, Theme

        now = timezone.now()
        paragraph_type = _content_type(Paragraph)
        comment_waiting = Comment.objects.filter(
            content_type=paragraph_type,
            parent__isnull=True,
            is_deleted=False,
            hidden=False,
            object_id__in=Paragraph.objects.filter(page=OuterRef(OuterRef("pk"))).values("pk"),
        ).exclude(Exists(Outcome.objects.filter(comment=OuterRef("pk"))))
        paper_waiting = PositionPaper.objects.filter(page=OuterRef("pk"), outcome__isnull=True)
        theme_waiting = Theme.objects.filter(page=OuterRef("pk"), outcome__isnull=True)
        pages = _scoped(
            ConsultationPage.objects.live().filter(closes_at__lte=now, report_published_at__isnull=True), user, filters
        ).filter(Exists(comment_waiting) | Exists(paper_waiting) | Exists(theme_waiting))
        pages = pages.order_by("closes_at", "pk")
        total = pages.count()
        items = []
        for page in pages.select_related("responsible")[:limit] if total else []:
            due = page.report_due_at()
            if filters.due_before() is not None and due >= filters.due_before():
                total -= 1
                continue
            screen = reverse("consultations:outcomes", args=[page.pk])
            items.append(
                Item(
                    source=self.key,
                    kind="outcomes",
                    kind_label=str(_("Consultation")),
                    title=page.title,
                    url=screen,
                    status_label=str(_("Outcomes to record")),
                    created_at=page.closes_at,
                    due_at=due,
                    department=page.responsible,
                    overdue=page.report_overdue(now),
                    actions={"review": page.url, "record": screen},
                )
            )
        return total, items


def _content_type(model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model)


def register():
    from desk import inbox

    inbox.register(ParticipationSource())
