"""Websocket actions and the `session` topic, wired to the same services as the HTML views."""

from django.utils.translation import gettext as _

from . import topics
from .actions import Refused, action
from .models import CouncilSessionPage
from .rules import can_view_session
from .services import answer_poll, comment_payload, post_comment


def can_follow_session(user, session_id):
    session = CouncilSessionPage.objects.filter(pk=session_id).first()
    return session is not None and can_view_session(user, session)


def _visible_session(user, session_id):
    session = CouncilSessionPage.objects.filter(pk=session_id).select_related("municipality").first()
    if session is None or not can_view_session(user, session):
        raise Refused("not_found", _("There is no such session."))
    return session


@action("comment.post", fields={"session": int, "text": str, "parent": int}, optional=("parent",))
def post_comment_action(user, data):
    session = _visible_session(user, data["session"])
    comment = post_comment(user, session, data["text"], data.get("parent"))
    return comment_payload(comment)


@action("poll.answer", fields={"poll": int, "option": int})
def answer_poll_action(user, data):
    answer = answer_poll(user, data["poll"], data["option"])
    return {"poll": answer.poll_id, "option": answer.option_id}


def poll_snapshot(session_id):
    from .models import Poll
    from .services import poll_results

    polls = Poll.objects.filter(session_id=session_id, status=Poll.Status.OPEN).values_list("pk", flat=True)
    return [{"event": "poll.results", "key": pk, "data": poll_results(pk)} for pk in polls]


def register():
    topics.register("session", can_follow_session, snapshot=poll_snapshot)


def can_rate_session(user, session, browser_session=None):
    """Anyone who may take part rates an ended session once."""
    from meydan.accounts.rules import account_refusal

    refusal = account_refusal(user)
    if refusal:
        return False, refusal[1]
    if session.status != session.Status.ENDED:
        return False, _("You can rate the session after it ends.")
    return True, None


def register_satisfaction():
    from desk import satisfaction

    satisfaction.register(CouncilSessionPage, can_rate_session)
