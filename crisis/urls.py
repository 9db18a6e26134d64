from django.urls import path

from . import views

app_name = "crisis"

urlpatterns = [
    path("", views.crisis_page, name="toggle"),
]
