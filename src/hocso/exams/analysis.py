"""Item analysis and IRT calibration of an exam session, stored where pages, the API and
blueprints read them.

`session_analyse` reads the responses of every SUBMITTED attempt in one query, builds the
candidates × items matrix of fractions of points (exams/stats.py explains NaN: the item was not
on the candidate's form; an essay not yet graded by hand also counts as not known), runs the
classical statistics and, when asked, the IRT calibration (exams/irt.py), and writes:

- one ItemAnalysis row per (session, item), updated in place on a new analysis;
- ExamSession.analysis: the test statistics and the last calibration's summary;
- on questions.Item, the latest statistics of the item (p, point-biserial, IRT a/b and the
  number of responses), which questions/generation.py uses to balance difficulty — the last
  exam analysed wins;
- Attempt.theta / theta_se: EAP abilities of the last calibration.

Analysing without a model keeps the previous calibration (its rows, abilities and summary).
A response's fraction is Response.score / the question's points; when grading has not scored
it yet, the scoring rules of questions/rules.py score it here (never essays).
"""

import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import FloatField, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from hocso.questions.content import data_from_content
from hocso.questions.interchange import ItemType
from hocso.questions.models import Item
from hocso.questions.rules import score_item

from . import irt, stats
from .access import can_manage, sessions_visible
from .models import Attempt, AttemptStatus, ExamQuestion, ExamSession, ItemAnalysis, Response

MODELS = ("rasch", "2pl")
CHOICE_TYPES = {ItemType.SINGLE_CHOICE.value, ItemType.MULTIPLE_RESPONSE.value}
BATCH = 2000


@dataclass(frozen=True)
class ItemResult:
    item_id: int
    stats: stats.ItemStats
    distractors: dict[str, int]
    irt_a: float | None
    irt_b: float | None


@dataclass(frozen=True)
class AnalysisOutcome:
    candidates: int
    items: list[ItemResult]  # in the order of the first form that asks them
    test: stats.ExamStats
    calibration: irt.Calibration | None


@dataclass
class _Column:
    """One item of the exam: its place in the matrix and what scoring it needs."""

    index: int
    item_id: int
    item_type: str
    points: float
    option_count: int
    version: object  # the ItemVersion asked (the first form's)
    _data: object = None

    def data(self):
        if self._data is None:
            v = self.version
            self._data = data_from_content(
                type=self.item_type, stem=v.stem, points=v.points, content=v.content
            )
        return self._data


def _float(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _columns(session) -> tuple[dict[int, _Column], dict[int, tuple[_Column, float]], dict]:
    """The exam's items as matrix columns; each question → (its column, its points); each form
    → the column indexes it asks."""
    questions = (
        ExamQuestion.objects.filter(form__session=session)
        .select_related("item", "item_version")
        .order_by("form__code", "position")
    )
    columns: dict[int, _Column] = {}
    by_question: dict[int, tuple[_Column, float]] = {}
    by_form: dict[int, list[int]] = defaultdict(list)
    for question in questions:
        column = columns.get(question.item_id)
        if column is None:
            version = question.item_version
            column = columns[question.item_id] = _Column(
                index=len(columns),
                item_id=question.item_id,
                item_type=question.item.type,
                points=float(question.points),
                option_count=len(version.content.get("choices", [])),
                version=version,
            )
        by_question[question.pk] = (column, float(question.points))
        by_form[question.form_id].append(column.index)
    return columns, by_question, by_form


def _fraction(column: _Column, points: float, answer, score) -> float:
    """The share of the question's points the response earned (NaN: not known yet)."""
    if points <= 0:
        return np.nan
    if score is None:
        if column.item_type == ItemType.ESSAY:
            return np.nan  # graded by hand, not yet
        try:
            score = score_item(column.data(), answer, Decimal(str(points)))
        except (TypeError, ValueError, AttributeError, IndexError):
            score = Decimal(0)  # a malformed answer earns nothing
        if score is None:
            return np.nan
    return min(1.0, max(0.0, float(score) / points))


def _response_matrix(session, columns, by_question, by_form):
    """(attempt ids, form per attempt, fractions matrix, answers of choice items per column)."""
    attempts = list(
        Attempt.objects.filter(session=session, status=AttemptStatus.SUBMITTED)
        .order_by("pk")
        .values_list("pk", "form_id")
    )
    attempt_ids = np.array([pk for pk, _form in attempts], dtype=np.int64)
    forms = np.array([form for _pk, form in attempts], dtype=np.int64)
    row_of = {pk: row for row, pk in enumerate(attempt_ids.tolist())}
    fractions = np.full((len(attempts), len(columns)), np.nan)
    for form_id, indexes in by_form.items():
        rows = np.flatnonzero(forms == form_id)
        if rows.size:
            fractions[np.ix_(rows, indexes)] = 0.0  # asked: unanswered counts 0
    answers: dict[int, list] = defaultdict(list)
    # The answer comes as JSON text and is decoded only when needed (choice items, or a
    # response grading has not scored): decoding every answer was a third of the time.
    responses = (
        Response.objects.filter(attempt__session=session, attempt__status=AttemptStatus.SUBMITTED)
        .annotate(answer_text=Cast("answer", TextField()), points=Cast("score", FloatField()))
        .values_list("attempt_id", "question_id", "answer_text", "points")
        .iterator(chunk_size=BATCH)
    )
    for attempt_id, question_id, answer_text, score in responses:
        found = by_question.get(question_id)
        row = row_of.get(attempt_id)
        if found is None or row is None:
            continue
        column, points = found
        choice = column.item_type in CHOICE_TYPES
        answer = json.loads(answer_text) if answer_text and (choice or score is None) else None
        fractions[row, column.index] = _fraction(column, points, answer, score)
        if choice:
            answers[column.index].append(answer)
    return attempt_ids, forms, fractions, answers


def _distractors(column: _Column, asked: int, answers: list) -> dict[str, int]:
    if column.item_type not in CHOICE_TYPES:
        return {}
    counts = stats.distractor_counts(answers, column.option_count)
    counts[stats.BLANK] += asked - len(answers)  # asked, never answered
    return counts


def _clean(value: float | None, digits: int = 4) -> float | None:
    value = _float(value)
    return None if value is None else round(value, digits)


@transaction.atomic
def session_analyse(*, actor, session: ExamSession, model: str | None = None) -> AnalysisOutcome:
    """Analyse the submitted attempts of `session` (see the module docstring)."""
    if not can_manage(actor, session):
        raise PermissionDenied
    if model not in (None, *MODELS):
        raise ValidationError(_("Mô hình IRT không hợp lệ: %(model)s") % {"model": model})
    columns, by_question, by_form = _columns(session)
    attempt_ids, forms, fractions, answers = _response_matrix(
        session, columns, by_question, by_form
    )
    ordered = sorted(columns.values(), key=lambda c: c.index)
    max_points = np.array([c.points for c in ordered], dtype=float)
    item_stats = stats.item_statistics(fractions, max_points)
    test = stats.exam_statistics(fractions, max_points, forms)
    calibration = None
    if model is not None and attempt_ids.size:
        correct = irt.dichotomize(fractions)
        calibration = irt.calibrate(correct, model=model)
        theta, theta_se = irt.abilities(correct, calibration)
        _store_abilities(attempt_ids, theta, theta_se)

    asked = (~np.isnan(fractions)).sum(axis=0) if attempt_ids.size else np.zeros(len(ordered))
    results = [
        ItemResult(
            item_id=column.item_id,
            stats=item_stats[column.index],
            distractors=_distractors(
                column, int(asked[column.index]), answers.get(column.index, [])
            ),
            irt_a=_clean(calibration.a[column.index]) if calibration else None,
            irt_b=_clean(calibration.b[column.index]) if calibration else None,
        )
        for column in ordered
    ]
    now = timezone.now()
    _store_items(session, results, model if calibration else None, now)
    session.analysis = _summary(session, attempt_ids.size, len(ordered), test, calibration, model)
    session.analysed_at = now
    session.save(update_fields=["analysis", "analysed_at", "updated_at"])
    return AnalysisOutcome(
        candidates=int(attempt_ids.size), items=results, test=test, calibration=calibration
    )


def _summary(session, candidates, items, test: stats.ExamStats, calibration, model) -> dict:
    summary = {
        "candidates": int(candidates),
        "items": int(items),
        "mean": _clean(test.mean),
        "sd": _clean(test.sd),
        "sem": _clean(test.sem),
        "reliability": _clean(test.reliability),
        "kr20": _clean(test.kr20),
        "distribution": test.distribution,
        "irt": (session.analysis or {}).get("irt"),
    }
    if calibration is not None:
        summary["irt"] = {
            "model": model,
            "converged": calibration.converged,
            "iterations": calibration.iterations,
            "loglik": _clean(calibration.loglik, 2),
            "latent_sd": _clean(calibration.latent_sd),
            "candidates": int(candidates),
        }
    return summary


_ABILITIES_PG = """
UPDATE "exams_attempt" AS attempt SET "theta" = given.theta, "theta_se" = given.se
FROM unnest(%s::bigint[], %s::float8[], %s::float8[]) AS given(id, theta, se)
WHERE attempt."id" = given.id
"""
_ABILITIES_ONE = 'UPDATE "exams_attempt" SET "theta" = %s, "theta_se" = %s WHERE "id" = %s'


def _store_abilities(attempt_ids, theta, theta_se) -> None:
    """Every attempt's θ in one statement on PostgreSQL (arrays unnested), a batch of
    parameterized updates elsewhere — bulk_update's CASE over thousands of ids is quadratic and
    took ~40 s for 20,000 attempts."""
    ids = [int(pk) for pk in attempt_ids.tolist()]
    thetas, ses = [_clean(t) for t in theta], [_clean(se) for se in theta_se]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_ABILITIES_PG, [ids, thetas, ses])
        else:
            cursor.executemany(_ABILITIES_ONE, list(zip(thetas, ses, ids, strict=True)))


def _store_items(session, results: list[ItemResult], model: str | None, now) -> None:
    classical = ["responses", "facility", "point_biserial", "upper_lower", "distractors", "flags"]
    rows = [
        ItemAnalysis(
            session=session,
            item_id=result.item_id,
            responses=result.stats.responses,
            facility=_clean(result.stats.facility),
            point_biserial=_clean(result.stats.point_biserial),
            upper_lower=_clean(result.stats.upper_lower),
            distractors=result.distractors,
            flags=result.stats.flags,
            irt_model=model or "",
            irt_a=result.irt_a,
            irt_b=result.irt_b,
        )
        for result in results
    ]
    update = classical + (["irt_model", "irt_a", "irt_b"] if model else [])
    ItemAnalysis.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["session", "item"], update_fields=update
    )
    items = []
    for result in results:
        item = Item(
            pk=result.item_id,
            difficulty=_clean(result.stats.facility),
            discrimination=_clean(result.stats.point_biserial),
            stats_responses=result.stats.responses,
            stats_at=now,
        )
        if model:
            item.irt_model, item.irt_a, item.irt_b = model, result.irt_a, result.irt_b
        items.append(item)
    fields = ["difficulty", "discrimination", "stats_responses", "stats_at"]
    Item.objects.bulk_update(
        items, fields + (["irt_model", "irt_a", "irt_b"] if model else []), batch_size=BATCH
    )


# --- reading what was stored ---------------------------------------------------------------


@dataclass(frozen=True)
class StoredItem:
    analysis: ItemAnalysis
    position: str  # "I.3" / "3": where the first form asks it
    item_type: str
    stem: str
    key: list[int]  # options worth points (choice items), original indexes


def stored_items(session: ExamSession) -> list[StoredItem]:
    """The session's ItemAnalysis rows with where each item is asked, in paper order (the
    caller has checked the actor may see the session)."""
    rows = {
        row.item_id: row
        for row in ItemAnalysis.objects.filter(session=session).select_related("item")
    }
    questions = (
        ExamQuestion.objects.filter(form__session=session, item_id__in=rows)
        .select_related("item_version")
        .order_by("form__code", "position")
    )
    result, seen = [], set()
    for question in questions:
        if question.item_id in seen:
            continue
        seen.add(question.item_id)
        row = rows[question.item_id]
        choices = question.item_version.content.get("choices", [])
        result.append(
            StoredItem(
                analysis=row,
                position=f"{question.part}.{question.number}"
                if question.part
                else str(question.number),
                item_type=row.item.type,
                stem=question.item_version.stem,
                key=[i for i, c in enumerate(choices) if Decimal(str(c.get("fraction", 0))) > 0],
            )
        )
    return result


def session_statistics(*, actor, pk: int) -> dict:
    """The stored analysis of a session the actor may see as staff, as plain data (for the API);
    ExamSession.DoesNotExist when it may not see it. Empty until the session is analysed."""
    session = sessions_visible(actor).get(pk=pk)
    summary = session.analysis or {}
    return {
        "exam": {"id": session.pk, "code": session.code, "name": session.name},
        "analysed_at": session.analysed_at,
        "candidates": summary.get("candidates", 0),
        "item_count": summary.get("items", 0),
        **{key: summary.get(key) for key in ("mean", "sd", "sem", "reliability", "kr20")},
        "distribution": summary.get("distribution") or [0] * stats.SCALE,
        "irt": summary.get("irt"),
        "items": [
            {
                "item": s.analysis.item_id,
                "position": s.position,
                "type": s.item_type,
                "key": s.key,
                **{
                    field: getattr(s.analysis, field)
                    for field in (
                        "responses",
                        "facility",
                        "point_biserial",
                        "upper_lower",
                        "distractors",
                        "flags",
                        "irt_model",
                        "irt_a",
                        "irt_b",
                    )
                },  # fmt: skip
            }
            for s in (stored_items(session) if session.analysed_at else [])
        ],
    }
