"""`hocso monitoring recompute [--org ORG_CODE] [--year YYYY-YYYY] [--indicator CODE …]`.

recompute computes every indicator that has a data source for the units of the org's subtree
(default: the whole current tree) and the school year (default: the current one), replaces the
stored values (monitoring/compute.py), prints the year and unit it worked on and ends with
exactly `indicators=N units=N values=N` (indicators computed, units covered, value rows written,
breakdowns included). `--indicator CODE` (repeatable) limits it to some indicators.
Exit 2: unknown org, year or indicator.
"""

import sys

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from hocso.monitoring.compute import default_year, recompute
from hocso.monitoring.models import Indicator
from hocso.orgs.models import OrgUnit, SchoolYear


class Command(BaseCommand):
    @property
    def help(self):
        return _("Tính lại các chỉ tiêu giám sát và tổng hợp theo cây đơn vị.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        computing = actions.add_parser("recompute", help=_("tính lại giá trị các chỉ tiêu"))
        computing.add_argument("--org", default="", help=_("mã đơn vị (mặc định: toàn bộ)"))
        computing.add_argument("--year", default="", help=_("năm học, ví dụ 2025-2026"))
        computing.add_argument(
            "--indicator", action="append", default=[], help=_("mã chỉ tiêu (lặp lại được)")
        )
        computing.add_argument("--lang", choices=["vi", "en"], default="vi")

    def handle(self, *args, action, lang, **options):
        with translation.override(lang):
            code = self._recompute(options["org"], options["year"], options["indicator"])
        self.stdout.flush()
        if code:
            sys.exit(code)

    def _recompute(self, org_code: str, year_code: str, codes: list[str]) -> int:
        org = None
        if org_code:
            org = OrgUnit.objects.filter(code=org_code).first()
            if org is None:
                self.stderr.write(_("Không có đơn vị mã %(code)s") % {"code": org_code})
                return 2
        if year_code:
            year = SchoolYear.objects.filter(code=year_code).first()
            if year is None:
                self.stderr.write(_("Không có năm học %(code)s") % {"code": year_code})
                return 2
        else:
            year = default_year()
            if year is None:
                self.stderr.write(_("Chưa có năm học nào"))
                return 2
        indicators = Indicator.objects.exclude(source="")
        if codes:
            indicators = list(indicators.filter(code__in=codes))
            missing = sorted(set(codes) - {i.code for i in indicators})
            if missing:
                self.stderr.write(
                    _("Không có chỉ tiêu có nguồn dữ liệu mã %(codes)s")
                    % {"codes": ", ".join(missing)}
                )
                return 2
        indicators = list(indicators)
        summary = recompute(org=org, year=year, indicators=indicators)
        self.stdout.write(
            _("Năm học %(year)s, đơn vị %(org)s")
            % {"year": year.code, "org": org.code if org else _("toàn bộ")}
        )
        self.stdout.write(
            f"indicators={summary.indicators} units={summary.units} values={summary.values}"
        )
        return 0
