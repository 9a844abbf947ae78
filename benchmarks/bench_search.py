"""Search the province-scale demo for a name: p50/p95 over 200 queries, against a floor.

Figure: registry.selectors.students_search as a province officer (scope filter, folding, the
class annotation), first page of 25 rows plus the total count — what the search page does.
Floor: the same two statements in plain SQL through the DB-API on the folded column.

Prints: search_students: 200 queries p50 X ms p95 Y ms; floor p50 A ms p95 B ms; ratio R
The province database (~215,000 learners) is generated once into var/bench/ and kept.
"""

import random
import sys

from _setup import Stopwatch, hocso, percentile, say, use_database

QUERIES = 200
PAGE = 25


def main() -> None:
    use_database("province")
    from django.db import connection

    from hocso.accounts.models import Role, RoleAssignment
    from hocso.core.text import fold
    from hocso.registry.models import Student
    from hocso.registry.selectors import students_search

    if Student.objects.count() < 100_000:
        say("bench_search: generating the province-scale demo once (a few minutes)…")
        hocso("seed-demo", "--scale", "province", "--seed", "1")
    officer = RoleAssignment.objects.filter(role=Role.PROVINCE_OFFICER).first().user
    total = Student.objects.count()

    # Queries as people type them: family name + last given name, no diacritics, lower case.
    rng = random.Random(7)
    ids = list(Student.objects.values_list("pk", flat=True))
    names = Student.objects.in_bulk(rng.sample(ids, QUERIES))
    queries = []
    for student in names.values():
        words = fold(student.full_name).split()
        queries.append(f"{words[0]} {words[-1]}")

    def through_selector(q: str) -> None:
        results = students_search(actor=officer, q=q)
        list(results[:PAGE])
        results.count()

    def floor(q: str) -> None:
        words = q.split()
        # Each word must begin a word of the name, as the selector asks.
        where = " AND ".join("(search_name LIKE %s OR search_name LIKE %s)" for _ in words)
        params = [p for w in words for p in (f"{w}%", f"% {w}%")]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, full_name FROM registry_student WHERE {where} "  # noqa: S608
                f"ORDER BY search_name LIMIT {PAGE}",
                params,
            )
            cursor.fetchall()
            cursor.execute(f"SELECT COUNT(*) FROM registry_student WHERE {where}", params)  # noqa: S608
            cursor.fetchone()

    def measure(fn) -> list[float]:
        fn(queries[0])  # warm caches once
        samples = []
        for q in queries:
            with Stopwatch() as watch:
                fn(q)
            samples.append(watch.seconds * 1000)
        return samples

    figure = measure(through_selector)
    base = measure(floor)
    p50, p95 = percentile(figure, 0.5), percentile(figure, 0.95)
    f50, f95 = percentile(base, 0.5), percentile(base, 0.95)
    print(
        f"search_students: {QUERIES} queries over {total} learners p50 {p50:.1f} ms "
        f"p95 {p95:.1f} ms; floor p50 {f50:.1f} ms p95 {f95:.1f} ms; ratio {p50 / f50:.1f}"
    )


if __name__ == "__main__":
    sys.exit(main())
