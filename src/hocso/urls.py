from django.contrib import admin
from django.urls import include, path

from hocso.api import api
from hocso.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("hocso.accounts.urls")),
    path("", include("hocso.orgs.urls")),
    path("", include("hocso.registry.urls")),
    path("", include("hocso.assessment.urls")),
    path("", include("hocso.assessment.urls_transcript")),
    path("", include("hocso.curriculum.urls")),
    path("", include("hocso.questions.urls")),
    path("", include("hocso.exams.urls")),
    path("", include("hocso.resources.urls")),
    path("monitoring/", include("hocso.monitoring.urls")),
]
