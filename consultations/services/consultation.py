"""Use cases of the consultation level: the draft's numbered paragraphs kept in step with publishing,
position papers from organisations, and organisations' self-assessment of their cooperation with a
municipality. `register_targets()` tells the comments and questionnaires apps who may do what."""

import contextlib

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meydan.accounts.models import Membership, Organisation
from meydan.accounts.rules import account_refusal, voice_organisations
from meydan.documents import DocumentRejected, validate_pdf
from meydan.pagecache import pages_changed

from ..models import SUMMARY_MAX_LENGTH, ConsultationPage, Paragraph, Phase, PositionPaper, SelfAssessment
from ..rules import can_moderate_page, is_page_staff, taking_part_refusal
from . import ParticipationRefused, require

PAPER_TITLE_MAX_LENGTH = PositionPaper._meta.get_field("title").max_length
ASSESSMENT_COMMENT_MAX_LENGTH = SelfAssessment._meta.get_field("comment").max_length
HEADING_MAX_LENGTH = Paragraph._meta.get_field("heading").max_length


# Paragraphs -------------------------------------------------------------------------------------


def draft_blocks(page):
    """The draft's paragraph blocks in order, as (block id, heading, rich text)."""
    blocks = []
    for child in page.draft or ():
        if child.block_type != "paragraph" or not child.id:
            continue
        value = child.value
        blocks.append((str(child.id), (value.get("heading") or "").strip(), value.get("text")))
    return blocks


def sync_paragraphs(page):
    """Make the Paragraph rows match the published draft, keyed by block id: a paragraph whose text
    changed keeps its comments, a moved one is renumbered, a removed one is withdrawn (its comments
    stay readable), and one that comes back (a reverted revision) is restored."""
    existing = {row.block_id: row for row in Paragraph.objects.filter(page=page)}
    seen, changed, created = set(), [], []
    for number, (block_id, heading, _text) in enumerate(draft_blocks(page), start=1):
        if block_id in seen:
            continue  # a copied block keeps one row; ids are unique in a stream Wagtail saved
        seen.add(block_id)
        heading = heading[:HEADING_MAX_LENGTH]
        row = existing.get(block_id)
        if row is None:
            created.append(Paragraph(page=page, block_id=block_id, number=number, heading=heading))
        elif (row.number, row.heading, row.withdrawn) != (number, heading, False):
            row.number, row.heading, row.withdrawn = number, heading, False
            changed.append(row)
    for block_id, row in existing.items():
        if block_id not in seen and not row.withdrawn:
            row.withdrawn = True
            changed.append(row)
    with transaction.atomic():
        if changed:
            Paragraph.objects.bulk_update(changed, ["number", "heading", "withdrawn"])
        if created:
            Paragraph.objects.bulk_create(created)
    transaction.on_commit(pages_changed)
    return {"created": len(created), "changed": len(changed)}


def can_view_paragraph(user, paragraph):
    return paragraph.page.live


def can_comment_on_paragraph(user, paragraph):
    if paragraph.withdrawn:
        return False, _("This paragraph was removed from the draft. Its comments are kept, but closed.")
    refusal = taking_part_refusal(user, paragraph.page)
    return (False, refusal[1]) if refusal else (True, None)


def can_moderate_paragraph(user, paragraph):
    return can_moderate_page(user, paragraph.page)


# Questionnaire ---------------------------------------------------------------------------------


def remember_staff(page, user, is_staff):
    """Keep a staff check the view has made on the page object: the questionnaire asks it again
    while the page renders, and each check costs queries."""
    page._staff_check = (getattr(user, "pk", None), bool(is_staff))


def _is_staff(user, page):
    known = getattr(page, "_staff_check", None)
    if known is not None and known[0] == getattr(user, "pk", None):
        return known[1]
    return is_page_staff(user, page)


def can_respond(user, page):
    refusal = taking_part_refusal(user, page)
    return (False, refusal[1]) if refusal else (True, None)


def results_are_public(page):
    return page.live and page.phase() in (Phase.CLOSED, Phase.REPORTED)


def can_view_results(user, page):
    return results_are_public(page) or _is_staff(user, page)


def can_view_free_text(user, page):
    return _is_staff(user, page)


# Position papers -------------------------------------------------------------------------------


def voice_refusal(user, voices=None):
    """Why `user` may not speak for any organisation (code, translated message), or None. `voices`:
    the organisations they speak for, when the caller has already read them."""
    refusal = account_refusal(user)
    if refusal:
        return refusal
    speaks = bool(voices) if voices is not None else voice_organisations(user).exists()
    if speaks:
        return None
    administered = Organisation.objects.filter(
        memberships__user=user,
        memberships__role=Membership.Role.ADMIN,
        kind__in=[Organisation.Kind.NGO, Organisation.Kind.OTHER],
    )
    statuses = set(administered.values_list("status", flat=True))
    if Organisation.Status.PENDING in statuses:
        return "forbidden", _(
            "Your organisation is awaiting verification. It can submit position papers once it is verified."
        )
    if Organisation.Status.REJECTED in statuses:
        return "forbidden", _("Your organisation's registration was rejected, so it cannot submit position papers.")
    return "forbidden", _("Only an administrator of a verified organisation may submit a position paper.")


def paper_refusal(user, page, voices=None):
    """Why `user` may not submit a position paper on `page` now (code, translated message), or None."""
    refusal = taking_part_refusal(user, page)
    if refusal:
        return refusal
    if not page.accepts_position_papers:
        return "forbidden", _("This consultation does not take position papers.")
    return voice_refusal(user, voices)


def _speaking_for(user, organisation):
    organisation_id = getattr(organisation, "pk", organisation)
    found = None
    if isinstance(organisation_id, int) and not isinstance(organisation_id, bool):
        found = voice_organisations(user).filter(pk=organisation_id).first()
    if found is None:
        raise ParticipationRefused(
            "forbidden", _("You can submit a position paper only for a verified organisation you administer.")
        )
    return found


def _clean_text(value, limit, *, empty, label):
    if not isinstance(value, str):
        raise ParticipationRefused("invalid", empty)
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not value:
        raise ParticipationRefused("invalid", empty)
    if "\x00" in value:
        raise ParticipationRefused("invalid", _("The text contains characters that cannot be stored."))
    if len(value) > limit:
        raise ParticipationRefused(
            "too_long",
            _("The %(field)s may have at most %(limit)s characters; yours has %(length)s.")
            % {"field": label, "limit": f"{limit:,}", "length": f"{len(value):,}"},
        )
    return value


def _check_pdf(file):
    if file is None:
        raise ParticipationRefused("invalid", _("Choose the PDF file of your position paper."))
    try:
        validate_pdf(file)
    except DocumentRejected as rejected:
        raise ParticipationRefused("invalid", str(rejected.message)) from None


def submit_position_paper(user, page, organisation, *, title, summary, file):
    """Publish `organisation`'s position paper on `page`, or replace the one it submitted before.

    Returns (paper, replaced). Everything is checked before anything is written, so a refused
    replacement leaves the earlier paper (and its file) as it was.
    """
    require(paper_refusal(user, page))
    organisation = _speaking_for(user, organisation)
    title = _clean_text(title, PAPER_TITLE_MAX_LENGTH, empty=_("Give your position paper a title."), label=_("title"))
    if "\n" in title:
        raise ParticipationRefused("invalid", _("The title must be a single line."))
    summary = _clean_text(
        summary, SUMMARY_MAX_LENGTH, empty=_("Summarise your position in a few sentences."), label=_("summary")
    )
    _check_pdf(file)
    fields = {"title": title, "summary": summary, "submitted_by": user, "submitted_at": timezone.now()}
    try:
        paper, replaced = _store_paper(page, organisation, fields, file)
    except IntegrityError:
        # Two administrators uploading at once: the second one replaces the first one's paper.
        paper, replaced = _store_paper(page, organisation, fields, file)
    transaction.on_commit(pages_changed)
    return paper, replaced


def _store_paper(page, organisation, fields, file):
    with transaction.atomic():
        paper = PositionPaper.objects.select_for_update().filter(page=page, organisation=organisation).first()
        replaced = paper is not None
        if paper is None:
            paper = PositionPaper(page=page, organisation=organisation)
        old_name = paper.file.name if replaced else None
        for name, value in fields.items():
            setattr(paper, name, value)
        paper.file.save("paper.pdf", file, save=False)
        new_name = paper.file.name
        storage = paper.file.storage
        try:
            with transaction.atomic():
                paper.save()
        except Exception:
            # The new file was written before the row; a row that is not stored must not leave it behind.
            with contextlib.suppress(OSError):
                storage.delete(new_name)
            raise
        if old_name and old_name != new_name:
            transaction.on_commit(lambda: _delete_quietly(storage, old_name))
    return paper, replaced


def _delete_quietly(storage, name):
    with contextlib.suppress(OSError):
        storage.delete(name)


# NGO self-assessment ----------------------------------------------------------------------------


def assessment_years(today=None):
    """Organisations assess the current year or, early in a year, the one before."""
    year = (today or timezone.localdate()).year
    return [year, year - 1]


def assessment_refusal(user, organisation):
    """Why `user` may not assess `organisation`'s cooperation (code, translated message), or None."""
    refusal = account_refusal(user)
    if refusal:
        return refusal
    if organisation.kind not in (Organisation.Kind.NGO, Organisation.Kind.OTHER):
        return "forbidden", _("Only civil society organisations assess their cooperation with a municipality.")
    is_admin = Membership.objects.filter(user=user, organisation=organisation, role=Membership.Role.ADMIN).exists()
    if not is_admin:
        return "forbidden", _("Only an administrator of the organisation may fill in its self-assessment.")
    if organisation.status == Organisation.Status.PENDING:
        return "forbidden", _(
            "Your organisation is awaiting verification. It can assess its cooperation once it is verified."
        )
    if organisation.status != Organisation.Status.VERIFIED:
        return "forbidden", _("Only verified organisations assess their cooperation with a municipality.")
    return None


def save_self_assessment(user, organisation, *, municipality, year, cooperation, comment=""):
    """Record `organisation`'s view of its cooperation with `municipality` in `year`; a second answer
    for the same year replaces the first. Returns (assessment, created)."""
    require(assessment_refusal(user, organisation))
    if getattr(municipality, "kind", None) != Organisation.Kind.MUNICIPALITY:
        raise ParticipationRefused("invalid", _("Choose a municipality."))
    if year not in assessment_years():
        raise ParticipationRefused("invalid", _("You can assess only this year or last year."))
    if isinstance(cooperation, bool) or cooperation not in SelfAssessment.Cooperation.values:
        raise ParticipationRefused("invalid", _("Choose one of the five levels of cooperation."))
    comment = comment or ""
    if comment.strip():
        comment = _clean_text(comment, ASSESSMENT_COMMENT_MAX_LENGTH, empty="", label=_("comment"))
    else:
        comment = ""
    key = {"organisation": organisation, "municipality": municipality, "year": year}
    values = {"cooperation": cooperation, "comment": comment, "submitted_by": user}
    try:
        with transaction.atomic():
            assessment, created = SelfAssessment.objects.update_or_create(**key, defaults=values)
    except IntegrityError:
        # Another administrator saved the same year at the same moment: theirs is replaced by this one.
        with transaction.atomic():
            assessment, created = SelfAssessment.objects.update_or_create(**key, defaults=values)
    transaction.on_commit(pages_changed)
    return assessment, created


# Registration ----------------------------------------------------------------------------------


def register_targets():
    """Comment targets and questionnaire hosts of this level (called from the app's ready())."""
    from comments import targets
    from questionnaires import hosts

    targets.register(
        Paragraph,
        can_comment=can_comment_on_paragraph,
        can_moderate=can_moderate_paragraph,
        can_view=can_view_paragraph,
        organisation_voice=True,
    )
    hosts.register(
        ConsultationPage,
        field="questions",
        can_respond=can_respond,
        can_view_results=can_view_results,
        can_view_free_text=can_view_free_text,
    )
