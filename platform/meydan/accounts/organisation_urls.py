from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("apply/", views.apply_for_ngo, name="apply"),
    path("<str:slug>/", views.organisation_detail, name="detail"),
]
