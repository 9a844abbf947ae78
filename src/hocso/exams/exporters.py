"""The results of an exam as .xlsx: one row per visible candidate — class, name, MOET code,
form (mã đề), the points of every question, the total and the 10-point score.

Written with the registry's writer (registry.exporters.xlsx: streaming, formula-like text
neutralised with a leading quote, identifiers kept as text). Personal data: every export is
written to the audit log with what it contained.
"""

from django.utils.translation import gettext as _

from hocso.accounts.services import audit_log
from hocso.registry.exporters.xlsx import write_xlsx

from .models import AttemptStatus, ExamSession
from .results import candidates, question_columns, question_scores, ten_point

CHUNK = 1000


def _label(part: str, number: int) -> str:
    return f"{part}.{number}" if part else _("Câu %(n)s") % {"n": number}


def results_xlsx(output, *, actor, session: ExamSession, school_class=None, school=None) -> int:
    """Write the results sheet to `output` (a path or binary file); returns the row count."""
    columns = question_columns(session)
    headers = [
        _("Lớp"), _("Họ và tên"), _("Mã định danh Bộ GD&ĐT"), _("Mã đề"),
        *[_label(part, number) for part, number in columns],
        _("Tổng điểm"), _("Điểm tối đa"), _("Điểm thang 10"), _("Trạng thái"),
    ]  # fmt: skip
    attempts = candidates(
        actor=actor, session=session, school_class=school_class, school=school, sort="class"
    )

    def rows():
        batch = []
        for attempt in attempts.iterator(chunk_size=CHUNK):
            batch.append(attempt)
            if len(batch) == CHUNK:
                yield from _rows(batch, columns)
                batch = []
        if batch:
            yield from _rows(batch, columns)

    count = write_xlsx(
        output, headers, rows(), title=session.code,
        widths=[10, 30, 14, 8, *[7] * len(columns), 10, 10, 10, 16],
    )  # fmt: skip
    audit_log(
        actor=actor, action="exam.results_export", obj=session, org_unit=session.org_unit,
        rows=count, school_class=school_class, school=school, personal=True,
    )  # fmt: skip
    return count


def _rows(attempts, columns):
    scores = question_scores(attempts)
    for attempt in attempts:
        earned = scores.get(attempt.pk, {})
        yield [
            attempt.school_class.name if attempt.school_class_id else "",
            attempt.student.full_name,
            attempt.student.moet_code or "",
            attempt.form.code,
            *[_cell(earned, key, attempt.status == AttemptStatus.SUBMITTED) for key in columns],
            _number(attempt.score),
            _number(attempt.max_score),
            _number(ten_point(attempt.score, attempt.max_score)),
            str(attempt.get_status_display()),
        ]


def _cell(earned: dict, key, submitted: bool):
    if key not in earned:  # not answered: 0 once submitted
        return 0 if submitted else None
    return _number(earned[key])


def _number(value):
    """Numbers as numbers (a spreadsheet sums them); None as an empty cell."""
    if value is None:
        return None
    return float(value)
