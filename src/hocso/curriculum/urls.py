from django.urls import path

from . import views

app_name = "curriculum"
urlpatterns = [
    path("curriculum/", views.index, name="index"),
    path("curriculum/subjects/add/", views.subject_create, name="subject_create"),
    path("curriculum/<int:grade>/add/", views.grade_subject_add, name="grade_subject_add"),
    path(
        "curriculum/<int:grade>/<str:code>/",
        views.grade_subject_edit,
        name="grade_subject_edit",
    ),
]
