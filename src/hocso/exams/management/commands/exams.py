"""`hocso exams generate --blueprint BLUEPRINT_ID --versions N --seed S --output DIR` and
`hocso exams blueprint-2025 --bank BANK_CODE [--grade 12] [--code CODE]`.

generate writes one PDF per version (`de_101.pdf`, …), the answer key of all versions as
`dap_an.pdf` and, for optical-mark grading, `dap_an.xlsx`; it prints one line per file written
and a summary line. When the bank lacks approved items for some cell of the blueprint it writes
nothing, lists those cells (need vs available) and exits 1. Exit 2: the blueprint does not
exist, or the output folder cannot be written.

blueprint-2025 creates the ready-made 2025 graduation-exam blueprint (Part I/II/III) for the
bank's subject (mathematics, physics, chemistry or biology), owned by the bank's unit, and
prints its id.

calibrate analyses the submitted attempts of an exam session (exams/analysis.py): classical item
statistics and an IRT calibration (2PL by default, or Rasch), stored on the session, its items
and its attempts. It prints one line per item (`item ID a=… b=… p=…`, "-" where a value cannot be
computed) and ends with `items=N candidates=N converged=true|false`. Exit 2: no such exam.

submit-expired submits (and grades) every attempt whose time and grace period are over, prints
`submitted=N` and stops; with `--every SECONDS` it keeps doing so until stopped, which is how
`scripts/serve.sh` runs it beside the task worker. Expired attempts are also submitted when
anyone touches them; this makes the results complete without waiting for that.
"""

import sys
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from hocso.exams.analysis import session_analyse
from hocso.exams.delivery import attempts_submit_expired
from hocso.exams.models import ExamSession
from hocso.questions.blueprints import (
    blueprint_2025_create,
    blueprint_check,
    blueprint_get,
    exam_versions_generate,
)
from hocso.questions.generation import ShortageError
from hocso.questions.models import Bank, Blueprint
from hocso.questions.papers import cell_label, paper_files
from hocso.questions.selectors import bank_get


class Command(BaseCommand):
    @property
    def help(self):
        return _("Sinh các mã đề từ ma trận đề và in đề, đáp án; tạo ma trận đề thi 2025.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        generating = actions.add_parser("generate", help=_("sinh mã đề, đề PDF và đáp án"))
        generating.add_argument("--blueprint", type=int, required=True, help=_("số hiệu ma trận"))
        generating.add_argument("--versions", type=int, required=True, help=_("số mã đề"))
        generating.add_argument("--seed", required=True, help=_("hạt giống ngẫu nhiên"))
        generating.add_argument("--output", required=True, help=_("thư mục ghi ra"))
        generating.add_argument(
            "--codes", default="", help=_("các mã đề, cách nhau bởi dấu phẩy (mặc định 101, 102…)")
        )
        generating.add_argument("--lang", choices=["vi", "en"], default="vi")
        ready = actions.add_parser(
            "blueprint-2025", help=_("tạo ma trận đề thi tốt nghiệp 2025 cho môn của ngân hàng")
        )
        ready.add_argument("--bank", required=True, help=_("mã ngân hàng câu hỏi"))
        ready.add_argument("--grade", type=int, default=12)
        ready.add_argument("--code", default="")
        ready.add_argument("--lang", choices=["vi", "en"], default="vi")
        calibrating = actions.add_parser(
            "calibrate", help=_("phân tích câu hỏi và hiệu chỉnh IRT cho một bài thi")
        )
        calibrating.add_argument("--exam", required=True, help=_("số hiệu (hoặc mã) bài thi"))
        calibrating.add_argument("--model", choices=["rasch", "2pl"], default="2pl")
        calibrating.add_argument("--lang", choices=["vi", "en"], default="vi")
        expiring = actions.add_parser(
            "submit-expired", help=_("nộp các bài làm đã hết giờ (kể cả thời gian ân hạn)")
        )
        expiring.add_argument(
            "--every", type=int, default=0, help=_("lặp lại sau mỗi số giây này (0: chạy một lần)")
        )
        expiring.add_argument("--lang", choices=["vi", "en"], default="vi")

    def handle(self, *args, action, lang, **options):
        with translation.override(lang):
            if action == "generate":
                code = self._generate(**options)
            elif action == "calibrate":
                code = self._calibrate(options["exam"], options["model"])
            elif action == "submit-expired":
                code = self._submit_expired(options["every"])
            else:
                code = self._blueprint_2025(options["bank"], options["grade"], options["code"])
        self.stdout.flush()
        if code:
            sys.exit(code)

    def _submit_expired(self, every: int) -> int:
        while True:
            self.stdout.write(f"submitted={attempts_submit_expired()}")
            self.stdout.flush()
            if every <= 0:
                return 0
            time.sleep(every)

    def _generate(self, *, blueprint, versions, seed, output, codes, **_options) -> int:
        try:
            found = blueprint_get(actor=None, pk=blueprint)
        except Blueprint.DoesNotExist:
            self.stderr.write(_("Không có ma trận đề số %(id)s") % {"id": blueprint})
            return 2
        if versions < 1:
            self.stderr.write(_("Số mã đề phải từ 1 trở lên"))
            return 2
        short = blueprint_check(actor=None, blueprint=found)
        if short:
            self._shortage(short)
            return 1
        code_list = [c.strip() for c in codes.split(",") if c.strip()] or None
        try:
            generated = exam_versions_generate(
                actor=None, blueprint=found, versions=versions, seed=seed, codes=code_list
            )
        except ShortageError as exc:
            cells = {c.pk: c for c in found.cells.select_related("topic")}
            self._shortage_lines([(cells[s.cell.key], s.need, s.available) for s in exc.shortages])
            return 1
        except ValueError:
            self.stderr.write(_("Cần đúng %(count)s mã đề khác nhau") % {"count": versions})
            return 2
        folder = Path(output)
        files = paper_files(found, generated)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name, render in files:
                path = folder / name
                path.write_bytes(render())
                self.stdout.write(str(path))
        except OSError as exc:
            self.stderr.write(
                _("Không ghi được vào thư mục %(folder)s: %(error)s")
                % {"folder": output, "error": exc}
            )
            return 2
        self.stdout.write(
            _("Đã sinh %(versions)s mã đề, mỗi đề %(questions)s câu, vào %(folder)s "
              "(%(files)s tệp).")
            % {"versions": len(generated), "questions": len(generated[0].questions),
               "folder": output, "files": len(files)}
        )  # fmt: skip
        return 0

    def _shortage(self, rows) -> None:
        self._shortage_lines([(row.cell, row.need, row.available) for row in rows])

    def _shortage_lines(self, rows) -> None:
        self.stderr.write(
            _("Ngân hàng không đủ câu hỏi đã duyệt cho %(count)s ô của ma trận đề:")
            % {"count": len(rows)}
        )
        for cell, need, available in rows:
            self.stderr.write(
                _("%(cell)s: cần %(need)s câu, có %(available)s")
                % {"cell": cell_label(cell), "need": need, "available": available}
            )

    def _blueprint_2025(self, bank_code: str, grade: int, code: str) -> int:
        try:
            bank = bank_get(actor=None, code=bank_code)
        except Bank.DoesNotExist:
            self.stderr.write(_("Không có ngân hàng câu hỏi mã %(code)s") % {"code": bank_code})
            return 2
        if bank.subject is None:
            self.stderr.write(_("Ngân hàng %(code)s chưa gắn môn học") % {"code": bank_code})
            return 2
        try:
            blueprint = blueprint_2025_create(
                actor=None, org_unit=bank.org_unit, subject=bank.subject, grade=grade, code=code
            )
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            return 2
        self.stdout.write(
            _("Đã tạo ma trận đề %(code)s (số hiệu %(id)s)")
            % {"code": blueprint.code, "id": blueprint.pk}
        )
        return 0

    def _calibrate(self, exam: str, model: str) -> int:
        found = ExamSession.objects.filter(pk=int(exam)).first() if exam.isdigit() else None
        found = found or ExamSession.objects.filter(code=exam).first()
        if found is None:
            self.stderr.write(_("Không có bài thi %(exam)s") % {"exam": exam})
            return 2
        outcome = session_analyse(actor=None, session=found, model=model)

        def shown(value, digits=2):
            return "-" if value is None else f"{value:.{digits}f}"

        for item in outcome.items:
            self.stdout.write(
                f"item {item.item_id} a={shown(item.irt_a)} b={shown(item.irt_b)} "
                f"p={shown(item.stats.facility)}"
            )
        converged = outcome.calibration is not None and outcome.calibration.converged
        self.stdout.write(
            f"items={len(outcome.items)} candidates={outcome.candidates} "
            f"converged={'true' if converged else 'false'}"
        )
        return 0
