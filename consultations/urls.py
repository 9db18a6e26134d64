from .views import consultation, dialogue, information, organisations, outcomes, partnership

app_name = "consultations"

urlpatterns = [
    *information.urlpatterns,
    *consultation.urlpatterns,
    *dialogue.urlpatterns,
    *partnership.urlpatterns,
    *organisations.urlpatterns,
    *outcomes.urlpatterns,
]
