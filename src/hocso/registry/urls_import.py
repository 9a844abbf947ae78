"""URLs of the import and export pages, included by registry/urls.py under the "registry" namespace."""

from django.urls import path

from . import views_import

urlpatterns = [
    path("import/", views_import.import_upload, name="import"),
    path("import/jobs/<int:pk>/", views_import.import_job, name="import_job"),
    path("import/jobs/<int:pk>/status/", views_import.import_job_status, name="import_job_status"),
    path(
        "import/jobs/<int:pk>/errors.xlsx", views_import.import_job_errors, name="import_job_errors"
    ),
    path("import/template/<str:kind>.xlsx", views_import.import_template, name="import_template"),
    path("schools/<str:code>/export/", views_import.export_download, name="export"),
]
