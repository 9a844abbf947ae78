"""Exam pages: staff pages under /exams/, the learner's under /my-exams/."""

from . import views_analysis, views_results, views_sessions, views_take

app_name = "exams"

urlpatterns = [
    *views_sessions.urlpatterns,
    *views_results.urlpatterns,
    *views_analysis.urlpatterns,
    *views_take.urlpatterns,
]
