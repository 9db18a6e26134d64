"""Comments on anything an app registers: proposals now, consultation paragraphs later.

Public API for other apps:

- ``comments.targets.register(Model, can_comment=..., can_moderate=..., topic=...)`` from the app's
  AppConfig.ready(): which models may carry comments, who may write and moderate, and the live topic
  their events go to. Unregistered models are refused.
- ``comments.services``: one function per use case (post, edit, delete, like, unlike, flag, hide);
  each checks permissions and raises ``CommentRefused(code, message)``.
- ``{% load comments_tags %}{% comment_thread target %}``: the thread with its form, for a page.
"""
