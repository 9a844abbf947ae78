"""`hocso exams submit-expired`: submits the attempts whose time and grace are over, once."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from hocso.exams.models import Attempt, AttemptStatus, SubmittedHow

from .delivery_setup import start


def opened_two_hours_ago(exam):
    exam.session.opens_at = timezone.now() - timedelta(hours=2)
    exam.session.save(update_fields=["opens_at"])


def test_submit_expired_submits_only_attempts_past_their_grace(exam):
    opened_two_hours_ago(exam)
    start(exam, 0, now=timezone.now() - timedelta(hours=1))  # 45 minutes, long over
    start(exam, 1)  # just started
    out = StringIO()
    call_command("exams", "submit-expired", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "submitted=1"
    first, second = (Attempt.objects.get(pk=a.pk) for a in exam.attempts[:2])
    assert (first.status, first.submitted_how) == (AttemptStatus.SUBMITTED, SubmittedHow.AUTO)
    assert second.status == AttemptStatus.IN_PROGRESS


def test_submit_expired_again_finds_nothing(exam):
    opened_two_hours_ago(exam)
    start(exam, 0, now=timezone.now() - timedelta(hours=1))
    call_command("exams", "submit-expired", stdout=StringIO())
    out = StringIO()
    call_command("exams", "submit-expired", stdout=out)
    assert out.getvalue().strip() == "submitted=0"
