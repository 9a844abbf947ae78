"""`hocso monitoring alerts [--rule RULE …] [--year YYYY-YYYY]`.

Evaluates the alert rules (monitoring/alerts.py; default: every rule) for the school year
(default: the current one): raises new alerts (emailing their audience), updates changed ones and
resolves those whose condition no longer holds. Prints the year, then ends with exactly
`raised=N updated=N resolved=N`. Exit 2: unknown year or no school year at all.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hocso.monitoring.alerts import RULES, evaluate
from hocso.monitoring.compute import default_year
from hocso.orgs.models import SchoolYear

NAME = "alerts"
HELP = gettext_noop("kiểm tra các quy tắc cảnh báo, tạo/cập nhật/đóng cảnh báo")


def add_arguments(parser) -> None:
    parser.add_argument(
        "--rule",
        action="append",
        default=[],
        choices=sorted(str(name) for name in RULES),
        help=_("quy tắc (lặp lại được; mặc định: tất cả)"),
    )
    parser.add_argument("--year", default="", help=_("năm học, ví dụ 2025-2026"))


def run(command, options) -> int:
    year_code = options["year"]
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
    summary = evaluate(year=year, rules=options["rule"] or None)
    command.stdout.write(_("Năm học %(year)s") % {"year": year.code})
    command.stdout.write(
        f"raised={summary.raised} updated={summary.updated} resolved={summary.resolved}"
    )
    return 0
