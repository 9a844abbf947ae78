from django.urls import path  # noqa: F401  (filled by the pages as they land)

app_name = "resources"

urlpatterns: list = []
