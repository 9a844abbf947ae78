"""Helpers of the delivery tests: start an attempt, save answers, read what is stored, and an
exam of matching and ordering items (the shared fixture has none)."""

from datetime import timedelta

from hocso.exams import delivery
from hocso.exams.models import Response
from hocso.questions.interchange import ItemData, ItemType, Pair
from hocso.questions.models import Item, ItemStatus
from hocso.questions.services import item_create

from .conftest import make_session

# The fixture's questions by position: three single choice, a multiple response, a 2025
# true/false, a short numeric and an essay.
SINGLE, SINGLE_2, SINGLE_3, MULTIPLE, TF4, NUMERIC, ESSAY = range(7)


def start(exam, n=0, now=None, **kwargs):
    return delivery.attempt_start(
        actor=exam.learner_users[n], attempt=exam.attempts[n], now=now, **kwargs
    )


def save(exam, started, *saves, n=0, now=None):
    """`saves`: (position index, seq, answer) triples."""
    return delivery.responses_save(
        actor=exam.learner_users[n],
        attempt_id=exam.attempts[n].pk,
        device_token=started.device_token,
        saves=[delivery.Save(exam.questions[i].pk, seq, answer) for i, seq, answer in saves],
        now=now,
    )


def stored(exam, n=0) -> dict[int, tuple[int, object]]:
    """Position index → (seq, answer) of what the database holds."""
    index = {q.pk: i for i, q in enumerate(exam.questions)}
    rows = Response.objects.filter(attempt=exam.attempts[n])
    return {index[r.question_id]: (r.seq, r.answer) for r in rows}


def matching_and_ordering_exam(exam):
    """A second session for the fixture's learners asking one matching and one ordering item
    (and the fixture's first single choice); returns (session, questions, attempts)."""
    datas = [
        ItemData(
            type=ItemType.MATCHING,
            stem="Nối thủ đô với nước.",
            pairs=[
                Pair(left="Việt Nam", right="Hà Nội"),
                Pair(left="Lào", right="Viêng Chăn"),
                Pair(left="", right="Bắc Kinh"),
            ],
        ),
        ItemData(
            type=ItemType.ORDERING,
            stem="Sắp xếp theo thứ tự tăng dần.",
            order=["một", "hai", "ba"],
        ),
    ]
    items = [item_create(actor=None, bank=exam.bank, data=data) for data in datas]
    Item.objects.filter(pk__in=[i.pk for i in items]).update(status=ItemStatus.APPROVED)
    items = [Item.objects.select_related("current_version").get(pk=i.pk) for i in items]
    session, _form, questions, attempts = make_session(
        org_unit=exam.session.org_unit,
        year=exam.session.year,
        creator=exam.teacher,
        items=[*items, exam.items[0]],
        school_class=exam.school_class,
        students=exam.students,
        opens_at=exam.session.opens_at,
        closes_at=exam.session.closes_at + timedelta(minutes=1),
    )
    return session, questions, attempts


def opened_hours_ago(exam, hours=3):
    """Move the fixture's window open `hours` ago, to start attempts in the past."""
    exam.session.opens_at = exam.session.opens_at - timedelta(hours=hours)
    exam.session.save(update_fields=["opens_at"])
