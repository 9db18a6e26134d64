from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.notice, name="notice"),
    path("accounts/privacy/export/", views.export, name="export"),
    path("accounts/privacy/erase/", views.erase, name="erase"),
    path("accounts/privacy/erased/", views.erased, name="erased"),
]
