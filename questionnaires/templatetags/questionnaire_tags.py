"""``{% load questionnaire_tags %}``

``{% questionnaire_form host request %}`` renders the questionnaire a host holds: one fieldset per
question, prefilled with the reader's answer, the "on behalf of" choice for administrators of verified
organisations, or the reason there is no form (closed, log in first). ``{% questionnaire_results host
request %}`` renders the charts and tables (and the written answers for those the host lets read them).

Options: ``subject=`` (one answer per person per subject, see hosts.py), ``prefix=`` for pages with
several questionnaires (it prefixes every id), ``heading=`` for the section's heading.
"""

from django import template

from .. import rendering

register = template.Library()


def _stylesheet(request):
    """True the first time a page asks: the stylesheet link goes out once however many sections."""
    first = not getattr(request, "_questionnaire_stylesheet", False)
    request._questionnaire_stylesheet = True
    return first


@register.inclusion_tag("questionnaires/includes/form_tag.html", takes_context=True)
def questionnaire_form(context, host, request=None, subject="", prefix="", heading=""):
    request = request or context.get("request")
    return {
        **rendering.form_context(request, host, subject=subject, prefix=prefix),
        "heading": heading,
        "csrf_token": context.get("csrf_token"),
        "stylesheet": _stylesheet(request),
    }


@register.inclusion_tag("questionnaires/includes/results_tag.html", takes_context=True)
def questionnaire_results(context, host, request=None, subject=None, prefix="", heading=""):
    request = request or context.get("request")
    return {
        **rendering.results_context(request, host, subject=subject),
        "prefix": prefix,
        "heading": heading,
        "stylesheet": _stylesheet(request),
    }
