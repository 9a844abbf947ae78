"""`hocso export students|staff|classes|equipment --school CODE --year YYYY-YYYY
--format xlsx|csv --output FILE`

Writes the list with the same headers as the import, so the file imports back unchanged. Every
export is written to the audit log.
"""

import sys

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from hocso.orgs.models import OrgKind, OrgUnit, SchoolYear
from hocso.registry.exporters import FORMATS, export_records
from hocso.registry.importers import KINDS, SPECS


class Command(BaseCommand):
    @property
    def help(self):
        return _("Xuất danh sách học sinh, cán bộ, lớp hoặc thiết bị của một trường ra .xlsx/.csv.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--school", required=True, help=_("mã trường"))
        parser.add_argument("--year", help=_("năm học, ví dụ 2025-2026"))
        parser.add_argument("--format", choices=FORMATS, default="xlsx", dest="fmt")
        parser.add_argument("--output", required=True, help=_("tệp ghi ra"))
        parser.add_argument("--lang", choices=["vi", "en"], default="vi")

    def handle(self, *args, kind, school, year, fmt, output, lang, **options):
        with translation.override(lang):
            code = self._run(kind, school, year, fmt, output)
        if code:
            sys.exit(code)

    def _fail(self, message: str) -> int:
        self.stderr.write(message)
        return 2

    def _run(self, kind, school_code, year_code, fmt, output) -> int:
        school = OrgUnit.objects.filter(code=school_code.strip(), kind=OrgKind.SCHOOL).first()
        if school is None:
            return self._fail(_("Không có trường nào mã %(code)s") % {"code": school_code})
        year = None
        if SPECS[kind].needs_year:
            if not year_code:
                return self._fail(_("Cần cho biết năm học (--year, ví dụ 2025-2026)"))
            year = SchoolYear.objects.filter(code=year_code).first()
            if year is None:
                return self._fail(_("Không có năm học %(year)s") % {"year": year_code})
        try:
            count = export_records(
                actor=None, kind=kind, school=school, year=year, fmt=fmt, output=output
            )
        except OSError as exc:
            return self._fail(
                _("Không ghi được tệp %(file)s: %(error)s") % {"file": output, "error": exc}
            )
        self.stdout.write(
            _("Đã xuất %(count)s dòng vào %(file)s") % {"count": count, "file": output}
        )
        return 0
