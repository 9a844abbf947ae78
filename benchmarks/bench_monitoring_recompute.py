"""Recompute the monitoring indicators of the province-scale demo, against a floor; and the
incremental recompute of one school.

Figure: `monitoring.compute.recompute` of every additive indicator (all breakdowns, the rollup
over the tree, the stored rows replaced) for the current school year over the 427 schools.
Floor: the same per-school counts as ONE plain SQL GROUP BY per source through the DB-API (the
learner counts shared by the sources that count learners), checked equal to the stored school
rows — what the database must do at least, with no rollup, breakdown or write.
Then `compute.recompute_school` (p50/p95 over 60 schools, each after a one-learner change made
without signals), inside a transaction rolled back at the end so the database is left as the
full recompute wrote it.

Prints: monitoring_recompute: 427 schools N values X s; floor Y s; ratio R
        recompute_school: 60 schools p50 A ms p95 B ms
The province database (var/bench/province.sqlite3, shared with bench_search) is generated once.
"""

import random
import sys

from _setup import Stopwatch, hocso, percentile, say, use_database

SAMPLES = 60


def floor_counts(connection, year_id: int) -> dict[str, dict[int, tuple]]:
    """Per source key: {school id: (numerator, denominator)} by one GROUP BY each."""
    from hocso.accounts.models import Role
    from hocso.assessment.models import Level, Period
    from hocso.registry.models import DeviceAccess, EnrollmentEnd, EnrollmentStart, Position
    from hocso.registry.rules import CITIZEN_ID_PROVINCES, FEMALE, KHMER, MALE

    vendor = connection.vendor
    birth_year = (
        "strftime('%%Y', s.date_of_birth)"
        if vendor == "sqlite"
        else "to_char(s.date_of_birth, 'YYYY')"
    )
    provinces = ", ".join(f"'{code}'" for code in CITIZEN_ID_PROVINCES)
    digit = "substr(s.national_id, 4, 1)"
    valid_id = f"""(s.national_id IS NOT NULL AND substr(s.national_id, 1, 3) IN ({provinces})
        AND ((s.gender = '{MALE}' AND {digit} IN ('0', '2', '4'))
             OR (s.gender = '{FEMALE}' AND {digit} IN ('1', '3', '5')))
        AND (s.date_of_birth IS NULL OR (
             ((({digit} IN ('0', '1')) AND substr({birth_year}, 1, 2) = '19')
              OR ({digit} IN ('2', '3') AND substr({birth_year}, 1, 2) = '20')
              OR ({digit} IN ('4', '5') AND substr({birth_year}, 1, 2) = '21'))
             AND substr(s.national_id, 5, 2) = substr({birth_year}, 3, 2))))"""
    no_device = ", ".join(f"'{v}'" for v in (DeviceAccess.UNKNOWN, DeviceAccess.NONE))
    online = f"(s.internet_at_home AND s.device_access NOT IN ({no_device}))"
    stays = f"""FROM registry_enrollment e JOIN registry_student s ON s.id = e.student_id
        JOIN registry_schoolclass c ON c.id = e.school_class_id
        WHERE e.year_id = %s AND ((e.end_date IS NULL AND s.status = 'studying')
              OR e.end_reason IN ('{EnrollmentEnd.YEAR_END}', '{EnrollmentEnd.GRADUATION}'))"""
    general = "c.grade BETWEEN 1 AND 12"
    schools = """FROM orgs_orgunit o WHERE o.kind = 'school'
        AND (o.valid_to IS NULL OR o.valid_to >= CURRENT_DATE)"""
    teaching = ", ".join(
        f"'{p}'" for p in (Position.TEACHER, Position.PRINCIPAL, Position.VICE_PRINCIPAL)
    )

    def rows(sql: str, params=None) -> list:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def distinct(condition: str) -> str:
        return f"COUNT(DISTINCT CASE WHEN {condition} THEN e.student_id END)"

    out: dict[str, dict[int, tuple]] = {}
    # One pass over the learners of the year gives the learner counts of five sources.
    learners = rows(
        f"""SELECT e.school_id, COUNT(DISTINCT e.student_id), {distinct(valid_id)},
            {distinct(general)}, {distinct(f"{general} AND {online}")},
            {distinct(f"s.ethnicity = '{KHMER}'")} {stays} GROUP BY e.school_id""",
        [year_id],
    )
    out["enrollment"] = {r[0]: (r[1], None) for r in learners}
    out["learners_valid_id"] = {r[0]: (r[2], r[1]) for r in learners}
    out["learners_online_ready"] = {r[0]: (r[4], r[3]) for r in learners if r[3]}
    out["khmer_share"] = {r[0]: (r[5], r[1]) for r in learners}
    rates = rows(
        f"""SELECT e.school_id, COUNT(DISTINCT e.student_id),
            {distinct(f"e.end_reason = '{EnrollmentEnd.DROP_OUT}'")},
            {distinct(f"e.start_reason = '{EnrollmentStart.REPEAT}'")}
            FROM registry_enrollment e WHERE e.year_id = %s GROUP BY e.school_id""",
        [year_id],
    )
    out["dropout_rate"] = {r[0]: (r[2], r[1]) for r in rates}
    out["repetition_rate"] = {r[0]: (r[3], r[1]) for r in rates}
    staff = rows(
        f"""SELECT school_id, COUNT(*), SUM(CASE WHEN national_id IS NOT NULL
            AND date_of_birth IS NOT NULL AND qualification <> '' THEN 1 ELSE 0 END),
            SUM(CASE WHEN position = '{Position.TEACHER}' THEN 1 ELSE 0 END)
            FROM registry_staff WHERE is_active AND position IN ({teaching})
            GROUP BY school_id"""
    )
    out["teachers_with_record"] = {r[0]: (r[2], r[1]) for r in staff}
    teachers = {r[0]: r[3] for r in staff}
    classes = dict(
        rows(
            "SELECT school_id, COUNT(*) FROM registry_schoolclass WHERE year_id = %s "
            "GROUP BY school_id",
            [year_id],
        )
    )
    counted = {r[0]: r[1] for r in learners}
    out["learner_teacher_ratio"] = {
        s: (counted.get(s, 0), teachers.get(s, 0))
        for s in set(counted) | {s for s, n in teachers.items() if n}
    }
    out["average_class_size"] = {
        s: (counted.get(s, 0), classes.get(s, 0)) for s in set(counted) | set(classes)
    }
    facilities = rows(
        f"""SELECT o.id,
            EXISTS (SELECT 1 FROM registry_room r WHERE r.school_id = o.id),
            EXISTS (SELECT 1 FROM registry_equipment q WHERE q.school_id = o.id) {schools}"""
    )
    out["facilities_managed"] = {r[0]: (1 if r[1] and r[2] else 0, 1) for r in facilities}
    platform = rows(
        f"""SELECT o.id,
            EXISTS (SELECT 1 FROM accounts_roleassignment a WHERE a.org_unit_id = o.id
                    AND a.role = '{Role.SCHOOL_ADMIN}'),
            EXISTS (SELECT 1 FROM registry_enrollment e WHERE e.school_id = o.id
                    AND e.year_id = %s AND EXISTS (SELECT 1 FROM assessment_score x
                    WHERE x.student_id = e.student_id AND x.year_id = %s
                    AND x.school_id = o.id)) {schools}""",
        [year_id, year_id],
    )
    out["schools_using_platform"] = {r[0]: (1 if r[1] and r[2] else 0, 1) for r in platform}
    passing = ", ".join(f"'{level}'" for level in (Level.GOOD, Level.FAIR, Level.PASS))
    results = rows(
        f"""SELECT r.school_id, COUNT(DISTINCT r.student_id),
            COUNT(DISTINCT CASE WHEN r.level IN ({passing}) THEN r.student_id END)
            FROM assessment_learningresult r
            JOIN registry_schoolclass c ON c.id = r.school_class_id
            WHERE r.year_id = %s AND r.term = {Period.YEAR} AND r.level IS NOT NULL
            AND c.grade BETWEEN 6 AND 12 GROUP BY r.school_id""",
        [year_id],
    )
    out["learning_results"] = {r[0]: (r[2], r[1]) for r in results}
    return out


def main() -> None:
    use_database("province")
    from django.db import connection, transaction

    from hocso.monitoring.compute import default_year, recompute, recompute_school
    from hocso.monitoring.models import Indicator, IndicatorValue
    from hocso.monitoring.sources import SOURCES, schools_qs
    from hocso.registry.models import Enrollment, Student

    if Student.objects.count() < 100_000:
        say("bench_monitoring_recompute: generating the province-scale demo once (minutes)…")
        hocso("seed-demo", "--scale", "province", "--seed", "1")
    year = default_year()
    additive = [
        i
        for i in Indicator.objects.exclude(source="")
        if i.source in SOURCES and SOURCES[i.source].additive
    ]
    schools = list(schools_qs().order_by("pk"))

    floor_counts(connection, year.pk)  # warm the page cache once, for both
    with Stopwatch() as figure:
        summary = recompute(year=year, indicators=additive)
    with Stopwatch() as floor:
        counts = floor_counts(connection, year.pk)

    # The floor counts what the engine stored, school by school.
    stored = {
        (row.indicator.source, row.org_unit_id): (row.numerator, row.denominator)
        for row in IndicatorValue.objects.filter(
            year=year, breakdown="", indicator__in=additive, org_unit__kind="school"
        ).select_related("indicator")
    }
    for indicator in additive:
        for school in schools:
            num, den = counts[indicator.source].get(school.pk, (0, 0))
            got = stored[(indicator.source, school.pk)]
            want_den = None if got[1] is None else den
            if (got[0], got[1]) != (num, want_den):
                sys.exit(f"mismatch {indicator.source} {school.code}: {got} != {(num, den)}")

    rng = random.Random(7)
    sample = rng.sample(schools, min(SAMPLES, len(schools)))
    samples = []
    with transaction.atomic():
        for school in sample:
            learner = (
                Enrollment.objects.filter(school=school, year=year, end_date__isnull=True)
                .values_list("student_id", flat=True)
                .first()
            )
            if learner is not None:  # a one-learner change, made without signals
                flipped = Student.objects.filter(pk=learner).values_list("ethnicity", flat=True)
                ethnicity = "05" if flipped[0] != "05" else "01"
                Student.objects.filter(pk=learner).update(ethnicity=ethnicity)
            with Stopwatch() as watch:
                recompute_school(school, year)
            samples.append(watch.seconds * 1000)
        transaction.set_rollback(True)

    print(
        f"monitoring_recompute: {len(schools)} schools {summary.values} values "
        f"{figure.seconds:.2f} s; floor {floor.seconds:.2f} s; "
        f"ratio {figure.seconds / floor.seconds:.1f}"
    )
    print(
        f"recompute_school: {len(samples)} schools p50 {percentile(samples, 0.5):.1f} ms "
        f"p95 {percentile(samples, 0.95):.1f} ms"
    )


if __name__ == "__main__":
    main()
