from django.urls import path

from . import views

app_name = "questionnaires"

urlpatterns = [
    path("<int:content_type_id>/<int:object_id>/respond/", views.respond, name="respond"),
    path("<int:content_type_id>/<int:object_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:content_type_id>/<int:object_id>/results/", views.results_page, name="results"),
    path("<int:content_type_id>/<int:object_id>/results.csv", views.results_csv, name="results_csv"),
    path("<int:content_type_id>/<int:object_id>/responses.csv", views.responses_csv, name="responses_csv"),
]
