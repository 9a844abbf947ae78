"""`hocso resources import DIR_OR_ZIP --metadata FILE.xlsx [--dry-run] [--org CODE] [--publish]`

Imports a folder (or a .zip) of learning resources described by a metadata sheet: one row per
resource, header row first; columns (English or Vietnamese headers, any case or accents):

  id (mã)            identifier in the source; blank → the file's path (or the URL). A second
                     import matches the stored resource by it (within the owning unit).
  file (tệp)         path inside the folder/zip, with "/" ("toan6/phan-so.pdf")
  url (liên kết)     web address, for type "link" only
  title (tiêu đề)    required
  type (loại)        document | video | audio | image | link | scorm | html5 | ebook
  subject (môn)      subject code (TOAN, NV, …)
  grades (khối)      "6" or "6-9"
  topics (chủ đề)    topic codes of the subject in those grades, "," or ";" between them;
                     "6:T1" names the grade when the code exists in several
  licence (giấy phép) required: CC-BY-4.0, CC-BY-SA-4.0, CC-BY-ND-4.0, CC-BY-NC-4.0,
                     CC-BY-NC-SA-4.0, CC-BY-NC-ND-4.0, CC0-1.0, ARR
  language (ngôn ngữ) vi (default), en, km, other
  authors (tác giả), description (mô tả)

Every row is checked first (files by their content, packages as packages); every problem is
printed as "Dòng R, cột “C”, giá trị “V”: …". With any problem nothing is written (exit 1).
Otherwise new ids are created, a changed file or URL adds a version and changed details update
the resource (updated), the rest is unchanged — all in one transaction. The resources belong to
--org (default: the province, when there is exactly one); they are drafts, or published and
shared with the whole province with --publish. --dry-run checks and reports, writing nothing.
The last line is exactly `created=N updated=N unchanged=N rejected=N`. Exit 2: the folder, zip,
sheet or unit cannot be used at all.
"""

import argparse
import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from hocso.orgs.models import OrgKind, OrgUnit
from hocso.resources.importers.folder import ImportFileError, ImportResult, import_folder

ACTIONS = {"create": N_("tạo mới"), "update": N_("cập nhật"), "unchanged": N_("không đổi")}


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Nhập học liệu hàng loạt từ một thư mục hoặc tệp .zip kèm bảng tính thông tin "
            "(.xlsx, mỗi dòng một học liệu; các cột: id, file, url, title, type, subject, "
            "grades, topics, licence, language, authors, description — xem tài liệu của lệnh)."
        )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        importing = actions.add_parser(
            "import",
            help=_("nhập học liệu từ thư mục hoặc tệp .zip"),
            description=__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        importing.add_argument("source", help=_("thư mục hoặc tệp .zip chứa các tệp học liệu"))
        importing.add_argument(
            "--metadata", required=True, help=_("bảng tính .xlsx thông tin học liệu")
        )
        importing.add_argument("--dry-run", action="store_true", help=_("chạy thử, không ghi gì"))
        importing.add_argument(
            "--org", default="", help=_("mã đơn vị sở hữu học liệu (mặc định: tỉnh)")
        )
        importing.add_argument(
            "--publish",
            action="store_true",
            help=_("xuất bản và dùng chung toàn tỉnh (mặc định: bản nháp)"),
        )
        importing.add_argument("--lang", choices=["vi", "en"], default="vi")

    def handle(self, *args, action, lang, **options):
        with translation.override(lang):
            code = self._import(**options)
        self.stdout.flush()
        if code:
            sys.exit(code)

    def _fail(self, message: str) -> int:
        self.stderr.write(message)
        self.stdout.write(ImportResult().summary_line)
        return 2

    def _org(self, code: str) -> OrgUnit:
        if code:
            return OrgUnit.objects.get(code=code)
        provinces = list(OrgUnit.objects.filter(kind=OrgKind.PROVINCE, valid_to__isnull=True)[:2])
        if len(provinces) != 1:
            raise OrgUnit.DoesNotExist
        return provinces[0]

    def _import(self, *, source, metadata, dry_run, org, publish, **_options) -> int:
        try:
            unit = self._org(org)
        except OrgUnit.DoesNotExist:
            if org:
                return self._fail(_("Không có đơn vị mã %(code)s") % {"code": org})
            return self._fail(_("Hãy chọn đơn vị sở hữu học liệu bằng --org MÃ_ĐƠN_VỊ"))
        try:
            result = import_folder(
                source_path=Path(source),
                metadata_path=Path(metadata),
                org_unit=unit,
                dry_run=dry_run,
                publish=publish,
            )
        except ImportFileError as exc:
            return self._fail(str(exc))
        for problem in result.problems:
            self.stdout.write(problem.line())
        rejected = {p.row for p in result.problems if p.row is not None}
        for row in result.rows:
            if row.action and row.number not in rejected and row.action != "unchanged":
                self.stdout.write(
                    _("Dòng %(row)s “%(title)s”: %(action)s")
                    % {"row": row.number, "title": row.title, "action": _(ACTIONS[row.action])}
                )
        if dry_run:
            self.stdout.write(_("Chạy thử: không ghi dữ liệu nào."))
        elif result.rejected:
            self.stdout.write(
                _("Không ghi học liệu nào vì có %(count)s dòng bị từ chối; hãy sửa rồi nhập lại.")
                % {"count": result.rejected}
            )
        self.stdout.write(result.summary_line)
        return 1 if result.rejected else 0
