"""Contexts for the questionnaire form and the results, shared by the template tags and the views
(the page that shows the form again after an error uses the same markup as the host's page)."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from meydan import charts
from meydan.sanitize import render_plain

from . import answers as answer_parser
from . import hosts, results, services
from .services import ResponseRefused

FREE_TEXTS_SHOWN = 200


def host_args(host):
    return [hosts.content_type_of(host).pk, host.pk]


def _choices(question, chosen, dom):
    return [
        {"key": key, "label": label, "checked": key in chosen, "id": f"{dom}-{index}"}
        for index, (key, label) in enumerate(question.options)
    ]


def _question_view(question, state, errors, prefix):
    dom = f"{prefix}q-{question.id}"
    view = {
        "q": question,
        "name": f"{answer_parser.PREFIX}{question.id}",
        "dom": dom,
        "errors": errors.get(question.id, []),
    }
    if question.kind == "free_text":
        view["text"] = state
    elif question.kind == "ranking":
        view["positions"] = [str(n) for n in range(1, len(question.options) + 1)]
        view["items"] = [
            {
                "label": label,
                "name": f"{answer_parser.PREFIX}{question.id}-{key}",
                "id": f"{dom}-{index}",
                "position": state.get(key, ""),
            }
            for index, (key, label) in enumerate(question.options)
        ]
    else:
        view["choices"] = _choices(question, state, dom)
    return view


def form_context(request, host, *, subject="", prefix="", data=None, errors=None, next_url=None):
    """Everything questionnaires/includes/form.html needs. `data` and `errors` come from a refused
    post (the person's input is shown again); otherwise the stored answer prefills the form."""
    registration = hosts.for_object(host)
    user = request.user
    questions = registration.questions(host)
    refusal = None
    try:
        services.require_respondent(user, host, subject)
    except ResponseRefused as refused:
        refusal = refused
    existing = services.existing_response(user, host, subject)
    state = answer_parser.form_state(questions, answers=existing.answers if existing else None, data=data)
    errors = errors or {}
    organisations = list(services.organisations_for(user)) if refusal is None else []
    if data is not None:
        chosen_org = data.get("organisation", "")
    else:
        chosen_org = str(existing.organisation_id) if existing and existing.organisation_id else ""
    back = next_url or request.get_full_path()
    args = host_args(host)
    return {
        "host": host,
        "questions": [_question_view(question, state[question.id], errors, prefix) for question in questions],
        "general_errors": errors.get("", []),
        "error_count": sum(len(messages) for messages in errors.values()),
        "refusal": refusal,
        "login_url": reverse("accounts:login") + "?" + urlencode({"next": back}),
        "existing": existing,
        "organisations": [
            {"pk": str(org.pk), "name": org.name, "selected": str(org.pk) == chosen_org} for org in organisations
        ],
        "subject": subject,
        "prefix": prefix,
        "next_url": back,
        "respond_url": reverse("questionnaires:respond", args=args),
        "withdraw_url": reverse("questionnaires:withdraw", args=args),
        "can_view_results": registration.can_view_results(user, host),
        "results_url": reverse("questionnaires:results", args=args),
    }


def _choice_chart(result, question):
    items = [(option["label"], option["count"]) for option in result["options"]]
    return charts.bars(
        items,
        title=_("%(number)s. %(question)s") % {"number": question.number, "question": question.text},
        total=result["answered"],
        label_heading=_("Option"),
        value_heading=_("Answers (share)"),
        description=_("%(count)s people answered.") % {"count": result["answered"]},
    )


def _likert_chart(result, question):
    return charts.diverging(
        [(question.text, result["levels"])],
        levels=[label for _key, label in question.options],
        title=_("%(number)s. %(question)s") % {"number": question.number, "question": question.text},
        label_heading=_("Statement"),
    )


def _ranking_chart(result, question):
    return charts.bars(
        [(item["label"], item["first_place"]) for item in result["items"]],
        title=_("%(number)s. %(question)s: how often each item was ranked first")
        % {"number": question.number, "question": question.text},
        total=result["answered"],
        label_heading=_("Item"),
        value_heading=_("Ranked first (share)"),
    )


CHARTS = {
    "single_choice": _choice_chart,
    "multiple_choice": _choice_chart,
    "likert": _likert_chart,
    "ranking": _ranking_chart,
}


def results_context(request, host, *, subject=None):
    """Everything questionnaires/includes/results.html needs, or {"allowed": False}."""
    registration = hosts.for_object(host)
    user = request.user
    args = host_args(host)
    if not registration.can_view_results(user, host):
        return {"allowed": False}
    computed = results.compute(host, subject=subject)
    show_texts = bool(registration.can_view_free_text(user, host))
    texts = results.collect_free_texts(host, subject=subject) if show_texts else {}
    sections = []
    for result in computed["questions"]:
        question = result["question"]
        chart = CHARTS.get(question.kind)
        all_texts = texts.get(question.id, [])
        sections.append(
            {
                **result,
                "chart": chart(result, question) if chart else "",
                "texts": [{**entry, "html": render_plain(entry["text"])} for entry in all_texts[:FREE_TEXTS_SHOWN]],
                "more_texts": max(len(all_texts) - FREE_TEXTS_SHOWN, 0),
            }
        )
    return {
        "allowed": True,
        "host": host,
        "total": computed["total"],
        "organisations": computed["organisations"],
        "sections": sections,
        "show_texts": show_texts,
        "results_csv_url": reverse("questionnaires:results_csv", args=args),
        "responses_csv_url": reverse("questionnaires:responses_csv", args=args) if show_texts else None,
    }
