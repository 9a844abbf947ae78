"""Pages of the assessment app: grade books, their workflow, conduct, and a learner's grades."""

from django.urls import path

from . import views_gradebook as gradebook

app_name = "assessment"

_BOOK = "classes/<int:pk>/gradebook/<str:subject_code>/<int:term>/"

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
]
