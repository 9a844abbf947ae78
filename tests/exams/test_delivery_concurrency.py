"""Saves racing each other and a submit, on real concurrent connections (PostgreSQL only: the
SQLite test database is one in-memory connection). The promise checked: every acknowledged
save is in the database (the stored seq is at least the acknowledged one), the highest seq
wins whatever order the saves commit in, and nothing is acknowledged after a submit."""

import random
import threading

import pytest
from django.db import connection, connections

from hocso.exams import delivery
from hocso.exams.models import Attempt, AttemptStatus, Response

from .delivery_setup import MULTIPLE, NUMERIC, SINGLE, SINGLE_2, start

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # keeps seeded data
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
    ),
]


def _run(workers):
    errors = []

    def wrap(work):
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_retries_of_one_question_keep_the_highest_seq(exam):
    started = start(exam)
    question = exam.questions[SINGLE]
    seqs = list(range(1, 121))
    random.Random(5).shuffle(seqs)
    acks = []

    def sender(chunk):
        def work():
            for seq in chunk:
                outcome = delivery.responses_save(
                    actor=exam.learner_users[0],
                    attempt_id=exam.attempts[0].pk,
                    device_token=started.device_token,
                    saves=[delivery.Save(question.pk, seq, seq % 4)],
                )
                acks.append((seq, outcome.saved[question.pk]))

        return work

    errors = _run([sender(seqs[i::6]) for i in range(6)])
    assert errors == []
    assert all(stored >= sent for sent, stored in acks)
    response = Response.objects.get(attempt=exam.attempts[0], question=question)
    assert (response.seq, response.answer) == (120, 0)


def test_no_save_is_acknowledged_and_lost_around_a_submit(exam):
    started = start(exam)
    positions = (SINGLE, SINGLE_2, MULTIPLE, NUMERIC)
    acknowledged = {exam.questions[p].pk: 0 for p in positions}
    refused = []
    half_way = threading.Event()

    def answer(position):
        question = exam.questions[position]

        def value(seq):
            return [seq % 3] if position == MULTIPLE else str(seq) if position == NUMERIC else 1

        def work():
            # Until the submit refuses it (the cap only stops a broken submit looping forever).
            for seq in range(1, 100_000):
                if seq == 30:
                    half_way.set()
                try:
                    outcome = delivery.responses_save(
                        actor=exam.learner_users[0],
                        attempt_id=exam.attempts[0].pk,
                        device_token=started.device_token,
                        saves=[delivery.Save(question.pk, seq, value(seq))],
                    )
                except delivery.AttemptClosed:
                    refused.append(seq)
                    return
                acknowledged[question.pk] = outcome.saved[question.pk]

        return work

    def submit():
        half_way.wait()
        delivery.attempt_submit(
            actor=exam.learner_users[0],
            attempt=exam.attempts[0],
            device_token=started.device_token,
        )

    errors = _run([*(answer(p) for p in positions), submit])
    assert errors == []
    assert Attempt.objects.get(pk=exam.attempts[0].pk).status == AttemptStatus.SUBMITTED
    stored = dict(
        Response.objects.filter(attempt=exam.attempts[0]).values_list("question_id", "seq")
    )
    for question_id, seq in acknowledged.items():
        assert stored.get(question_id, 0) == seq  # acknowledged is stored; refused is not
    assert len(refused) == len(positions)  # every sender was stopped by the submit
