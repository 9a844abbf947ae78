"""Compute the year results of every secondary learner of the province-scale demo, against a floor.

Figure: `assessment.services.results_compute` for every school of the province for 2025-2026, as
the system, from nothing (the year's stored results are deleted first): per class, the term I,
term II and year result of every subject, the learning results with the single-subject
adjustment, the year's conduct, promotion and awards, written to the database — what
`hocso compute-results --school … --year 2025-2026` does for each school.
Floor: the same arithmetic — ĐTBmhk = (ΣTX + 2·GK + 3·CK) / (n + 5) per term, ĐTBmcn = (HKI +
2·HKII) / 3, one decimal half-up, per learner and scored subject — in one vectorized pass over
the grade rows: one SQL statement sums each learner-subject-term's weighted scores, numpy rounds
them (in integer tenths, so half-up is exact) and combines the terms. No levels, no writes.
The script checks that both agree on every year average.

Primary classes (grades 1–5, Circular 27) have no computed results: N counts the learners of
grades 6–12 (about 95,000 of the province's ~215,000; the rest are in preschool and primary).

Prints: compute_results: N learners X s; floor Y s; ratio R
The province database (var/bench/province.sqlite3, shared with bench_search) is generated once;
the first run adds both terms of 2025-2026 to it with the demo's own grade generator
(demo.load.load_grades: ~12.8 million grade cells, about ten minutes on the 2-core machine) and
keeps them. The figure itself takes several minutes.
"""

import sys

from _setup import Stopwatch, hocso, say, use_database

FLOOR_SQL = """
SELECT s.student_id, s.subject_id, s.term,
       SUM(s.value * CASE s.kind WHEN 'regular' THEN 1 WHEN 'midterm' THEN 2 ELSE 3 END),
       SUM(CASE s.kind WHEN 'regular' THEN 1 WHEN 'midterm' THEN 2 ELSE 3 END)
FROM assessment_score s JOIN registry_schoolclass c ON c.id = s.school_class_id
WHERE s.year_id = %s AND s.value IS NOT NULL AND c.grade >= 6
GROUP BY s.student_id, s.subject_id, s.term
"""


def floor_averages(year_id: int):
    """(keys, year averages in tenths): keys = student_id * 1000 + subject_id."""
    import numpy as np
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [year_id])
        rows = cursor.fetchall()
    student, subject, term, weighted, weights = (np.array(c) for c in zip(*rows, strict=True))
    # Term average in tenths, half-up: floor(S / W + 1/2) = (2S + W) // 2W, S in tenths.
    tenths = np.rint(weighted.astype(np.float64) * 10).astype(np.int64)
    weights = weights.astype(np.int64)
    term_avg = (2 * tenths + weights) // (2 * weights)
    key = student.astype(np.int64) * 1000 + subject.astype(np.int64)
    first, second = term == 1, term == 2
    keys, i1, i2 = np.intersect1d(key[first], key[second], return_indices=True)
    t1, t2 = term_avg[first][i1], term_avg[second][i2]
    # Year average in tenths, half-up: floor((t1 + 2·t2) / 3 + 1/2) = (2(t1 + 2·t2) + 3) // 6.
    return keys, (2 * (t1 + 2 * t2) + 3) // 6


def ensure_grades(year) -> None:
    """Both terms of the year in the grade books (the first run adds what is missing: the demo
    completes the year only in the schools with demo accounts)."""
    from hocso.assessment.models import Score
    from hocso.demo.load import load_grades
    from hocso.demo.plan import SCALES, DemoPlan
    from hocso.registry.models import SchoolClass

    classes = SchoolClass.objects.filter(year=year, grade__gte=1).count()
    missing = [
        (year.code, term)
        for term in (1, 2)
        if Score.objects.filter(year=year, term=term).values("school_class_id").distinct().count()
        < classes
    ]
    if not missing:
        return
    say(f"bench_results: adding the grade books of {missing} (once, about ten minutes)…")

    def progress(stage: str, done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            say(f"  {stage}: {done}/{total}")

    load_grades(DemoPlan(SCALES["province"], seed=1), terms=missing, compute=False,
                progress=progress)  # fmt: skip


def main() -> None:
    use_database("province")
    from django.db import connection, transaction

    from hocso.assessment.models import LearningResult, Period, Score, SubjectResult, TermRecord
    from hocso.assessment.services import results_compute
    from hocso.demo.load import _analyze
    from hocso.demo.plan import PREVIOUS_YEAR
    from hocso.orgs.models import OrgUnit, SchoolYear
    from hocso.registry.models import Enrollment, SchoolClass, Student

    if Student.objects.count() < 100_000:
        say("bench_results: generating the province-scale demo once (a few minutes)…")
        hocso("seed-demo", "--scale", "province", "--seed", "1")
    year = SchoolYear.objects.get(code=PREVIOUS_YEAR)
    ensure_grades(year)
    schools = list(
        OrgUnit.objects.filter(
            pk__in=SchoolClass.objects.filter(year=year, grade__gte=6).values("school_id")
        ).order_by("code")
    )
    # Planner statistics that describe a database holding results, as a school's would after a
    # year or two (see demo.load._analyze), so the figure measures the service, not a planner
    # working without statistics.
    if not LearningResult.objects.filter(year=year, term=Period.YEAR).exists():
        say("bench_results: computing one school first, for the statistics…")
        results_compute(actor=None, school=schools[0], year=year)
    _analyze(Score, TermRecord, Enrollment, SubjectResult, LearningResult)
    with transaction.atomic():  # then start from nothing; the statistics stay as they are
        SubjectResult.objects.filter(year=year).delete()
        LearningResult.objects.filter(year=year).delete()
        TermRecord.objects.filter(year=year, term=Period.YEAR).delete()
    say(f"bench_results: computing {len(schools)} schools…")
    with Stopwatch() as figure:
        for school in schools:
            results_compute(actor=None, school=school, year=year)
    learners = LearningResult.objects.filter(year=year, term=Period.YEAR).count()

    connection.close()  # the floor reads with a cold connection too
    with Stopwatch() as floor:
        keys, year_tenths = floor_averages(year.pk)

    stored = {
        student * 1000 + subject: int(average * 10)
        for student, subject, average in SubjectResult.objects.filter(
            year=year, term=Period.YEAR, average__isnull=False
        ).values_list("student_id", "subject_id", "average")
    }
    uncomputed = sum(int(k) not in stored for k in keys)
    disagree = sum(
        stored.get(int(k), int(v)) != int(v) for k, v in zip(keys, year_tenths, strict=True)
    )
    say(
        f"bench_results: {len(keys)} year averages by the floor, {len(stored)} stored; "
        f"{disagree} differ, {uncomputed} not computed by the service (learners off every roster)"
    )
    print(
        f"compute_results: {learners} learners {figure.seconds:.1f} s; "
        f"floor {floor.seconds:.1f} s; ratio {figure.seconds / floor.seconds:.1f}"
    )
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
