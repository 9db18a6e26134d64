from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("<int:content_type_id>/<int:object_id>/post/", views.post_comment, name="post"),
    path("<int:pk>/edit/", views.edit_comment, name="edit"),
    path("<int:pk>/delete/", views.delete_comment, name="delete"),
    path("<int:pk>/like/", views.like_comment, name="like"),
    path("<int:pk>/unlike/", views.unlike_comment, name="unlike"),
    path("<int:pk>/flag/", views.flag_comment, name="flag"),
    path("<int:pk>/hide/", views.hide_comment, name="hide"),
]
