"""The policy table covers every relation to the user model, so no new model can be forgotten by export
or erasure: adding a foreign key to the user without a policy entry fails this test."""

from django.apps import apps
from django.db import models

from meydan.privacy.erasure import HANDLERS
from meydan.privacy.policy import POLICY, UNLINK, installed_policy, user_relations


def test_every_relation_to_the_user_model_has_a_policy_entry():
    missing = sorted(set(user_relations()) - set(POLICY))
    assert not missing, (
        "Add these relations to meydan/privacy/policy.py (what the export includes, what erasure does): "
        + ", ".join(missing)
    )


def test_the_walk_sees_wagtails_and_djangos_own_relations_and_the_apps_being_built():
    relations = user_relations()
    for key in (
        "wagtailcore.Revision.user",
        "wagtailcore.PageLogEntry.user",
        "wagtailcore.ModelLogEntry.user",
        "wagtailcore.Page.owner",
        "wagtailusers.UserProfile.user",
        "accounts.Membership.user",
        "desk.Request.requester",
        "questionnaires.Response.respondent",
        "consultations.Question.author",
    ):
        assert key in relations, key
    # Page types inherit owner/locked_by from Wagtail's Page: one entry covers them all.
    assert not any(key.startswith("proposals.ProposalSpacePage.") for key in relations)


def test_no_entry_names_a_relation_that_does_not_exist_in_an_installed_app():
    relations = user_relations()
    stale = [key for key in POLICY if _app_installed(key) and key not in relations]
    assert not stale, stale


def _app_installed(key):
    label = key.split(".")[0]
    return any(config.label == label for config in apps.get_app_configs())


def test_every_entry_exports_real_fields_and_uses_a_known_action():
    for key, model, field, rule in installed_policy():
        names = {f.name for f in model._meta.concrete_fields}
        assert set(rule.export) <= names, (key, set(rule.export) - names)
        assert rule.keep in HANDLERS and rule.remove in HANDLERS, key
        if UNLINK in (rule.keep, rule.remove):
            assert field.null, f"{key} cannot be set to NULL"
        assert rule.reason, key


def test_exports_never_include_other_peoples_password_or_e_mail_through_a_relation():
    for key, model, field, rule in installed_policy():
        for name in rule.export:
            target = model._meta.get_field(name)
            # Foreign keys are exported as ids only; a user foreign key other than the person's own
            # link would name someone else.
            if isinstance(target, models.ForeignKey) and target.related_model is field.related_model:
                assert name == field.name, (key, name)
