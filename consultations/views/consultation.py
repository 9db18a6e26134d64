"""The consultation page (numbered draft, questionnaire, position papers), the page of one paragraph
with its comments, and position papers: the upload form's post and the safe download."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from comments.models import Comment
from meydan.accounts.models import Organisation
from meydan.accounts.rules import voice_organisations
from meydan.documents import pdf_response
from meydan.pagecache import cache_for_anonymous
from meydan.ratelimit import rate_limited

from ..forms_c2a import PositionPaperForm
from ..models import ConsultationPage, Paragraph, Phase, PositionPaper
from ..services import STATUS_FOR_CODE, ParticipationRefused
from ..services import consultation as services
from .common import live_page, page_context, render_refusal

TEMPLATE = "consultations/consultation.html"
CACHE_SECONDS = 30


def comment_counts(paragraphs):
    """{paragraph pk: visible comments} for a queryset of paragraphs, in one grouped query."""
    rows = (
        Comment.objects.filter(
            content_type=ContentType.objects.get_for_model(Paragraph),
            object_id__in=paragraphs.values("pk"),
            is_deleted=False,
            hidden=False,
        )
        .values("object_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {row["object_id"]: row["count"] for row in rows}


def draft_items(page):
    """The draft as published, in order; each item with its Paragraph row (for the comment link) and
    count. The stream is the source of the text and order, so the page reads right even if a row is
    missing. Also returns the withdrawn paragraphs that carry comments."""
    rows = {row.block_id: row for row in Paragraph.objects.filter(page=page)}
    counts = comment_counts(Paragraph.objects.filter(page=page))
    items = []
    for number, (block_id, heading, text) in enumerate(services.draft_blocks(page), start=1):
        row = rows.get(block_id)
        if row is not None and row.withdrawn:
            row = None
        items.append(
            {
                "number": number,
                "heading": heading,
                "text": text,
                "paragraph": row,
                "count": counts.get(row.pk, 0) if row else 0,
            }
        )
    withdrawn = sorted(
        (row for row in rows.values() if row.withdrawn and counts.get(row.pk)), key=lambda row: row.number
    )
    for row in withdrawn:
        row.comment_count = counts[row.pk]
    return items, withdrawn


def _paper_section(request, page, papers, form=None):
    """What the reader may do about position papers: the form (with the organisations they speak
    for) or the reason there is none."""
    user = request.user
    if not page.accepts_position_papers or page.phase() != Phase.OPEN:
        return {"paper_form": None, "paper_refusal": None}
    voices = list(voice_organisations(user).order_by("name")) if user.is_authenticated else []
    refusal = services.paper_refusal(user, page, voices)
    if refusal is not None:
        return {"paper_form": None, "paper_refusal": {"code": refusal[0], "message": refusal[1]}}
    own = {paper.organisation_id: paper for paper in papers}
    if form is None:
        form = PositionPaperForm(organisations=voices, initial={"organisation": voices[0].pk}, auto_id="paper-%s")
    return {
        "paper_form": form,
        "paper_refusal": None,
        "own_papers": [own[org.pk] for org in voices if org.pk in own],
    }


def _with_organisations(page):
    """The page's municipality and responsible department in one query (the header and every
    permission check read them)."""
    found = Organisation.objects.in_bulk({page.municipality_id, page.responsible_id} - {None})
    page.municipality = found[page.municipality_id]
    if page.responsible_id in found:
        page.responsible = found[page.responsible_id]
    return page


def consultation_context(request, page, paper_form=None):
    page = _with_organisations(page)
    items, withdrawn = draft_items(page)
    papers = list(page.position_papers.select_related("organisation").order_by("organisation__name", "pk"))
    phase = page.phase()
    context = page_context(
        request,
        page,
        items=items,
        withdrawn=withdrawn,
        papers=papers,
        has_questions=bool(page.questions),
        questionnaire_open=phase in (Phase.UPCOMING, Phase.OPEN),
        **_paper_section(request, page, papers, paper_form),
    )
    services.remember_staff(page, request.user, context["is_staff"])
    return context


def consultation_page(request, page):
    response = TemplateResponse(request, TEMPLATE, consultation_context(request, page))
    if not request.user.is_authenticated:
        # Nothing personal for anonymous readers (no form, no token): counts may lag by CACHE_SECONDS
        # at most, and new comments, papers and publications clear the cache at once.
        cache_for_anonymous(response, CACHE_SECONDS)
    return response


# Position papers ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@rate_limited("consultations.paper")
def submit_paper(request, pk):
    page = live_page(ConsultationPage, pk)
    if request.method == "GET":
        # The form's address is also where the page's other forms return after a refused upload.
        return redirect(page.url + "#position-papers")
    voices = list(voice_organisations(request.user).order_by("name")) if request.user.is_authenticated else []
    form = PositionPaperForm(request.POST, request.FILES, organisations=voices, auto_id="paper-%s")
    refusal = services.paper_refusal(request.user, page, voices)
    if refusal is not None:
        refused = ParticipationRefused(*refusal)
        return render_refusal(request, refused, TEMPLATE, consultation_context(request, page))
    if not form.is_valid():
        return TemplateResponse(request, TEMPLATE, consultation_context(request, page, form), status=400)
    data = form.cleaned_data
    try:
        paper, replaced = services.submit_position_paper(
            request.user, page, data["organisation"], title=data["title"], summary=data["summary"], file=data["file"]
        )
    except ParticipationRefused as refused:
        form.add_error(None, refused.message)
        status = STATUS_FOR_CODE.get(refused.code, 400)
        return TemplateResponse(request, TEMPLATE, consultation_context(request, page, form), status=status)
    if replaced:
        messages.success(
            request,
            _("The position paper of %(organisation)s has been replaced by the new file.")
            % {"organisation": paper.organisation.name},
        )
    else:
        messages.success(
            request,
            _("The position paper of %(organisation)s is published.") % {"organisation": paper.organisation.name},
        )
    return redirect(f"{page.url}#paper-{paper.pk}")


@require_GET
def download_paper(request, pk):
    paper = PositionPaper.objects.select_related("page").filter(pk=pk).first()
    if paper is None or not paper.page.live or not paper.file:
        raise Http404
    try:
        return pdf_response(paper.file, paper.title)
    except OSError:
        raise Http404 from None


# One paragraph and its comments -------------------------------------------------------------------


def _paragraph_text(page, block_id):
    for found_id, _heading, text in services.draft_blocks(page):
        if found_id == block_id:
            return text
    return None


@require_GET
def paragraph_page(request, pk):
    paragraph = (
        Paragraph.objects.select_related("page", "page__municipality", "page__responsible").filter(pk=pk).first()
    )
    if paragraph is None or not paragraph.page.live:
        raise Http404
    page = paragraph.page
    neighbours = {}
    if not paragraph.withdrawn:
        neighbours = {
            row.number: row
            for row in Paragraph.objects.filter(
                page=page, withdrawn=False, number__in=[paragraph.number - 1, paragraph.number + 1]
            )
        }
    context = {
        "page": page,
        "phase": page.phase(),
        "paragraph": paragraph,
        "text": None if paragraph.withdrawn else _paragraph_text(page, paragraph.block_id),
        "previous": neighbours.get(paragraph.number - 1),
        "next": neighbours.get(paragraph.number + 1),
    }
    response = TemplateResponse(request, "consultations/paragraph.html", context)
    if not request.user.is_authenticated:
        cache_for_anonymous(response, CACHE_SECONDS)
    return response


urlpatterns = [
    path("paragraph/<int:pk>/", paragraph_page, name="paragraph"),
    path("consultation/<int:pk>/position-paper/", submit_paper, name="submit_paper"),
    path("paper/<int:pk>/download/", download_paper, name="paper_download"),
]
