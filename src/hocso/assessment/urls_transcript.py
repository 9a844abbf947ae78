"""Pages of the electronic transcript (views_transcript.py), in their own namespace so they do
not depend on the grade book pages' URL module."""

from django.urls import path, re_path

from . import views_transcript as views

app_name = "transcripts"

_YEAR = "students/<int:pk>/transcripts/<str:year>"

urlpatterns = [
    path("students/<int:pk>/transcripts/", views.student_transcripts, name="index"),
    path(_YEAR + ".pdf", views.transcript_pdf, name="pdf"),
    path(_YEAR + "/", views.transcript_page, name="page"),
    path(_YEAR + "/issue/", views.transcript_issue_view, name="issue"),
    path(_YEAR + "/share/", views.transcript_share_view, name="share"),
    path(
        "classes/<int:pk>/transcripts/issue/", views.transcript_issue_class_view, name="issue_class"
    ),
    path("my/transcripts/", views.my_transcripts, name="mine"),
    path("verify/", views.verify_form, name="verify_form"),
    # /verify/<code> is printed in the QR code; a trailing slash is accepted too.
    re_path(r"^verify/(?P<code>[^/]{1,64})/?$", views.verify, name="verify"),
]
