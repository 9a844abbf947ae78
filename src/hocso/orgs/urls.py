from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("orgs/", views.tree, name="tree"),
    path("schools/<str:code>/", views.school, name="school"),
]
