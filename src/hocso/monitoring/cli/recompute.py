"""`hocso monitoring recompute [--org ORG_CODE] [--year YYYY-YYYY] [--indicator CODE …]`.

Computes every indicator that has a data source for the units of the org's subtree (default: the
whole current tree) and the school year (default: the current one), replaces the stored values
(monitoring/compute.py), prints the year and unit it worked on and ends with exactly
`indicators=N units=N values=N` (indicators computed, units covered, value rows written,
breakdowns included). `--indicator CODE` (repeatable) limits it to some indicators.
Exit 2: unknown org, year or indicator.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hocso.monitoring.compute import default_year, recompute
from hocso.monitoring.models import Indicator
from hocso.orgs.models import OrgUnit, SchoolYear

NAME = "recompute"
HELP = gettext_noop("tính lại giá trị các chỉ tiêu")  # translated when shown


def add_arguments(parser) -> None:
    parser.add_argument("--org", default="", help=_("mã đơn vị (mặc định: toàn bộ)"))
    parser.add_argument("--year", default="", help=_("năm học, ví dụ 2025-2026"))
    parser.add_argument(
        "--indicator", action="append", default=[], help=_("mã chỉ tiêu (lặp lại được)")
    )


def run(command, options) -> int:
    org_code, year_code, codes = options["org"], options["year"], options["indicator"]
    org = None
    if org_code:
        org = OrgUnit.objects.filter(code=org_code).first()
        if org is None:
            command.stderr.write(_("Không có đơn vị mã %(code)s") % {"code": org_code})
            return 2
    if year_code:
        year = SchoolYear.objects.filter(code=year_code).first()
        if year is None:
            command.stderr.write(_("Không có năm học %(code)s") % {"code": year_code})
            return 2
    else:
        year = default_year()
        if year is None:
            command.stderr.write(_("Chưa có năm học nào"))
            return 2
    indicators = Indicator.objects.exclude(source="")
    if codes:
        indicators = list(indicators.filter(code__in=codes))
        missing = sorted(set(codes) - {i.code for i in indicators})
        if missing:
            command.stderr.write(
                _("Không có chỉ tiêu có nguồn dữ liệu mã %(codes)s") % {"codes": ", ".join(missing)}
            )
            return 2
    indicators = list(indicators)
    summary = recompute(org=org, year=year, indicators=indicators)
    command.stdout.write(
        _("Năm học %(year)s, đơn vị %(org)s")
        % {"year": year.code, "org": org.code if org else _("toàn bộ")}
    )
    command.stdout.write(
        f"indicators={summary.indicators} units={summary.units} values={summary.values}"
    )
    return 0
