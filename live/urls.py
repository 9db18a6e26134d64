from django.urls import path

from . import views

app_name = "live"

urlpatterns = [
    path("sessions/<int:pk>/comments/", views.post_comment, name="post_comment"),
    path("sessions/<int:pk>/console/", views.console, name="console"),
    path("sessions/<int:pk>/console/<slug:action>/", views.console_action, name="console_action"),
    path("polls/<int:pk>/answer/", views.answer_poll, name="answer_poll"),
]
