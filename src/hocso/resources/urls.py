from django.urls import path  # noqa: F401  (filled by the pages as they land)

from . import views, views_coverage, views_library, views_play

app_name = "resources"

urlpatterns: list = []
urlpatterns += views_coverage.urlpatterns
urlpatterns += views.urlpatterns
urlpatterns += views_library.urlpatterns
urlpatterns += views_play.urlpatterns
