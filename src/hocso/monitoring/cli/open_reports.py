"""`hocso monitoring open-reports --year YYYY-YYYY --period start|end --due YYYY-MM-DD`.

Opens a reporting period: a draft statistical report for every current school that has none
for that year and period yet (monitoring/reports.py `open_period`; running it again creates
nothing). Prints the year, period and due date, and ends with exactly `reports=N created=N`
(reports of the period now, of which created by this run). Exit 2: unknown year, bad period or
date.
"""

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hocso.monitoring.models import ReportPeriod, StatReport
from hocso.monitoring.reports import open_period
from hocso.orgs.models import SchoolYear

NAME = "open-reports"
HELP = gettext_noop("mở kì báo cáo thống kê cho mọi trường")  # translated when shown


def add_arguments(parser) -> None:
    parser.add_argument("--year", required=True, help=_("năm học, ví dụ 2026-2027"))
    parser.add_argument(
        "--period", required=True, choices=ReportPeriod.values, help=_("kì báo cáo: start hoặc end")
    )
    parser.add_argument("--due", required=True, help=_("hạn nộp, YYYY-MM-DD"))


def run(command, options) -> int:
    year = SchoolYear.objects.filter(code=options["year"]).first()
    if year is None:
        command.stderr.write(_("Không có năm học %(code)s") % {"code": options["year"]})
        return 2
    try:
        due = date.fromisoformat(options["due"])
    except ValueError:
        command.stderr.write(
            _("Hạn nộp “%(value)s” không đúng định dạng YYYY-MM-DD") % {"value": options["due"]}
        )
        return 2
    period = options["period"]
    created = open_period(year, period, due)
    total = StatReport.objects.filter(year=year, period=period).count()
    command.stdout.write(
        _("Năm học %(year)s, kì %(period)s, hạn nộp %(due)s")
        % {"year": year.code, "period": ReportPeriod(period).label, "due": due.strftime("%d/%m/%Y")}
    )
    command.stdout.write(f"reports={total} created={created}")
    return 0
