"""The monitoring dashboard on the province-scale demo: p50/p95 of GET /monitoring/ over N
requests (Django test client, signed in as the province officer) for the province and for one
school, against a floor.

Figure: the whole page — scope, the unit's children, every indicator of the catalog from the
stored values (computed on demand where a unit has none), the template.
Floor: the same figures of the province as one SQL statement through the DB-API — the stored
numerators and denominators of the unit, GROUP BY indicator.

Prints: monitoring_dashboard: province p50 X ms p95 Y ms; school p50 … ms p95 … ms;
        floor p50 F ms; ratio R   (R = province p50 / floor p50)
The province database is generated once into var/bench/ (seed-demo --scale province) and kept;
the current year's values are recomputed once when none are stored.
"""

import sys

from _setup import Stopwatch, hocso, percentile, say, use_database

REQUESTS = 40


def main() -> None:
    use_database("province")
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from hocso.accounts.models import Role, RoleAssignment
    from hocso.monitoring.compute import recompute
    from hocso.monitoring.models import IndicatorValue
    from hocso.orgs.models import OrgKind, OrgUnit
    from hocso.orgs.selectors import current_school_year
    from hocso.registry.models import Student

    if Student.objects.count() < 100_000:
        say("bench_monitoring_dashboard: generating the province-scale demo once (minutes)…")
        hocso("seed-demo", "--scale", "province", "--seed", "1")
    setup_test_environment()  # the test client's host, "testserver", is allowed

    year = current_school_year()
    officer = RoleAssignment.objects.filter(role=Role.PROVINCE_OFFICER).first()
    province = officer.org_unit
    user = officer.user
    if not IndicatorValue.objects.filter(org_unit=province, year=year).exists():
        say("bench_monitoring_dashboard: no stored values for the year, recomputing once…")
        recompute(year=year)
    school = (
        OrgUnit.objects.filter(kind=OrgKind.SCHOOL, path__startswith=province.path)
        .filter(valid_to__isnull=True)
        .order_by("code")
        .first()
    )
    children = OrgUnit.objects.filter(parent=province).count()

    client = Client()
    client.force_login(user)

    def page(unit) -> None:
        response = client.get("/monitoring/", {"org": unit.code, "year": year.code})
        assert response.status_code == 200, response.status_code

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indicator_id, SUM(numerator), SUM(denominator) "
                "FROM monitoring_indicatorvalue WHERE org_unit_id = %s AND year_id = %s "
                "AND breakdown = '' GROUP BY indicator_id",
                [province.pk, year.pk],
            )
            cursor.fetchall()

    def measure(fn, *args) -> list[float]:
        fn(*args)  # warm caches once
        samples = []
        for _ in range(REQUESTS):
            with Stopwatch() as watch:
                fn(*args)
            samples.append(watch.seconds * 1000)
        return samples

    top = measure(page, province)
    one = measure(page, school)
    base = measure(floor)
    p50, p95 = percentile(top, 0.5), percentile(top, 0.95)
    s50, s95 = percentile(one, 0.5), percentile(one, 0.95)
    f50 = percentile(base, 0.5)
    say(
        f"bench_monitoring_dashboard: {province.name} ({children} child units), "
        f"{school.name}, {year.code}, {REQUESTS} requests each"
    )
    print(
        f"monitoring_dashboard: province p50 {p50:.1f} ms p95 {p95:.1f} ms; "
        f"school p50 {s50:.1f} ms p95 {s95:.1f} ms; floor p50 {f50:.2f} ms; "
        f"ratio {p50 / f50:.0f}"
    )


if __name__ == "__main__":
    sys.exit(main())
