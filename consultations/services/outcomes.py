"""The "you said, we did" report of a consultation: its contributions, the outcome staff record for
each, the themes of free-text answers, and publishing the report.

What counts as a contribution:

- a top-level comment on one of the page's paragraphs that is neither deleted nor hidden. Replies are
  discussion between participants (and answers from staff), not proposals to the municipality, so
  they get no outcome of their own; a comment on a paragraph later removed from the draft still
  counts, because it was made on the text people were consulted on;
- a position paper of an organisation;
- a theme: staff group the free-text questionnaire answers into themes and give each theme an outcome
  (individual free-text answers stay in the questionnaire results).

Outcomes are recorded after the consultation has closed and may be changed until the report is
published; from then on the report is a public record and stays as it is. Every use case here locks
the page row first, so publishing and a late outcome cannot cross.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from comments.models import Comment
from meydan import audit
from meydan.notifications.services import notify
from meydan.pagecache import pages_changed
from meydan.sanitize import render_plain

from ..models import (
    REASON_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    ConsultationPage,
    Outcome,
    OutcomeDecision,
    Paragraph,
    ParticipationPage,
    Phase,
    PositionPaper,
    Theme,
)
from ..rules import is_page_staff
from . import ParticipationRefused, require_answer_allowed

KINDS = ("comment", "paper", "theme")
BULK_MAX = 200
THEME_TITLE_MAX_LENGTH = 200
REPORT_INTRO_MAX_LENGTH = 5000
ANSWER_COUNT_MAX = 1_000_000


@dataclass
class Contribution:
    """One line of the report, whatever its kind. `author_id` is for notifications only: reports and
    exports never show who an individual is."""

    kind: str
    pk: int
    created_at: datetime
    text: str = ""
    title: str = ""
    organisation: object = None
    paragraph: object = None
    outcome: object = None
    answer_count: int | None = None
    author_id: int | None = None
    obj: object = field(default=None, repr=False)

    @property
    def key(self):
        return f"{self.kind}-{self.pk}"

    @property
    def has_outcome(self):
        return self.outcome is not None

    @property
    def organisation_name(self):
        return self.organisation.name if self.organisation is not None else ""

    @property
    def html(self):
        return render_plain(self.text)

    @property
    def reason_html(self):
        if "_reason_html" not in self.__dict__:
            self._reason_html = render_plain(self.outcome.reason) if self.outcome is not None else ""
        return self._reason_html

    @reason_html.setter
    def reason_html(self, value):
        self._reason_html = value


# Reading ---------------------------------------------------------------------------------------


def paragraph_content_type():
    return ContentType.objects.get_for_model(Paragraph)


def visible_comments(page):
    """Comments and replies on `page`'s paragraphs that are neither deleted nor hidden."""
    return Comment.objects.filter(
        content_type=paragraph_content_type(),
        object_id__in=Paragraph.objects.filter(page_id=page.pk).values("pk"),
        is_deleted=False,
        hidden=False,
    )


def contribution_comments(page):
    """Top-level, visible comments on `page`'s paragraphs (the comments that are contributions)."""
    return visible_comments(page).filter(parent__isnull=True)


def paragraphs_of(page):
    return {paragraph.pk: paragraph for paragraph in Paragraph.objects.filter(page_id=page.pk).order_by("number")}


def contributions(page, *, paragraphs=None, keys=None):
    """Every contribution of `page` (or only those whose `key` is in `keys`), with its paragraph,
    organisation and outcome, in at most four queries whatever their number: paragraphs (unless
    given), comments, position papers, themes. Sorted as the report reads: paragraph comments by
    paragraph number and date, then position papers, then themes."""
    if paragraphs is None:
        paragraphs = paragraphs_of(page)
    wanted = _ids_by_kind(keys) if keys is not None else None
    result = []
    comments = contribution_comments(page).select_related("organisation", "consultation_outcome")
    if wanted is None or wanted["comment"]:
        if wanted is not None:
            comments = comments.filter(pk__in=wanted["comment"])
        for comment in comments.order_by("created_at", "pk"):
            result.append(
                Contribution(
                    kind="comment",
                    pk=comment.pk,
                    created_at=comment.created_at,
                    text=comment.text,
                    organisation=comment.organisation,
                    paragraph=paragraphs.get(comment.object_id),
                    outcome=_outcome_of(comment, "consultation_outcome"),
                    author_id=comment.author_id,
                    obj=comment,
                )
            )
    result.sort(key=lambda c: (c.paragraph.number if c.paragraph else 0, c.created_at, c.pk))
    papers = PositionPaper.objects.filter(page_id=page.pk).select_related("organisation", "outcome")
    if wanted is None or wanted["paper"]:
        if wanted is not None:
            papers = papers.filter(pk__in=wanted["paper"])
        for paper in papers.order_by("submitted_at", "pk"):
            result.append(
                Contribution(
                    kind="paper",
                    pk=paper.pk,
                    created_at=paper.submitted_at,
                    title=paper.title,
                    text=paper.summary,
                    organisation=paper.organisation,
                    outcome=_outcome_of(paper, "outcome"),
                    author_id=paper.submitted_by_id,
                    obj=paper,
                )
            )
    themes = Theme.objects.filter(page_id=page.pk).select_related("outcome")
    if wanted is None or wanted["theme"]:
        if wanted is not None:
            themes = themes.filter(pk__in=wanted["theme"])
        for theme in themes.order_by("pk"):
            result.append(
                Contribution(
                    kind="theme",
                    pk=theme.pk,
                    created_at=None,
                    title=theme.title,
                    text=theme.summary,
                    outcome=_outcome_of(theme, "outcome"),
                    answer_count=theme.answer_count,
                    obj=theme,
                )
            )
    return result


@dataclass(frozen=True)
class Entry:
    """A contribution as the staff screen indexes it before loading the page of rows it shows."""

    kind: str
    pk: int
    paragraph_number: int
    organisation: str
    created_at: object
    has_outcome: bool

    @property
    def key(self):
        return f"{self.kind}-{self.pk}"


def contribution_index(page, paragraphs):
    """Light rows of every contribution (ids, sort keys, whether it has an outcome) in three queries,
    so the staff screen can count, filter and paginate before loading the texts of one page."""
    numbers = {pk: paragraph.number for pk, paragraph in paragraphs.items()}
    entries = [
        Entry("comment", pk, numbers.get(object_id, 0), organisation or "", created_at, outcome is not None)
        for pk, object_id, organisation, created_at, outcome in contribution_comments(page)
        .order_by("created_at", "pk")
        .values_list("pk", "object_id", "organisation__name", "created_at", "consultation_outcome__id")
    ]
    entries.sort(key=lambda e: (e.paragraph_number, e.created_at, e.pk))
    entries += [
        Entry("paper", pk, 0, organisation, submitted_at, outcome is not None)
        for pk, organisation, submitted_at, outcome in PositionPaper.objects.filter(page_id=page.pk)
        .order_by("submitted_at", "pk")
        .values_list("pk", "organisation__name", "submitted_at", "outcome__id")
    ]
    entries += [
        Entry("theme", pk, 0, "", None, outcome is not None)
        for pk, outcome in Theme.objects.filter(page_id=page.pk).order_by("pk").values_list("pk", "outcome__id")
    ]
    return entries


def progress(entries):
    """(contributions with an outcome, all contributions)."""
    return sum(1 for entry in entries if entry.has_outcome), len(entries)


def _outcome_of(obj, attribute):
    try:
        return getattr(obj, attribute)
    except Outcome.DoesNotExist:
        return None


def parse_key(key):
    """("comment", 12) for "comment-12"; None for anything else."""
    kind, _sep, pk = str(key).partition("-")
    if kind not in KINDS or not pk.isdigit() or len(pk) > 18:
        return None
    return kind, int(pk)


def _ids_by_kind(keys):
    wanted = {kind: set() for kind in KINDS}
    for key in keys:
        parsed = parse_key(key)
        if parsed:
            wanted[parsed[0]].add(parsed[1])
    return wanted


# Checks ----------------------------------------------------------------------------------------


def _require_staff(user, page):
    if not user or not user.is_authenticated:
        raise ParticipationRefused("login_required", _("Log in to take part."))
    if not is_page_staff(user, page):
        raise ParticipationRefused(
            "forbidden", _("Only the officials responsible for this consultation may record outcomes.")
        )


def _locked_page(page):
    """The page row under a lock, read again: the phase decides whether outcomes may change."""
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    locked = ConsultationPage.objects.select_for_update(of=("self",)).filter(pk=page.pk).first()
    if locked is None or not locked.live:
        raise ParticipationRefused("not_found", _("This page is not published."))
    return locked


def _require_outcome_phase(page):
    phase = page.phase()
    if phase in (Phase.UPCOMING, Phase.OPEN):
        raise ParticipationRefused(
            "bad_state",
            _("The consultation is still open: outcomes are recorded after it closes on %(date)s.")
            % {"date": _datetime(page.closes_at)},
        )
    if phase == Phase.REPORTED:
        raise ParticipationRefused(
            "bad_state", _("The outcome report is published: its outcomes can no longer be changed.")
        )


def _datetime(value):
    from django.utils import formats

    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _clean_decision(decision):
    if decision not in OutcomeDecision.values:
        raise ParticipationRefused("invalid", _("Choose one of the outcomes."))
    return decision


def _clean_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ParticipationRefused("invalid", _("Give the reason for this outcome; it is published in the report."))
    if len(reason) > REASON_MAX_LENGTH:
        raise ParticipationRefused(
            "too_long", _("The reason may have at most %(limit)d characters.") % {"limit": REASON_MAX_LENGTH}
        )
    return reason


# Recording outcomes ----------------------------------------------------------------------------


def record_outcome(user, page, key, *, decision, reason):
    """Record (or change) the outcome of one contribution of `page`; returns the Outcome."""
    return record_outcomes(user, page, [key], decision=decision, reason=reason)[0]


@transaction.atomic
def record_outcomes(user, page, keys, *, decision, reason):
    """Give every contribution in `keys` ("comment-12", "paper-3", "theme-5") of `page` the same
    outcome and reason. All or nothing: one key that is not a contribution of this page refuses the
    whole batch, so staff never believe they decided something they did not."""
    _require_staff(user, page)
    page = _locked_page(page)
    _require_outcome_phase(page)
    decision, reason = _clean_decision(decision), _clean_reason(reason)
    keys = list(dict.fromkeys(str(key) for key in keys))
    if not keys:
        raise ParticipationRefused("invalid", _("Select at least one contribution."))
    if len(keys) > BULK_MAX:
        raise ParticipationRefused(
            "invalid", _("Select at most %(limit)d contributions at a time.") % {"limit": BULK_MAX}
        )
    found = {c.key: c for c in contributions(page, paragraphs={}, keys=keys)}
    missing = [key for key in keys if key not in found]
    if missing:
        raise ParticipationRefused(
            "not_found",
            ngettext(
                "%(count)d of the selected contributions is not a contribution to this consultation.",
                "%(count)d of the selected contributions are not contributions to this consultation.",
                len(missing),
            )
            % {"count": len(missing)},
        )
    now = timezone.now()
    outcomes, to_update, to_create = [], [], []
    for key in keys:
        contribution = found[key]
        outcome = contribution.outcome
        if outcome is None:
            outcome = Outcome(page=page, **{contribution.kind: contribution.obj})
            to_create.append(outcome)
        else:
            to_update.append(outcome)
        outcome.decision, outcome.reason, outcome.decided_by, outcome.decided_at = decision, reason, user, now
        outcomes.append(outcome)
    Outcome.objects.bulk_update(to_update, ["decision", "reason", "decided_by", "decided_at"])
    Outcome.objects.bulk_create(to_create)
    return outcomes


# Themes of free-text answers -------------------------------------------------------------------


def _clean_theme(title, summary, answer_count):
    title = " ".join((title or "").split())
    summary = (summary or "").strip()
    if not title:
        raise ParticipationRefused("invalid", _("Give the theme a title."))
    if len(title) > THEME_TITLE_MAX_LENGTH:
        raise ParticipationRefused(
            "too_long", _("The title may have at most %(limit)d characters.") % {"limit": THEME_TITLE_MAX_LENGTH}
        )
    if not summary:
        raise ParticipationRefused("invalid", _("Summarise what respondents said in this theme."))
    if len(summary) > SUMMARY_MAX_LENGTH:
        raise ParticipationRefused(
            "too_long", _("The summary may have at most %(limit)d characters.") % {"limit": SUMMARY_MAX_LENGTH}
        )
    if not isinstance(answer_count, int) or not 0 <= answer_count <= ANSWER_COUNT_MAX:
        raise ParticipationRefused("invalid", _("Give the number of answers in this theme."))
    return {"title": title, "summary": summary, "answer_count": answer_count}


@transaction.atomic
def create_theme(user, page, *, title, summary, answer_count):
    _require_staff(user, page)
    page = _locked_page(page)
    _require_outcome_phase(page)
    return Theme.objects.create(page=page, created_by=user, **_clean_theme(title, summary, answer_count))


def _locked_theme(user, page, theme_pk):
    _require_staff(user, page)
    page = _locked_page(page)
    _require_outcome_phase(page)
    theme = Theme.objects.select_for_update().filter(pk=theme_pk, page_id=page.pk).first()
    if theme is None:
        raise ParticipationRefused("not_found", _("This theme does not exist in this consultation."))
    return theme


@transaction.atomic
def edit_theme(user, page, theme_pk, *, title, summary, answer_count):
    theme = _locked_theme(user, page, theme_pk)
    for name, value in _clean_theme(title, summary, answer_count).items():
        setattr(theme, name, value)
    theme.save(update_fields=["title", "summary", "answer_count"])
    return theme


@transaction.atomic
def delete_theme(user, page, theme_pk):
    """Deleting a theme deletes its outcome with it (the report has not been published yet)."""
    _locked_theme(user, page, theme_pk).delete()


# Publishing the report -------------------------------------------------------------------------


def _report_title(title):
    return _("The outcome report of “%(title)s” is published") % {"title": title}


_report_title_lazy = lazy(_report_title, str)
REPORT_BODY = gettext_lazy("See what the municipality did with each contribution, and why.")


@transaction.atomic
def publish_report(user, page, *, intro=""):
    """Publish the outcome report once every contribution has an outcome; the page is then
    "reported". Every contributor is told once, after commit."""
    _require_staff(user, page)
    page = _locked_page(page)
    if page.phase() == Phase.REPORTED:
        raise ParticipationRefused("already_done", _("The outcome report is already published."))
    _require_outcome_phase(page)
    require_answer_allowed(user, page)
    intro = (intro or "").strip()
    if len(intro) > REPORT_INTRO_MAX_LENGTH:
        raise ParticipationRefused(
            "too_long",
            _("The introduction may have at most %(limit)d characters.") % {"limit": REPORT_INTRO_MAX_LENGTH},
        )
    done, total = progress(contribution_index(page, paragraphs_of(page)))
    if done < total:
        missing = total - done
        raise ParticipationRefused(
            "bad_state",
            ngettext(
                "%(count)d contribution has no outcome yet; record it before publishing the report.",
                "%(count)d contributions have no outcome yet; record them before publishing the report.",
                missing,
            )
            % {"count": missing},
        )
    now = timezone.now()
    ParticipationPage.objects.filter(pk=page.pk).update(report_published_at=now, report_intro=intro)
    page.report_published_at, page.report_intro = now, intro
    audit.record(audit.ANSWER, actor=user, target=page, data={"report": True, "contributions": total})
    pages_changed()
    page_id, title = page.pk, page.title
    transaction.on_commit(lambda: notify_contributors(page_id, title))
    return page


def contributors(page):
    """Everyone who took part in `page`, once each: authors of visible paragraph comments (replies
    too: the discussion is part of how people took part), submitters of position papers,
    questionnaire respondents. One query."""
    from questionnaires.models import Response

    responses = Response.objects.filter(
        content_type=ContentType.objects.get_for_model(ConsultationPage), object_id=page.pk, respondent__isnull=False
    )
    return get_user_model().objects.filter(
        Q(pk__in=visible_comments(page).values("author_id"))
        | Q(pk__in=PositionPaper.objects.filter(page_id=page.pk, submitted_by__isnull=False).values("submitted_by_id"))
        | Q(pk__in=responses.values("respondent_id")),
        is_active=True,
    )


def notify_contributors(page_id, title):
    from django.urls import reverse

    page = ConsultationPage.objects.get(pk=page_id)
    return notify(
        list(contributors(page)),
        title=_report_title_lazy(title),
        body=REPORT_BODY,
        url=reverse("consultations:report", args=[page_id]),
    )
