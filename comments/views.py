"""HTML views for comments. They work without JavaScript: every write is a form post. Success
redirects back to the target's page (to `next` when it is a safe local address) with a message; a
refusal cannot ride on a redirect, so it gets a small page of its own with the message, the text the
person wrote (to send again) and a 4xx status."""

from urllib.parse import urlsplit, urlunsplit

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from meydan.accounts.rules import voice_organisations
from meydan.ratelimit import rate_limited

from . import services, targets
from .forms import CommentForm, EditForm, FlagForm, HideForm
from .models import Comment
from .services import CommentRefused

STATUS_FOR_CODE = {
    "invalid": 400,
    "too_long": 400,
    "login_required": 403,
    "forbidden": 403,
    "own_comment": 403,
    "edit_window": 403,
    "not_found": 404,
    "already_liked": 409,
    "not_liked": 409,
    "already_flagged": 409,
    "already_deleted": 409,
    "already_hidden": 409,
    "bad_state": 409,
    "rate_limited": 429,
}


# Helpers ---------------------------------------------------------------------------------------


def _safe_next(request, default):
    """`next` from the form or the query string if it stays on this site; otherwise `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _anchored(url, anchor):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=anchor))


def _comment_and_target(pk):
    """The comment and its target; 404 when either is gone or the target model is not registered."""
    comment = get_object_or_404(Comment.objects.select_related("author"), pk=pk)
    target = comment.target
    if target is None or not targets.is_registered(type(target)):
        return comment, None
    return comment, target


def _back(request, target):
    return _safe_next(request, targets.url_of(target) if target is not None else "/")


def _refused(request, refused, *, back, form=None, action=None, submit_label=None, text=None):
    status = STATUS_FOR_CODE.get(refused.code, 400)
    context = {
        "message": refused.message,
        "code": refused.code,
        "back": back,
        "form": form,
        "action": action,
        "submit_label": submit_label,
        # Without a form to send again, the text is still shown for copying.
        "text": text if form is None else None,
        "login_url": f"{reverse('accounts:login')}?{_login_query(back)}" if refused.code == "login_required" else None,
    }
    return TemplateResponse(request, "comments/refused.html", context, status=status)


def _login_query(back):
    query = QueryDict(mutable=True)
    query["next"] = back
    return query.urlencode()


def _form_refusal(form):
    """The first error of an invalid form, as a refusal with the form's own (translated) message."""
    errors = form.errors.as_data()
    first = next(iter(errors.values()))[0]
    code = "too_long" if first.code == "max_length" else "invalid"
    return CommentRefused(code, " ".join(first.messages))


def _not_found():
    return CommentRefused("not_found", _("This comment no longer exists."))


# Writing ---------------------------------------------------------------------------------------


def _comment_form(request, registration):
    organisations = voice_organisations(request.user) if registration.organisation_voice else ()
    return CommentForm(request.POST, organisations=list(organisations))


@require_POST
@rate_limited("comments.post")
def post_comment(request, content_type_id, object_id):
    action = request.path
    try:
        registration, target = targets.resolve(content_type_id, object_id)
    except targets.UnknownTarget:
        return _refused(
            request,
            CommentRefused("not_found", _("There is nothing to comment on here.")),
            back=_safe_next(request, "/"),
            text=request.POST.get("text", ""),
        )
    back = _back(request, target)
    try:
        services.require_commenter(request.user, target)
    except CommentRefused as refused:
        return _refused(request, refused, back=back, text=request.POST.get("text", ""))
    form = _comment_form(request, registration)
    retry = {"form": form, "action": action, "submit_label": _("Publish comment")}
    if not form.is_valid():
        return _refused(request, _form_refusal(form), back=back, **retry)
    data = form.cleaned_data
    # Without the field in the form the value is still passed on, so that the service refuses it aloud.
    voice = data.get("organisation") if "organisation" in form.fields else request.POST.get("organisation")
    try:
        comment = services.post_comment(
            request.user, target, data["text"], data["alignment"], data.get("parent"), organisation_id=voice
        )
    except CommentRefused as refused:
        return _refused(request, refused, back=back, **retry)
    messages.success(request, _("Your comment has been published."))
    return redirect(_anchored(back, f"comment-{comment.pk}"))


@require_http_methods(["GET", "POST"])
@rate_limited("comments.edit")
def edit_comment(request, pk):
    comment, target = _comment_and_target(pk)
    if target is None:
        return _refused(request, _not_found(), back=_safe_next(request, "/"), text=request.POST.get("text"))
    back = _back(request, target)
    if request.method == "GET":
        try:
            services.require_editable(request.user, comment)
        except CommentRefused as refused:
            return _refused(request, refused, back=back)
        form = EditForm(initial={"text": comment.text, "alignment": comment.alignment, "next": back})
        return TemplateResponse(request, "comments/edit.html", {"form": form, "comment": comment, "back": back})
    try:
        services.require_editable(request.user, comment)
    except CommentRefused as refused:
        return _refused(request, refused, back=back, text=request.POST.get("text", ""))
    form = EditForm(request.POST)
    retry = {"form": form, "action": request.path, "submit_label": _("Save changes")}
    if not form.is_valid():
        return _refused(request, _form_refusal(form), back=back, **retry)
    try:
        services.edit_comment(request.user, comment, form.cleaned_data["text"], form.cleaned_data["alignment"])
    except CommentRefused as refused:
        return _refused(request, refused, back=back, **retry)
    messages.success(request, _("Your comment has been changed."))
    return redirect(_anchored(back, f"comment-{comment.pk}"))


@require_POST
@rate_limited("comments.delete")
def delete_comment(request, pk):
    comment, target = _comment_and_target(pk)
    if target is None:
        return _refused(request, _not_found(), back=_safe_next(request, "/"))
    back = _back(request, target)
    try:
        services.delete_comment(request.user, comment)
    except CommentRefused as refused:
        return _refused(request, refused, back=back)
    messages.success(request, _("The comment has been deleted."))
    return redirect(_anchored(back, f"comment-{comment.pk}"))


@require_POST
@rate_limited("comments.like")
def like_comment(request, pk):
    return _like(request, pk, services.like_comment, _("You like this comment."))


@require_POST
@rate_limited("comments.like")
def unlike_comment(request, pk):
    return _like(request, pk, services.unlike_comment, _("You no longer like this comment."))


def _like(request, pk, service, success):
    comment, target = _comment_and_target(pk)
    if target is None:
        return _refused(request, _not_found(), back=_safe_next(request, "/"))
    back = _back(request, target)
    try:
        service(request.user, comment)
    except CommentRefused as refused:
        return _refused(request, refused, back=back)
    messages.success(request, success)
    return redirect(_anchored(back, f"comment-{comment.pk}"))


def _form_action(request, pk, *, check, form_class, template, submit_label, act, success, anchor=True):
    """A GET form and its POST for an action that needs a reason (flag, hide): the permission is
    checked before the form is shown and again before it is acted on."""
    comment, target = _comment_and_target(pk)
    if target is None:
        return _refused(request, _not_found(), back=_safe_next(request, "/"))
    back = _back(request, target)
    try:
        check(request.user, comment)
    except CommentRefused as refused:
        return _refused(request, refused, back=back)
    if request.method == "GET":
        form = form_class(initial={"next": back})
        return TemplateResponse(request, template, {"form": form, "comment": comment, "back": back})
    form = form_class(request.POST)
    retry = {"form": form, "action": request.path, "submit_label": submit_label}
    if not form.is_valid():
        return _refused(request, _form_refusal(form), back=back, **retry)
    try:
        act(request.user, comment, form.cleaned_data)
    except CommentRefused as refused:
        return _refused(request, refused, back=back, **retry)
    messages.success(request, success)
    return redirect(_anchored(back, f"comment-{comment.pk}") if anchor else back)


@require_http_methods(["GET", "POST"])
@rate_limited("comments.flag")
def flag_comment(request, pk):
    return _form_action(
        request, pk, check=services.require_flaggable, form_class=FlagForm, template="comments/flag.html",
        submit_label=_("Send the report"),
        act=lambda user, comment, data: services.flag_comment(user, comment, data["reason"], data["text"]),
        success=_("Thank you. The moderators will look at the comment."),
    )


@require_http_methods(["GET", "POST"])
@rate_limited("moderation.staff")
def hide_comment(request, pk):
    return _form_action(
        request, pk, check=services.require_moderator, form_class=HideForm, template="comments/hide.html",
        submit_label=_("Hide the comment"),
        act=lambda user, comment, data: services.hide_comment(user, comment, data["reason"], data["rule"]),
        success=_("The comment is hidden; its author sees your reason."), anchor=False,
    )
