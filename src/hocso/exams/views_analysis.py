"""The item-analysis page of an exam: test statistics, the score distribution as a server-drawn
SVG chart (with a table for screen readers and for copying), one row per item, and a form to
recompute with or without an IRT model (exams/analysis.py does the work and checks permission).
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .access import can_manage, sessions_visible
from .analysis import MODELS, session_analyse, stored_items
from .models import AttemptStatus

# Plain-language reading of a reliability coefficient, highest threshold first.
RELIABILITY_READINGS = (
    (0.9, "success", gettext_lazy("α ≥ 0,9: rất cao, đủ tin cậy cho kì thi quan trọng")),
    (0.8, "success", gettext_lazy("α ≥ 0,8: cao, đủ tin cậy cho bài kiểm tra học kì")),
    (0.7, "success", gettext_lazy("α ≥ 0,7: đủ tin cậy cho bài kiểm tra trên lớp")),
    (0.5, "warning", gettext_lazy("α từ 0,5 đến dưới 0,7: thấp, nên dùng kèm các đánh giá khác")),
    (
        float("-inf"),
        "danger",
        gettext_lazy("α dưới 0,5: kết quả chưa đáng tin cậy, hãy xem lại các câu bị cảnh báo"),
    ),
)
FLAGS = {
    "negative_discrimination": ("danger", gettext_lazy("Phân biệt âm")),
    "too_hard": ("warning", gettext_lazy("Quá khó")),
    "too_easy": ("info", gettext_lazy("Quá dễ")),
}
MODEL_LABELS = {"2pl": gettext_lazy("2PL (a và b)"), "rasch": gettext_lazy("Rasch (a = 1)")}
OPTION_LETTERS = "ABCDEFGHIJKLMNOP"

# The distribution chart: ten bars in a viewBox of CHART_W × CHART_H (axis labels below).
CHART_W, CHART_H, CHART_TOP, CHART_BOTTOM = 320, 170, 16, 140


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: float
    y: float
    width: float
    height: float
    label_x: float
    count_y: float  # where the count is written, just above the bar


def _bars(distribution: list[int]) -> list[Bar]:
    tallest = max(distribution or [0]) or 1
    slot = CHART_W / max(len(distribution), 1)
    bars = []
    for k, count in enumerate(distribution):
        height = (CHART_BOTTOM - CHART_TOP) * count / tallest
        bars.append(
            Bar(
                label=f"{k}–{k + 1}",
                count=count,
                x=k * slot + 3,
                y=CHART_BOTTOM - height,
                width=slot - 6,
                height=height,
                label_x=k * slot + slot / 2,
                count_y=CHART_BOTTOM - height - 3,
            )
        )
    return bars


def _reliability_reading(value):
    if value is None:
        return None
    for threshold, tone, text in RELIABILITY_READINGS:
        if value >= threshold:
            return {"tone": tone, "text": text}
    return None


@dataclass(frozen=True)
class Option:
    letter: str
    count: int
    share: float  # of the candidates asked, 0..1
    right: bool


def _options(row, key) -> tuple[list[Option], int]:
    """The options of a choice item (A, B, … in original order) and the blanks."""
    counts = row.distractors or {}
    asked = max(row.responses, 1)
    options = [
        Option(
            letter=OPTION_LETTERS[int(index)] if int(index) < len(OPTION_LETTERS) else index,
            count=count,
            share=count / asked,
            right=int(index) in key,
        )
        for index, count in sorted(
            ((k, v) for k, v in counts.items() if k.isdigit()), key=lambda kv: int(kv[0])
        )
    ]
    return options, counts.get("blank", 0)


def _session_or_404(request, pk: int):
    session = sessions_visible(request.user).filter(pk=pk).select_related("subject").first()
    if session is None:
        raise Http404
    return session


@login_required
@require_http_methods(["GET", "POST"])
def analysis_page(request, pk: int):
    session = _session_or_404(request, pk)
    manages = can_manage(request.user, session)
    if request.method == "POST":
        if not manages:
            raise PermissionDenied
        model = request.POST.get("model") or None
        try:
            outcome = session_analyse(actor=request.user, session=session, model=model)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            message = _("Đã phân tích %(n)s bài làm.") % {"n": outcome.candidates}
            if outcome.calibration is not None and not outcome.calibration.converged:
                message += " " + _(
                    "Mô hình IRT chưa hội tụ: tham số a, b chỉ là ước lượng gần đúng."
                )
            messages.success(request, message)
        return redirect("exams:analysis", pk=session.pk)

    submitted = session.attempts.filter(status=AttemptStatus.SUBMITTED).count()
    summary = session.analysis or {}
    rows = []
    for stored in stored_items(session) if session.analysed_at else []:
        options, blanks = _options(stored.analysis, stored.key)
        rows.append(
            {
                "stored": stored,
                "row": stored.analysis,
                "options": options,
                "blanks": blanks,
                "flags": [FLAGS[f] for f in stored.analysis.flags if f in FLAGS],
            }
        )
    irt = summary.get("irt")
    context = {
        "session": session,
        "can_manage": manages,
        "submitted": submitted,
        "summary": summary,
        "analysed": bool(session.analysed_at) and summary.get("candidates", 0) > 0,
        "stale": bool(session.analysed_at) and summary.get("candidates") != submitted,
        "reading": _reliability_reading(summary.get("reliability")),
        "bars": _bars(summary.get("distribution") or [0] * 10),
        "chart": {"w": CHART_W, "h": CHART_H, "bottom": CHART_BOTTOM},
        "rows": rows,
        "irt": irt,
        "irt_label": MODEL_LABELS.get((irt or {}).get("model"), ""),
        "models": [(m, MODEL_LABELS[m]) for m in MODELS],
    }
    return render(request, "exams/analysis.html", context)


urlpatterns = [path("exams/<int:pk>/analysis/", analysis_page, name="analysis")]
