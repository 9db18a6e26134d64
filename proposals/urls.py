from django.urls import path

from . import exports, views

app_name = "proposals"

urlpatterns = [
    path("awaiting-answer/", views.awaiting_answer, name="awaiting"),
    path("spaces/<int:space_pk>/new/", views.create, name="create"),
    path("spaces/<int:space_pk>/similar/", views.similar, name="similar"),
    path("spaces/<int:space_pk>/export.csv", exports.space_csv, name="export_csv"),
    path("spaces/<int:space_pk>/export.json", exports.space_json, name="export_json"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/support/", views.support, name="support"),
    path("<int:pk>/unsupport/", views.unsupport, name="unsupport"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/moderate/", views.moderate, name="moderate"),
    path("<int:pk>/merge/", views.merge, name="merge"),
]
