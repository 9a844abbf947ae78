"""`hocso import students|staff|classes|equipment FILE --school CODE --year YYYY-YYYY
[--dry-run] [--partial] [--lang vi|en]`, and
`hocso import grades FILE --class CLASS_ID --subject SUBJECT_CODE --term 1|2` (the grades of one
class, subject and term: hocso.assessment.importers, same options, same report)

Prints every problem (row, column, value, reason), then as its last line exactly
`created=N updated=N unchanged=N rejected=N`. Exit status: 0 when no row was rejected, 1 when
rows were rejected, 2 when the file itself cannot be used (unreadable, not a spreadsheet, no
header, a required column missing) or the school/year given is wrong.
"""

import sys

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from hocso.assessment.importers import GRADES, add_grade_arguments, run_grades_import
from hocso.orgs.models import OrgKind, OrgUnit
from hocso.registry.importers import KINDS, ImportFileError, ImportResult, run_import
from hocso.registry.importers.problems import WARNING, Problem


def problem_line(problem: Problem) -> str:
    params = {"row": problem.row, "column": problem.column, "value": problem.value,
              "reason": problem.reason}  # fmt: skip
    if problem.column and problem.value:
        line = _("Dòng %(row)s, cột «%(column)s», giá trị «%(value)s»: %(reason)s") % params
    elif problem.column:
        line = _("Dòng %(row)s, cột «%(column)s»: %(reason)s") % params
    else:
        line = _("Dòng %(row)s: %(reason)s") % params
    if problem.level == WARNING:
        line = _("Cảnh báo: %(line)s") % {"line": line}
    return line


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Nhập danh sách học sinh, cán bộ, lớp hoặc thiết bị từ tệp .xlsx hoặc .csv. "
            "Mặc định: có dòng lỗi thì không ghi gì."
        )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=(*KINDS, GRADES))
        parser.add_argument("file")
        parser.add_argument("--school", help=_("mã trường (bắt buộc, trừ khi nhập điểm)"))
        parser.add_argument("--year", help=_("năm học, ví dụ 2025-2026"))
        parser.add_argument("--dry-run", action="store_true", help=_("chạy thử, không ghi gì"))
        parser.add_argument(
            "--partial", action="store_true", help=_("ghi các dòng hợp lệ, báo các dòng lỗi")
        )
        parser.add_argument("--lang", choices=["vi", "en"], default="vi")
        add_grade_arguments(parser)

    def handle(self, *args, kind, file, school, year, dry_run, partial, lang, **options):
        with translation.override(lang):
            code = self._run(kind, file, school, year, dry_run, partial, options)
        self.stdout.flush()
        if code:
            sys.exit(code)

    def _fail(self, message: str) -> int:
        self.stderr.write(message)
        self.stdout.write(ImportResult(kind="", mode="").summary_line)
        return 2

    def _run(self, kind, file, school_code, year, dry_run, partial, options) -> int:
        if kind != GRADES:
            school = OrgUnit.objects.filter(code=(school_code or "").strip()).first()
            if school is None or school.kind != OrgKind.SCHOOL:
                return self._fail(_("Không có trường nào mã %(code)s") % {"code": school_code})
        try:
            if kind == GRADES:
                result = run_grades_import(
                    path=file, class_id=options["class_id"], subject_code=options["subject"],
                    term=options["term"], actor=None, partial=partial, dry_run=dry_run,
                    file_name=file,
                )  # fmt: skip
            else:
                result = run_import(
                    kind=kind, path=file, school=school, year_code=year, actor=None,
                    partial=partial, dry_run=dry_run, file_name=file,
                )  # fmt: skip
        except FileNotFoundError:
            return self._fail(_("Không tìm thấy tệp %(file)s") % {"file": file})
        except OSError as exc:
            return self._fail(
                _("Không đọc được tệp %(file)s: %(error)s") % {"file": file, "error": exc}
            )
        except ImportFileError as exc:
            return self._fail(exc.reason)
        for problem in sorted(result.problems, key=lambda p: p.row or 0):
            self.stdout.write(problem_line(problem))
        planned = result.planned
        if dry_run:
            self.stdout.write(_("Chạy thử: không ghi dữ liệu nào."))
        elif not result.written:
            self.stdout.write(
                _("Không ghi dữ liệu nào vì có %(count)s dòng bị từ chối; hãy sửa tệp rồi nhập "
                  "lại, hoặc dùng --partial để chỉ ghi các dòng hợp lệ.")
                % {"count": result.rejected}
            )  # fmt: skip
        if not result.written:
            self.stdout.write(
                _("Các dòng hợp lệ: %(created)s thêm mới, %(updated)s cập nhật, "
                  "%(unchanged)s không đổi.") % planned
            )  # fmt: skip
        self.stdout.write(result.summary_line)
        return 1 if result.rejected else 0
