"""``{% load comments_tags %}{% comment_thread target %}`` renders a target's whole comment section:
heading with the count, sort links, the form (or why the reader may not comment) and the thread.

Arguments: ``request=`` (default: the context's request) and ``prefix=`` for pages with several
threads (paragraph comments): it prefixes the ids of the section and of the form.
"""

from django import template
from django.http import QueryDict
from django.urls import reverse

from meydan.accounts.rules import voice_organisations

from .. import threads
from ..forms import CommentForm

register = template.Library()


def _query(params, **changes):
    query = params.copy() if params is not None else QueryDict(mutable=True)
    query._mutable = True
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


def _int_or_none(value):
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 19 else None


@register.inclusion_tag("comments/thread.html", takes_context=True)
def comment_thread(context, target, request=None, prefix=""):
    request = request or context.get("request")
    user = request.user
    sort = threads.sort_of(request.GET.get(threads.SORT_PARAM))
    reply_to = _int_or_none(request.GET.get(threads.REPLY_PARAM))
    thread = threads.build(target, user, sort=sort, reply_to=reply_to)

    anchor = f"{prefix}comments"
    base_query = _query(request.GET, **{threads.REPLY_PARAM: None})
    # Where every form sends the reader back to: this page, without the reply choice.
    next_url = request.path + (f"?{base_query}" if base_query else "") + f"#{anchor}"
    voices = voice_organisations(user) if thread["registration"].organisation_voice and thread["can_comment"] else ()
    form = CommentForm(
        organisations=list(voices),
        auto_id=f"{prefix}comment-%s",
        initial={"parent": thread["reply_to"].pk if thread["reply_to"] else None, "next": next_url},
    )
    sort_options = [
        {
            "key": key,
            "label": label,
            "current": key == sort,
            "url": "?" + _query(request.GET, **{threads.SORT_PARAM: key, threads.REPLY_PARAM: None}) + f"#{anchor}",
        }
        for key, (label, _order) in threads.SORTS.items()
    ]
    # The stylesheet once per page, however many threads it shows.
    stylesheet = not getattr(request, "_comments_stylesheet", False)
    request._comments_stylesheet = True
    return {
        **thread,
        "request": request,
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "prefix": prefix,
        "anchor": anchor,
        "form": form,
        "post_url": reverse("comments:post", args=[thread["content_type_id"], thread["object_id"]]),
        "next_url": next_url,
        "next_query": _query(None, next=next_url),
        "reply_query": base_query + "&" if base_query else "",
        "cancel_reply_url": f"?{base_query}#{prefix}comment-form",
        "login_url": reverse("accounts:login") + "?" + _query(None, next=next_url),
        "sort_options": sort_options,
        "stylesheet": stylesheet,
    }
