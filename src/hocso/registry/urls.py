from django.urls import path

from . import views, views_transfer
from .urls_import import urlpatterns as import_patterns
from .views_attendance import urlpatterns as attendance_patterns

app_name = "registry"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("classes/<int:pk>/", views.class_detail, name="class"),
    path("students/<int:pk>/", views.student_detail, name="student"),
    path("students/<int:pk>/edit/", views.student_edit, name="student_edit"),
    path("students/<int:pk>/transfer/", views.student_transfer, name="student_transfer"),
    path("students/<int:pk>/transfer/classes/", views.transfer_classes, name="transfer_classes"),
    path("students/<int:pk>/leave/", views.student_leave, name="student_leave"),
    path("schools/<str:code>/students/new/", views.student_create, name="student_create"),
    path("staff/<int:pk>/", views.staff_detail, name="staff"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("schools/<str:code>/staff/new/", views.staff_create, name="staff_create"),
    path("schools/<str:code>/classes/new/", views.class_create, name="class_create"),
    path("schools/<str:code>/rooms/new/", views.room_create, name="room_create"),
    path("schools/<str:code>/equipment/new/", views.equipment_create, name="equipment_create"),
    path("equipment/<int:pk>/edit/", views.equipment_edit, name="equipment_edit"),
    path("schools/<str:code>/transfer-in/", views_transfer.transfer_in, name="transfer_in"),
]
# The import and export pages (views_import.py) are part of the same namespace.
urlpatterns += import_patterns
# The attendance pages (views_attendance.py): the day's roll call and the month grid.
urlpatterns += attendance_patterns
