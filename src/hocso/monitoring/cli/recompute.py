"""`hocso monitoring recompute [--org ORG_CODE] [--year YYYY-YYYY | --all-years] [--indicator CODE …]`.

Computes every indicator that has a data source for the units of the org's subtree (default: the
whole current tree) and the school year (default: the current one; `--all-years`: every school
year with enrollments, oldest first), replaces the stored values (monitoring/compute.py), prints
the year and unit it worked on and ends with exactly `indicators=N units=N values=N`
(indicators computed, units covered, value rows written — summed over the years with
`--all-years` — breakdowns included). `--indicator CODE` (repeatable) limits it to some
indicators. Without `--org` and `--indicator` the year's open-data snapshot is refreshed too.
Exit 2: unknown org, year or indicator, or `--year` with `--all-years`.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hocso.monitoring.compute import default_year, recompute
from hocso.monitoring.models import Indicator
from hocso.orgs.models import OrgUnit, SchoolYear
from hocso.registry.models import Enrollment

NAME = "recompute"
HELP = gettext_noop("tính lại giá trị các chỉ tiêu")  # translated when shown


def add_arguments(parser) -> None:
    parser.add_argument("--org", default="", help=_("mã đơn vị (mặc định: toàn bộ)"))
    parser.add_argument("--year", default="", help=_("năm học, ví dụ 2025-2026"))
    parser.add_argument(
        "--all-years",
        action="store_true",
        help=_("mọi năm học có dữ liệu nhập học"),
    )
    parser.add_argument(
        "--indicator", action="append", default=[], help=_("mã chỉ tiêu (lặp lại được)")
    )


def _years(command, options) -> list[SchoolYear] | None:
    year_code = options["year"]
    if options["all_years"]:
        if year_code:
            command.stderr.write(_("Chỉ dùng một trong hai: --year hoặc --all-years"))
            return None
        return list(
            SchoolYear.objects.filter(pk__in=Enrollment.objects.values("year")).order_by(
                "start_date"
            )
        )
    if year_code:
        year = SchoolYear.objects.filter(code=year_code).first()
        if year is None:
            command.stderr.write(_("Không có năm học %(code)s") % {"code": year_code})
            return None
        return [year]
    year = default_year()
    if year is None:
        command.stderr.write(_("Chưa có năm học nào"))
        return None
    return [year]


def run(command, options) -> int:
    org_code, codes = options["org"], options["indicator"]
    org = None
    if org_code:
        org = OrgUnit.objects.filter(code=org_code).first()
        if org is None:
            command.stderr.write(_("Không có đơn vị mã %(code)s") % {"code": org_code})
            return 2
    years = _years(command, options)
    if years is None:
        return 2
    indicators = None  # every indicator with a source (and the open-data snapshot, for all)
    if codes:
        indicators = list(Indicator.objects.exclude(source="").filter(code__in=codes))
        missing = sorted(set(codes) - {i.code for i in indicators})
        if missing:
            command.stderr.write(
                _("Không có chỉ tiêu có nguồn dữ liệu mã %(codes)s") % {"codes": ", ".join(missing)}
            )
            return 2
    counts = {"indicators": 0, "units": 0, "values": 0}
    for year in years:
        summary = recompute(org=org, year=year, indicators=indicators)
        command.stdout.write(
            _("Năm học %(year)s, đơn vị %(org)s")
            % {"year": year.code, "org": org.code if org else _("toàn bộ")}
        )
        counts["indicators"] = max(counts["indicators"], summary.indicators)
        counts["units"] = max(counts["units"], summary.units)
        counts["values"] += summary.values
    command.stdout.write(
        f"indicators={counts['indicators']} units={counts['units']} values={counts['values']}"
    )
    return 0
