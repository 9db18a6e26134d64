from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("guidelines/", views.guidelines_page, name="guidelines"),
    path("log/", views.log, name="log"),
    path("queue/", views.queue_page, name="queue"),
    path("hide/<int:content_type_id>/<int:object_id>/", views.hide, name="hide"),
    path("restore/<int:content_type_id>/<int:object_id>/", views.restore, name="restore"),
    path("dismiss/<int:content_type_id>/<int:object_id>/", views.dismiss, name="dismiss"),
    path("report/<str:key>/<int:object_id>/", views.report, name="report"),
    path("content/<str:key>/<int:object_id>/", views.content_actions, name="content"),
    path("decisions/<int:pk>/", views.action_page, name="action"),
    path("decisions/<int:pk>/appeal/", views.appeal_create, name="appeal_create"),
    path("appeals/<int:pk>/", views.appeal_decide, name="appeal"),
    path("accounts/<int:pk>/", views.account, name="account"),
]
