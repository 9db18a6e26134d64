"""Use cases of participation pages, one module per level (information, consultation, dialogue,
partnership) plus outcomes. Each raises `ParticipationRefused` with a code and a translated message;
views map the code to a status with `STATUS_FOR_CODE`."""


class ParticipationRefused(Exception):
    """Codes: ``invalid``, ``too_long`` (400); ``login_required``, ``unconfirmed``, ``forbidden``,
    ``closed``, ``not_approved``, ``not_member`` (403); ``not_found`` (404); ``already_done``,
    ``bad_state`` (409); ``rate_limited`` (429)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


STATUS_FOR_CODE = {
    "invalid": 400,
    "too_long": 400,
    "login_required": 403,
    "unconfirmed": 403,
    "forbidden": 403,
    "closed": 403,
    "not_approved": 403,
    "not_member": 403,
    "not_found": 404,
    "already_done": 409,
    "bad_state": 409,
    "rate_limited": 429,
}


def require_answer_allowed(user, page):
    """During crisis mode official answers go through the communications office (crisis app)."""
    from crisis.services import answer_refusal

    message = answer_refusal(user, page)
    if message:
        raise ParticipationRefused("forbidden", message)


def require(refusal):
    """Raise the (code, message) pair from a rules helper, if any."""
    if refusal:
        raise ParticipationRefused(*refusal)
