from django.urls import path, re_path

from . import report_views, satisfaction_views, views

app_name = "desk"

urlpatterns = [
    path("", views.submit, name="submit"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("lookup/", views.lookup, name="lookup"),
    path("mine/", views.mine, name="mine"),
    path("inbox/", views.inbox_view, name="inbox"),
    path("inbox/assign/", views.inbox_assign_self, name="inbox_assign"),
    path("inbox/redirect/", views.inbox_bulk_redirect, name="inbox_redirect"),
    path("requests/<int:pk>/", views.detail, name="detail"),
    path("requests/<int:pk>/photo/", views.photo, name="photo"),
    path("requests/<int:pk>/attachments/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("requests/<int:pk>/answer/", views.answer, name="answer"),
    path("requests/<int:pk>/redirect/", views.redirect_to, name="redirect"),
    path("requests/<int:pk>/review/", views.review, name="review"),
    path("requests/<int:pk>/note/", views.note, name="note"),
    path("requests/<int:pk>/assign/", views.assign, name="assign"),
    path("requests/<int:pk>/close/", views.close, name="close"),
    path("requests/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("requests/<int:pk>/rate/", views.rate, name="rate"),
    path("rate/<int:content_type_id>/<int:object_id>/", satisfaction_views.rate_subject, name="rate_subject"),
    path("requests/<int:pk>/consent/", views.consent, name="consent"),
    path("requests/<int:pk>/publish/", views.publish, name="publish"),
    path("dashboard/", report_views.dashboard, name="dashboard"),
    path("dashboard/export.csv", report_views.dashboard_csv, name="dashboard_csv"),
    re_path(
        r"^dashboard/report/(?P<year>[0-9]{4})-(?P<month>[0-9]{2})/$",
        report_views.monthly_report,
        name="monthly_report",
    ),
    path("open-data/", report_views.open_data, name="open_data"),
    path("open-data/requests.csv", report_views.open_data_csv, name="open_data_csv"),
    path("open-data/requests.json", report_views.open_data_json, name="open_data_json"),
]
