from django.urls import path

from . import exports

app_name = "proposals_api"

urlpatterns = [
    path("proposals/", exports.api_list, name="list"),
    path("proposals/<int:pk>/", exports.api_detail, name="detail"),
]
