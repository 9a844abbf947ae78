"""Background tasks of the exams app (django-tasks; the database backend runs them in
`db_worker`, tests and HOCSO_TASKS_IMMEDIATE=1 run them inline)."""

from django_tasks import task

from .delivery import attempts_submit_expired


@task()
def submit_expired() -> int:
    """Submit every attempt whose deadline and grace period have passed (idempotent; run it
    every minute or so during exams — expired attempts are also submitted lazily when touched)."""
    return attempts_submit_expired()


# --- session preparation (helper B adds `prepare_session` below) -------------------------------


@task()
def prepare_session(session_id: int, actor_id: int | None = None) -> int:
    """Prepare a large session in the background (services.session_prepare: forms drawn once,
    an attempt per new candidate; idempotent). Returns the number of attempts made."""
    from django.contrib.auth import get_user_model

    from .models import ExamSession
    from .services import session_prepare

    actor = get_user_model().objects.get(pk=actor_id) if actor_id is not None else None
    session = ExamSession.objects.get(pk=session_id)
    return session_prepare(actor=actor, session=session).created
