"""`hocso compute-results --school SCHOOL_CODE --year YYYY-YYYY [--term 1|2] [--lang vi|en]`

Recomputes the term and year results of every class of a school from its grade books (with
--term: that term and the year). Prints, per class, the subjects still missing assessments, then
as its last line exactly `classes=N learners=N complete=N incomplete=N`. Exit status, as for the
imports: 0 when every learner has a result, 1 when some learners' results could not be decided
(missing assessments), 2 when the school or the year given is unknown.
"""

import sys

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from hocso.assessment.compute import Outcome
from hocso.assessment.services import results_compute
from hocso.curriculum.models import Subject
from hocso.orgs.models import OrgKind, OrgUnit, SchoolYear


def summary_line(outcome: Outcome) -> str:
    return (
        f"classes={outcome.classes} learners={outcome.learners} "
        f"complete={outcome.complete} incomplete={outcome.incomplete}"
    )


class Command(BaseCommand):
    @property
    def help(self):
        return _("Tính lại kết quả học tập học kì và cả năm của mọi lớp trong một trường.")

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help=_("mã trường"))
        parser.add_argument("--year", required=True, help=_("năm học, ví dụ 2025-2026"))
        parser.add_argument("--term", type=int, choices=[1, 2], help=_("chỉ học kì 1 hoặc 2"))
        parser.add_argument("--lang", choices=["vi", "en"], default="vi")

    def handle(self, *args, school, year, term, lang, **options):
        with translation.override(lang):
            code = self._run(school, year, term)
        self.stdout.flush()
        if code:
            sys.exit(code)

    def _fail(self, message: str) -> int:
        self.stderr.write(message)
        self.stdout.write(summary_line(Outcome()))
        return 2

    def _run(self, school_code: str, year_code: str, term: int | None) -> int:
        school = OrgUnit.objects.filter(code=school_code.strip()).first()
        if school is None or school.kind != OrgKind.SCHOOL:
            return self._fail(_("Không có trường nào mã %(code)s") % {"code": school_code})
        year = SchoolYear.objects.filter(code=year_code.strip()).first()
        if year is None:
            return self._fail(_("Không có năm học %(year)s") % {"year": year_code})
        outcome = results_compute(actor=None, school=school, year=year, term=term)
        names = dict(Subject.objects.values_list("code", "name"))
        for class_name, missing in outcome.incomplete_by_class.items():
            subjects = ", ".join(
                _("%(subject)s (%(count)s học sinh)")
                % {"subject": names.get(code, code), "count": count}
                for code, count in sorted(missing.items(), key=lambda item: (-item[1], item[0]))
            )
            self.stdout.write(
                _("Lớp %(name)s còn thiếu điểm: %(subjects)s")
                % {"name": class_name, "subjects": subjects}
            )
        if outcome.skipped_classes:
            self.stdout.write(
                _(
                    "Bỏ qua %(count)s lớp tiểu học: kết quả theo Thông tư 27 do giáo viên "
                    "đánh giá theo mức, không tính từ điểm."
                )
                % {"count": outcome.skipped_classes}
            )
        self.stdout.write(summary_line(outcome))
        return 1 if outcome.incomplete else 0
