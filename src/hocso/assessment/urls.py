"""Pages of the assessment app: grade books, their workflow, conduct, a learner's grades, and the
results summaries of a class, a school and an area."""

from django.urls import path

from . import views_gradebook as gradebook
from . import views_primary as primary
from . import views_summary as summary

app_name = "assessment"

_BOOK = "classes/<int:pk>/gradebook/<str:subject_code>/<int:term>/"
_PRIMARY = "classes/<int:pk>/primary/<int:term>/<str:stage>/"

urlpatterns = [
    path("classes/<int:pk>/gradebook/", gradebook.gradebook_index, name="gradebook_index"),
    path(
        "classes/<int:pk>/gradebook/workflow/<int:term>/<str:action>/",
        gradebook.gradebook_workflow,
        name="gradebook_workflow",
    ),
    path(_BOOK, gradebook.gradebook_sheet, name="gradebook"),
    path(_BOOK + "save/", gradebook.gradebook_save, name="gradebook_save"),
    path(_BOOK + "history/", gradebook.gradebook_history, name="gradebook_history"),
    path(_BOOK + "export.xlsx", gradebook.gradebook_export, name="gradebook_export"),
    path(_BOOK + "import/", gradebook.gradebook_import, name="gradebook_import"),
    path("classes/<int:pk>/conduct/<int:term>/", gradebook.conduct, name="conduct"),
    path("my/grades/", gradebook.my_grades, name="my_grades"),
    path(_PRIMARY, primary.primary_sheet, name="primary_sheet"),
    path(_PRIMARY + "save/", primary.primary_save, name="primary_save"),
    path(_PRIMARY + "export.xlsx", primary.primary_export, name="primary_export"),
    path(_PRIMARY + "import/", primary.primary_import, name="primary_import"),
    path(_PRIMARY + "history/", primary.primary_history, name="primary_history"),
    path("classes/<int:pk>/results/", summary.class_results, name="class_results"),
    path(
        "classes/<int:pk>/results/export.xlsx",
        summary.class_results_export,
        name="class_results_export",
    ),
    path("schools/<int:pk>/results/", summary.school_results, name="school_results"),
    path(
        "schools/<int:pk>/results/export.xlsx",
        summary.school_results_export,
        name="school_results_export",
    ),
    path("schools/<int:pk>/results/compute/", summary.results_compute, name="results_compute"),
    path("orgs/<int:pk>/results/", summary.area_results, name="area_results"),
    path(
        "orgs/<int:pk>/results/export.xlsx", summary.area_results_export, name="area_results_export"
    ),
]
