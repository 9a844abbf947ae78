"""Classical item analysis of an exam: pure numpy, no Django (exams/analysis.py feeds it).

The input is a candidates × items matrix of *fractions* of each item's points (0 … 1) and the
items' maximum points. NaN means the item was not on the candidate's form (a session with
several forms asks different items); a question on the form left unanswered is a 0, not a NaN.
Every statistic of an item is computed over the candidates whose form had it.

- facility p: the mean fraction (mean score / maximum points);
- point-biserial r: the corrected item–rest correlation, Pearson's r between the item's score
  and the total of the OTHER items of the candidate's form (for a 0/1 item this is the
  point-biserial; for a partial-credit item the item–rest correlation);
- upper–lower D: p of the upper 27 % minus p of the lower 27 % (see `upper_lower`);
- flags: `negative_discrimination` (r < 0, or D < 0 when r cannot be computed),
  `too_hard` (p < 0.2), `too_easy` (p > 0.95);
- test: Cronbach's α (KR-20 when every item is scored 0/1, where both are the same number),
  mean, SD and the standard error of measurement SEM = SD·√(1 − α), all on the 10-point scale,
  and the distribution of 10-point scores in ten bins [0, 1), [1, 2), …, [9, 10].

Variances and SDs divide by n (the candidates who sat this exam are the whole group described,
not a sample), so α, KR-20 and SEM use one consistent set of numbers.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

UPPER_LOWER_SHARE = 0.27
TOO_HARD_BELOW = 0.2
TOO_EASY_ABOVE = 0.95
SCALE = 10  # the 10-point scale of Circular 22
BLANK = "blank"


@dataclass(frozen=True)
class ItemStats:
    responses: int  # candidates whose form had the item
    facility: float | None
    point_biserial: float | None
    upper_lower: float | None
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ExamStats:
    candidates: int
    items: int
    mean: float | None  # on the 10-point scale
    sd: float | None
    sem: float | None
    reliability: float | None  # Cronbach's α (= KR-20 for 0/1 items)
    kr20: float | None  # only when every item is scored 0/1
    distribution: list[int]  # candidates per 10-point bin [0,1) … [9,10]


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    if x.size < 2:
        return None
    dx, dy = x - x.mean(), y - y.mean()
    denominator = np.sqrt((dx * dx).sum() * (dy * dy).sum())
    if denominator <= 1e-12:
        return None  # an item everyone got the same score on says nothing
    return float((dx * dy).sum() / denominator)


def candidate_totals(
    fractions: np.ndarray, max_points: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(points earned, points possible) per candidate over the items of their form."""
    points = fractions * max_points
    possible = np.where(np.isnan(fractions), 0.0, max_points).sum(axis=1)
    return np.nansum(points, axis=1), possible


def upper_lower(item: np.ndarray, totals: np.ndarray) -> float | None:
    """D = mean fraction of the upper group − that of the lower group.

    Groups: the candidates are ordered by total score; the lower group is the first
    g = ⌊0.27·n + 0.5⌋ (at least 1) and the upper group the last g. Equal totals keep the
    order of the rows (a stable sort), so the caller's row order (attempts by id) decides
    deterministically who falls inside a group at its boundary.
    """
    n = item.size
    if n < 2:
        return None
    size = max(1, int(np.floor(UPPER_LOWER_SHARE * n + 0.5)))
    order = np.argsort(totals, kind="stable")
    return float(item[order[-size:]].mean() - item[order[:size]].mean())


def flags_for(facility: float | None, point_biserial: float | None, d: float | None) -> list[str]:
    flags = []
    discrimination = point_biserial if point_biserial is not None else d
    if discrimination is not None and discrimination < 0:
        flags.append("negative_discrimination")
    if facility is not None and facility < TOO_HARD_BELOW:
        flags.append("too_hard")
    if facility is not None and facility > TOO_EASY_ABOVE:
        flags.append("too_easy")
    return flags


def item_statistics(fractions: np.ndarray, max_points: np.ndarray) -> list[ItemStats]:
    """One ItemStats per column of `fractions` (candidates × items, NaN = not on the form)."""
    fractions = np.asarray(fractions, dtype=float)
    max_points = np.asarray(max_points, dtype=float)
    totals, _possible = candidate_totals(fractions, max_points)
    result = []
    for j in range(fractions.shape[1]):
        present = ~np.isnan(fractions[:, j])
        item = fractions[present, j]
        if item.size == 0:
            result.append(ItemStats(0, None, None, None, []))
            continue
        facility = float(item.mean())
        rest = totals[present] - item * max_points[j]
        r = _pearson(item, rest)
        d = upper_lower(item, totals[present])
        result.append(ItemStats(int(item.size), facility, r, d, flags_for(facility, r, d)))
    return result


def cronbach_alpha(points: np.ndarray) -> float | None:
    """α = k/(k−1)·(1 − Σ var(item) / var(total)) over a complete candidates × items matrix."""
    n, k = points.shape
    if n < 2 or k < 2:
        return None
    total_variance = points.sum(axis=1).var()
    if total_variance <= 1e-12:
        return None
    return float(k / (k - 1) * (1 - points.var(axis=0).sum() / total_variance))


def kr20(correct: np.ndarray) -> float | None:
    """KR-20 = k/(k−1)·(1 − Σ p·q / var(total)) for a complete 0/1 matrix."""
    n, k = correct.shape
    if n < 2 or k < 2:
        return None
    total_variance = correct.sum(axis=1).var()
    if total_variance <= 1e-12:
        return None
    p = correct.mean(axis=0)
    return float(k / (k - 1) * (1 - (p * (1 - p)).sum() / total_variance))


def _weighted(values: list[tuple[float | None, int]]) -> float | None:
    known = [(v, n) for v, n in values if v is not None]
    weight = sum(n for _v, n in known)
    return sum(v * n for v, n in known) / weight if weight else None


def exam_statistics(
    fractions: np.ndarray, max_points: np.ndarray, forms: np.ndarray | None = None
) -> ExamStats:
    """Test-level statistics. Reliability needs every candidate to have sat the same items, so
    it is computed per form (`forms`: a label per candidate; None = one form) on the items of
    that form and averaged weighted by the form's candidates."""
    fractions = np.asarray(fractions, dtype=float)
    max_points = np.asarray(max_points, dtype=float)
    n = fractions.shape[0]
    earned, possible = candidate_totals(fractions, max_points)
    with np.errstate(invalid="ignore", divide="ignore"):
        tens = np.where(possible > 0, earned / possible * SCALE, np.nan)
    tens = tens[~np.isnan(tens)]
    labels = np.zeros(n, dtype=int) if forms is None else np.asarray(forms)
    alphas, kr20s, dichotomous = [], [], True
    for label in np.unique(labels):
        rows = fractions[labels == label]
        columns = ~np.isnan(rows).any(axis=0)
        block = rows[:, columns]
        points = block * max_points[columns]
        alphas.append((cronbach_alpha(points), rows.shape[0]))
        if np.isin(block, (0.0, 1.0)).all():
            kr20s.append((kr20(block), rows.shape[0]))
        else:
            dichotomous = False
    reliability = _weighted(alphas)
    mean = float(tens.mean()) if tens.size else None
    sd = float(tens.std()) if tens.size else None
    sem = (
        float(sd * np.sqrt(max(0.0, 1 - reliability)))
        if sd is not None and reliability is not None
        else None
    )
    return ExamStats(
        candidates=n,
        items=fractions.shape[1],
        mean=mean,
        sd=sd,
        sem=sem,
        reliability=reliability,
        kr20=_weighted(kr20s) if dichotomous else None,
        distribution=score_distribution(tens),
    )


def score_distribution(tens: np.ndarray) -> list[int]:
    """Candidates per bin [0, 1), [1, 2), …, [9, 10] of the 10-point scale (10 in the last)."""
    bins = np.clip(np.floor(np.asarray(tens, dtype=float)), 0, SCALE - 1).astype(int)
    return np.bincount(bins, minlength=SCALE).tolist()


def distractor_counts(answers: Iterable, option_count: int) -> dict[str, int]:
    """How many candidates chose each option (original indexes as strings) and how many left it
    blank. `answers`: one per candidate whose form had the item — an int (single choice), a list
    of ints (multiple response: each chosen option counts) or None (no answer)."""
    counts = Counter({str(i): 0 for i in range(option_count)})
    counts[BLANK] = 0
    for answer in answers:
        chosen = [answer] if isinstance(answer, int) and not isinstance(answer, bool) else answer
        chosen = [c for c in (chosen or ()) if isinstance(c, int) and 0 <= c < option_count]
        if not chosen:
            counts[BLANK] += 1
        for option in set(chosen):
            counts[str(option)] += 1
    return dict(counts)
