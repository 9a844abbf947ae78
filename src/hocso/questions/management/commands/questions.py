"""`hocso questions import FILE --format gift|moodle-xml|qti|xlsx --bank BANK_CODE [--dry-run]`
and `hocso questions export --bank BANK_CODE --format gift|moodle-xml|qti|xlsx --output FILE`.

Each format is its own module, `hocso.questions.formats.<gift|moodle_xml|qti|xlsx>`, with
`read(data) -> ReadResult` and `write(items) -> bytes | str` (questions/interchange.py); the
command finds it by name, so a format is added by adding its module.

Import prints every problem (where it is, what is wrong), one per line, then as its last line
exactly `created=N updated=N unchanged=N rejected=N`. Exit status: 0 when nothing was rejected,
1 when items were rejected (and then nothing is written), 2 when the file cannot be used at all
(missing, unreadable, too large, a format without a module) or the bank cannot be created.

Export writes every item of the bank the format can hold; an item it cannot (a format module
says why through its optional `unsupported_for_write(item)`) is named with the reason, and the
exit status is then 1.
"""

import importlib
import sys
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from hocso.questions.interchange import Problem
from hocso.questions.services import ImportSummary, items_export, items_import

FORMATS = {"gift": "gift", "moodle-xml": "moodle_xml", "qti": "qti", "xlsx": "xlsx"}


class FormatUnavailable(Exception):
    pass


def format_module(name: str):
    """The module of format `name` ("moodle-xml" → hocso.questions.formats.moodle_xml)."""
    module_name = f"hocso.questions.formats.{FORMATS[name]}"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # the module exists but something it imports is missing: a real error
        raise FormatUnavailable(
            _("Định dạng %(format)s chưa được hỗ trợ (không có mô-đun %(module)s)")
            % {"format": name, "module": module_name}
        ) from None


def problem_text(problem: Problem) -> str:
    """The problem's message in the active language, its parameters filled in."""
    message = _(problem.message)
    try:
        return message % problem.params
    except (TypeError, ValueError, KeyError):
        return message  # a message with a bare "%" and no parameters


def problem_line(problem: Problem) -> str:
    message = problem_text(problem)
    return _("%(where)s: %(message)s") % {"where": problem.where or _("tệp"), "message": message}


def _item_label(item) -> str:
    name = item.name or item.identifier
    return (
        _("câu hỏi «%(name)s»") % {"name": name}
        if name
        else _("câu hỏi «%(stem)s»") % {"stem": item.stem[:40]}
    )


class Command(BaseCommand):
    @property
    def help(self):
        return _("Nhập câu hỏi vào ngân hàng câu hỏi từ tệp, hoặc xuất một ngân hàng ra tệp.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        importing = actions.add_parser("import", help=_("nhập câu hỏi từ tệp"))
        importing.add_argument("file")
        importing.add_argument("--format", choices=FORMATS, required=True, dest="fmt")
        importing.add_argument("--bank", required=True, help=_("mã ngân hàng câu hỏi"))
        importing.add_argument("--dry-run", action="store_true", help=_("chạy thử, không ghi gì"))
        importing.add_argument("--lang", choices=["vi", "en"], default="vi")
        exporting = actions.add_parser("export", help=_("xuất một ngân hàng câu hỏi ra tệp"))
        exporting.add_argument("--bank", required=True, help=_("mã ngân hàng câu hỏi"))
        exporting.add_argument("--format", choices=FORMATS, required=True, dest="fmt")
        exporting.add_argument("--output", required=True, help=_("tệp ghi ra"))
        exporting.add_argument("--lang", choices=["vi", "en"], default="vi")

    def handle(self, *args, action, lang, **options):
        with translation.override(lang):
            if action == "import":
                code = self._import(options["file"], options["fmt"], options["bank"],
                                    options["dry_run"])  # fmt: skip
            else:
                code = self._export(options["bank"], options["fmt"], options["output"])
        self.stdout.flush()
        if code:
            sys.exit(code)

    def _fail(self, message: str, *, summary: bool) -> int:
        self.stderr.write(message)
        if summary:
            self.stdout.write(ImportSummary().summary_line)
        return 2

    def _import(self, file: str, fmt: str, bank_code: str, dry_run: bool) -> int:
        path = Path(file)
        try:
            module = format_module(fmt)
            if path.stat().st_size > settings.HOCSO_MAX_UPLOAD_BYTES:
                return self._fail(
                    _("Tệp %(file)s quá lớn (tối đa %(limit)s MB)")
                    % {"file": file, "limit": settings.HOCSO_MAX_UPLOAD_BYTES // (1024 * 1024)},
                    summary=True,
                )
            data = path.read_bytes()
        except FormatUnavailable as exc:
            return self._fail(str(exc), summary=True)
        except FileNotFoundError:
            return self._fail(_("Không tìm thấy tệp %(file)s") % {"file": file}, summary=True)
        except OSError as exc:
            return self._fail(
                _("Không đọc được tệp %(file)s: %(error)s") % {"file": file, "error": exc},
                summary=True,
            )
        try:
            result = module.read(data)
        except (ValueError, LookupError, OSError) as exc:
            # read() reports bad content as problems; an exception means the bytes are not a
            # file of this format at all (wrong encoding, not an archive…).
            return self._fail(
                _("Không đọc được tệp %(file)s theo định dạng %(format)s: %(error)s")
                % {"file": file, "format": fmt, "error": exc},
                summary=True,
            )
        try:
            summary = items_import(actor=None, bank_code=bank_code, result=result, dry_run=dry_run)
        except PermissionDenied as exc:
            return self._fail(str(exc) or _("Không có quyền"), summary=True)
        for problem in summary.problems:
            self.stdout.write(problem_line(problem))
        if dry_run:
            self.stdout.write(_("Chạy thử: không ghi dữ liệu nào."))
        elif summary.rejected:
            self.stdout.write(
                _("Không ghi câu hỏi nào vì có %(count)s câu bị từ chối; hãy sửa tệp rồi nhập lại.")
                % {"count": summary.rejected}
            )
        if summary.bank_created:
            self.stdout.write(_("Đã tạo ngân hàng câu hỏi %(code)s.") % {"code": bank_code})
        self.stdout.write(summary.summary_line)
        return 1 if summary.rejected else 0

    def _export(self, bank_code: str, fmt: str, output: str) -> int:
        try:
            module = format_module(fmt)
            items = items_export(actor=None, bank_code=bank_code)
        except FormatUnavailable as exc:
            return self._fail(str(exc), summary=False)
        except ObjectDoesNotExist:
            return self._fail(
                _("Không có ngân hàng câu hỏi mã %(code)s") % {"code": bank_code}, summary=False
            )
        # A format that cannot hold some items (GIFT has no ordering type, no images) names
        # them: they are reported one by one and left out, never dropped silently.
        unsupported = getattr(module, "unsupported_for_write", lambda item: None)
        skipped = [(item, reason) for item in items if (reason := unsupported(item))]
        for item, reason in skipped:
            self.stdout.write(
                _("%(where)s: không xuất được: %(reason)s")
                % {"where": _item_label(item), "reason": _(reason)}
            )
        items = [item for item in items if not unsupported(item)]
        try:
            written = module.write(items)
        except ValueError as exc:
            return self._fail(
                _("Không xuất được theo định dạng %(format)s: %(error)s")
                % {"format": fmt, "error": exc},
                summary=False,
            )
        try:
            Path(output).write_bytes(
                written.encode("utf-8") if isinstance(written, str) else written
            )
        except OSError as exc:
            return self._fail(
                _("Không ghi được tệp %(file)s: %(error)s") % {"file": output, "error": exc},
                summary=False,
            )
        self.stdout.write(
            _("Đã xuất %(count)s câu hỏi vào %(file)s") % {"count": len(items), "file": output}
        )
        if skipped:
            self.stdout.write(
                _("%(count)s câu hỏi không xuất được theo định dạng này.") % {"count": len(skipped)}
            )
            return 1
        return 0
