from django.urls import path

from .views import theme_css

urlpatterns = [path("theme.css", theme_css, name="theme_css")]
