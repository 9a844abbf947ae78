"""Bulk import of a folder (or a zip) of resources described by a metadata sheet.

The sheet (.xlsx, first worksheet, read with python-calamine) has a header row and one row per
resource. Headers are matched without case or diacritics, in English or Vietnamese:

| column       | also          | content                                                          |
|--------------|---------------|------------------------------------------------------------------|
| id           | mã            | the resource's identifier in the source (Resource.external_id);  |
|              |               | blank: the file's path (or the URL). A second import matches by it|
| file         | tệp           | path of the file inside the folder/zip ("toan6/phan-so.pdf")     |
| url          | liên kết      | the web address, for type "link" only                            |
| title        | tiêu đề       | required                                                         |
| type         | loại          | document, video, audio, image, link, scorm, html5, ebook (or the |
|              |               | Vietnamese name: tài liệu, âm thanh, hình ảnh, liên kết, …)      |
| subject      | môn           | subject code (TOAN, NV, …); needed for topics                    |
| grades       | khối          | "6", or a range "6-9"                                            |
| topics       | chủ đề        | topic codes of the subject in those grades, separated by "," or  |
|              |               | ";" — "6:T1" names the grade when a code exists in several       |
| licence      | giấy phép     | required: CC-BY-4.0, CC-BY-SA-4.0, CC-BY-ND-4.0, CC-BY-NC-4.0,   |
|              |               | CC-BY-NC-SA-4.0, CC-BY-NC-ND-4.0, CC0-1.0, ARR ("CC BY 4.0" too) |
| language     | ngôn ngữ      | vi (default), en, km, other                                      |
| authors      | tác giả       |                                                                  |
| description  | mô tả         |                                                                  |

Every row is checked before anything is written, and every problem is reported with its row,
column and value: unknown codes, a file that is missing, outside the folder, too large or not
of its type by its content (a SCORM/HTML5 zip is checked as a package), a duplicate id. Then,
matched by (owning unit, id) with what is stored: a new id is CREATED, a changed file (by its
SHA-256) or URL gives a new version and a changed description an update (UPDATED), and the
rest is UNCHANGED. The writes go through resources/services.py as the system, in one
transaction: any problem, even one that only shows while writing, leaves nothing written.

Files in a zip are read from inside the zip (each member copied to a spooled temporary file as
it is needed); the zip is checked first like a package (packages.check_zip: no absolute paths,
no "..", no symlinks, sizes and ratios).
"""

import hashlib
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from hocso.core.text import clean_text, fold
from hocso.curriculum.models import Subject, Topic
from hocso.orgs.models import OrgUnit

from ..models import (
    PACKAGE_TYPES,
    FileRole,
    Language,
    Licence,
    Resource,
    ResourceFile,
    ResourceStatus,
    ResourceType,
    ReviewDecision,
    Sharing,
)

CHUNK = 1024 * 1024
SPOOL_BYTES = 8 * 1024 * 1024
MAX_ROWS = 20000
SHEET_INFLATE_LIMIT = 20  # an .xlsx inflates 5–10×; more is a zip bomb
TITLE_MAX = 300
EXTERNAL_ID_MAX = 100

# Column key → header spellings (compared folded: no case, no diacritics, single spaces).
COLUMNS = {
    "id": ("id", "ma", "ma hoc lieu", "external id", "external_id"),
    "file": ("file", "tep", "ten tep", "duong dan tep", "path"),
    "url": ("url", "lien ket", "duong dan", "link"),
    "title": ("title", "tieu de", "ten hoc lieu"),
    "type": ("type", "loai", "loai hoc lieu"),
    "subject": ("subject", "mon", "mon hoc", "ma mon"),
    "grades": ("grades", "grade", "khoi", "khoi lop", "lop"),
    "topics": ("topics", "chu de", "ma chu de"),
    "licence": ("licence", "license", "giay phep"),
    "language": ("language", "ngon ngu"),
    "authors": ("authors", "author", "tac gia"),
    "description": ("description", "mo ta"),
}
REQUIRED_COLUMNS = ("title", "type", "licence")
# The services' form fields → the sheet's columns, for problems found while writing.
FIELD_COLUMNS = {"upload": "file", "grade_from": "grades", "grade_to": "grades"}

EDITABLE = (
    ResourceStatus.DRAFT, ResourceStatus.SUBMITTED, ResourceStatus.CHANGES_REQUESTED,
    ResourceStatus.PUBLISHED,
)  # fmt: skip
_http_url = URLValidator(schemes=["http", "https"])


def _key(value) -> str:
    """Letters and digits only, folded: "CC BY 4.0", "cc-by-4.0" → "ccby40"."""
    return re.sub(r"[^a-z0-9]", "", fold(str(value)))


def _aliases(choices, extra: dict[str, str]) -> dict[str, str]:
    found = {}
    for value, label in choices.choices:
        found[_key(value)] = value
        found[_key(label)] = value
    found.update({_key(k): v for k, v in extra.items()})
    return found


TYPE_ALIASES = _aliases(
    ResourceType,
    {"tài liệu": "document", "âm thanh": "audio", "hình ảnh": "image", "ảnh": "image",
     "liên kết": "link", "sách điện tử": "ebook", "mô phỏng": "html5", "pdf": "document"},
)  # fmt: skip
LICENCE_ALIASES = _aliases(
    Licence,
    {"CC BY": "CC-BY-4.0", "CC BY-SA": "CC-BY-SA-4.0", "CC BY-ND": "CC-BY-ND-4.0",
     "CC BY-NC": "CC-BY-NC-4.0", "CC BY-NC-SA": "CC-BY-NC-SA-4.0",
     "CC BY-NC-ND": "CC-BY-NC-ND-4.0", "CC0": "CC0-1.0", "All rights reserved": "ARR"},
)  # fmt: skip
LANGUAGE_ALIASES = _aliases(Language, {"Tiếng Việt": "vi", "Việt": "vi", "English": "en"})


class ImportFileError(Exception):
    """The folder, zip or sheet cannot be used at all (the command exits 2)."""


@dataclass
class Problem:
    row: int | None  # the sheet's row number as Excel shows it (the header is row 1)
    column: str  # the header as written in the sheet
    value: str
    message: str  # already translated

    def line(self) -> str:
        if self.row is None:
            return self.message
        if not self.column:
            return _("Dòng %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return _("Dòng %(row)s, cột “%(column)s”, giá trị “%(value)s”: %(message)s") % {
            "row": self.row, "column": self.column, "value": self.value, "message": self.message,
        }  # fmt: skip


@dataclass
class Row:
    number: int
    values: dict  # column key → cleaned text
    external_id: str = ""
    file: str = ""  # the member's name in the source
    url: str = ""
    title: str = ""
    type: str = ""
    subject: Subject | None = None
    grade_from: int | None = None
    grade_to: int | None = None
    topics: list = field(default_factory=list)  # Topic
    licence: str = ""
    language: str = Language.VIETNAMESE
    authors: str = ""
    description: str = ""
    sha256: str = ""
    # Filled by the plan:
    action: str = ""  # "create", "update", "unchanged"
    resource: Resource | None = None
    content_changed: bool = False
    metadata_changed: list = field(default_factory=list)
    publish: bool = False


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    written: bool = False

    @property
    def summary_line(self) -> str:
        return (
            f"created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} rejected={self.rejected}"
        )


# --- the files ----------------------------------------------------------------------------------


def _safe_relative(name: str) -> str | None:
    """A clean relative POSIX path, or None when the name could reach outside the folder."""
    name = name.strip()
    if not name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in PurePosixPath(name).parts if p != "."]
    if not parts or any(p == ".." for p in parts) or any("\x00" in p for p in parts):
        return None
    return "/".join(parts)


class FolderSource:
    def __init__(self, root: Path):
        self.root = root.resolve()

    def size(self, name: str) -> int | None:
        path = (self.root / name).resolve()
        # A symlink (or anything) that resolves outside the folder does not exist for us.
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path.stat().st_size

    def open(self, name: str) -> File:
        return File((self.root / name).open("rb"), name=PurePosixPath(name).name)

    def close(self) -> None:
        pass


class ZipSource:
    """Members of a checked zip, read in place (one at a time, through a spooled copy so that
    the services can seek)."""

    def __init__(self, path: Path):
        from .. import packages

        try:
            self.zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, UnicodeDecodeError) as exc:
            raise ImportFileError(
                _("Tệp %(file)s không phải tệp nén zip hợp lệ: %(error)s")
                % {"file": path, "error": exc}
            ) from None
        try:
            infos = packages.check_zip(self.zf)
        except ValidationError as exc:
            self.zf.close()
            raise ImportFileError(
                _("Tệp nén %(file)s không an toàn: %(error)s")
                % {"file": path, "error": " ".join(exc.messages)}
            ) from None
        self.members = {info.filename: info for info in infos}
        tops = {name.split("/", 1)[0] for name in self.members}
        # A zipped folder holds "folder/…": the sheet may name files with or without it.
        self.top = (
            next(iter(tops)) + "/" if len(tops) == 1 and "/" in next(iter(self.members)) else ""
        )

    def _info(self, name: str):
        return self.members.get(name) or (self.members.get(self.top + name) if self.top else None)

    def size(self, name: str) -> int | None:
        info = self._info(name)
        return None if info is None else info.file_size

    def open(self, name: str) -> File:
        from ..files import max_upload_bytes

        info = self._info(name)
        copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - File closes it
        limit = min(info.file_size, max_upload_bytes())
        total = 0
        with self.zf.open(info) as member:
            while chunk := member.read(CHUNK):
                total += len(chunk)
                if total > limit:  # the header lied about the size
                    copy.close()
                    raise ValidationError(
                        _("Tệp “%(name)s” giải nén ra nhiều hơn kích thước khai báo trong tệp nén.")
                        % {"name": name}
                    )
                copy.write(chunk)
        copy.seek(0)
        return File(copy, name=PurePosixPath(name).name)

    def close(self) -> None:
        self.zf.close()


def open_source(path: Path):
    if path.is_dir():
        return FolderSource(path)
    if path.is_file() and zipfile.is_zipfile(path):
        return ZipSource(path)
    if not path.exists():
        raise ImportFileError(_("Không tìm thấy thư mục hay tệp nén %(path)s") % {"path": path})
    raise ImportFileError(_("%(path)s không phải thư mục hay tệp nén .zip") % {"path": path})


# --- the sheet ----------------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value))


def _check_sheet_size(path: Path) -> None:
    """Refuse a sheet too large to read, or one that inflates to gigabytes (a zip bomb)."""
    limit = settings.HOCSO_MAX_UPLOAD_BYTES
    too_large = path.stat().st_size > limit
    if not too_large and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            too_large = sum(i.file_size for i in archive.infolist()) > limit * SHEET_INFLATE_LIMIT
    if too_large:
        raise ImportFileError(
            _("Bảng tính %(file)s quá lớn; hãy tách thành nhiều tệp") % {"file": path}
        )


def read_sheet(path: Path) -> tuple[dict[str, str], list[tuple[int, dict[str, str]]], list[str]]:
    """(column key → header as written, [(row number, {key: text})], unknown headers)."""
    if not path.is_file():
        raise ImportFileError(_("Không tìm thấy tệp thông tin %(file)s") % {"file": path})
    _check_sheet_size(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError, IndexError) as exc:
        raise ImportFileError(
            _("Không đọc được bảng tính %(file)s (cần tệp .xlsx): %(error)s")
            % {"file": path, "error": exc}
        ) from None
    if not rows:
        raise ImportFileError(_("Bảng tính %(file)s không có dòng nào") % {"file": path})
    if len(rows) > MAX_ROWS + 1:
        raise ImportFileError(
            _("Bảng tính có %(count)s dòng, vượt giới hạn %(limit)s; hãy tách thành nhiều tệp")
            % {"count": len(rows) - 1, "limit": MAX_ROWS}
        )
    spellings = {fold(alias): key for key, aliases in COLUMNS.items() for alias in aliases}
    headers: dict[str, str] = {}
    positions: dict[int, str] = {}
    unknown = []
    for index, header in enumerate(rows[0]):
        text = _cell_text(header)
        if not text:
            continue
        key = spellings.get(fold(text))
        if key is None or key in headers:
            unknown.append(text)
            continue
        headers[key] = text
        positions[index] = key
    missing = [key for key in REQUIRED_COLUMNS if key not in headers]
    if "file" not in headers and "url" not in headers:
        missing.append("file")
    if missing:
        raise ImportFileError(
            _("Bảng tính thiếu cột: %(columns)s (dòng 1 là dòng tiêu đề cột)")
            % {"columns": ", ".join(missing)}
        )
    body = []
    for number, raw in enumerate(rows[1:], start=2):
        values = {key: _cell_text(raw[i]) if i < len(raw) else "" for i, key in positions.items()}
        if "description" in values:  # keep the paragraphs typed in the cell
            index = next(i for i, key in positions.items() if key == "description")
            values["description"] = _description(raw[index] if index < len(raw) else "")
        if any(values.values()):
            body.append((number, values))
    return headers, body, unknown


# --- checking rows ------------------------------------------------------------------------------


class _Checker:
    def __init__(self, *, headers, source, org_unit):
        self.headers = headers
        self.source = source
        self.org_unit = org_unit
        self.problems: list[Problem] = []

    def problem(self, row: Row, column: str, message: str) -> None:
        self.problems.append(
            Problem(
                row.number, self.headers.get(column, column), row.values.get(column, ""), message
            )
        )

    def check(self, rows: list[Row]) -> None:
        subjects = {
            s.code: s
            for s in Subject.objects.filter(
                code__in={r.values.get("subject", "").upper() for r in rows}
            )
        }
        topics_by_subject: dict[int, list[dict]] = {}
        for topic in Topic.objects.filter(grade_subject__subject__in=subjects.values()).values(
            "pk", "code", "grade_subject__grade", "grade_subject__subject_id"
        ):
            topics_by_subject.setdefault(topic["grade_subject__subject_id"], []).append(topic)
        topic_objects = {}
        for row in rows:
            self._row(row, subjects)
            if row.subject is not None and row.values.get("topics"):
                wanted = self._topic_ids(row, topics_by_subject.get(row.subject.pk, []))
                topic_objects.update({pk: None for pk in wanted})
                row.topics = wanted
        # One query for the topics of every row (services want Topic objects).
        found = Topic.objects.in_bulk(list(topic_objects))
        for row in rows:
            row.topics = [found[pk] for pk in row.topics]
        self._duplicates(rows)

    def _row(self, row: Row, subjects) -> None:
        values = row.values
        row.title = values.get("title", "")
        if not row.title:
            self.problem(row, "title", _("Thiếu tiêu đề."))
        elif len(row.title) > TITLE_MAX:
            self.problem(row, "title", _("Tiêu đề dài quá %(limit)s ký tự.") % {"limit": TITLE_MAX})
        row.type = TYPE_ALIASES.get(_key(values.get("type", "")), "")
        if not row.type:
            self.problem(
                row, "type",
                _("Loại học liệu không hợp lệ; cần một trong: %(choices)s.")
                % {"choices": ", ".join(ResourceType.values)},
            )  # fmt: skip
        row.licence = LICENCE_ALIASES.get(_key(values.get("licence", "")), "")
        if not row.licence:
            self.problem(
                row, "licence",
                _("Giấy phép không hợp lệ; cần một trong: %(choices)s.")
                % {"choices": ", ".join(Licence.values)},
            )  # fmt: skip
        language = values.get("language", "")
        row.language = LANGUAGE_ALIASES.get(_key(language), "") if language else Language.VIETNAMESE
        if not row.language:
            self.problem(
                row, "language",
                _("Ngôn ngữ không hợp lệ; cần một trong: %(choices)s.")
                % {"choices": ", ".join(Language.values)},
            )  # fmt: skip
        row.authors = values.get("authors", "")[:300]
        row.description = values.get("description", "")
        self._subject_and_grades(row, subjects)
        self._content(row)
        row.external_id = values.get("id", "") or row.file or row.url
        if len(row.external_id) > EXTERNAL_ID_MAX:
            self.problem(
                row, "id" if values.get("id") else ("file" if row.file else "url"),
                _("Mã học liệu dài quá %(limit)s ký tự; hãy điền cột “id” ngắn hơn.")
                % {"limit": EXTERNAL_ID_MAX},
            )  # fmt: skip

    def _subject_and_grades(self, row: Row, subjects) -> None:
        code = row.values.get("subject", "").upper()
        if code:
            row.subject = subjects.get(code)
            if row.subject is None:
                self.problem(row, "subject", _("Không có môn học mã này."))
        grades = row.values.get("grades", "")
        if grades:
            match = re.fullmatch(r"(\d{1,2})(?:\s*[-–—]\s*(\d{1,2}))?", grades)
            low = int(match.group(1)) if match else 0
            high = int(match.group(2) or low) if match else 0
            if not (match and 1 <= low <= high <= 12):
                self.problem(
                    row, "grades", _("Khối phải là một số từ 1 đến 12 hoặc khoảng như “6-9”.")
                )
            else:
                row.grade_from, row.grade_to = low, high
        if row.values.get("topics") and row.subject is None and not code:
            self.problem(row, "subject", _("Có chủ đề thì phải ghi môn học."))
        if row.values.get("topics") and row.grade_from is None and not grades:
            self.problem(row, "grades", _("Có chủ đề thì phải ghi khối."))

    def _topic_ids(self, row: Row, topics: list[dict]) -> list[int]:
        if row.grade_from is None:
            return []
        wanted = []
        grades = str(row.grade_from)
        if row.grade_to != row.grade_from:
            grades = f"{row.grade_from}–{row.grade_to}"
        for part in re.split(r"[,;\n]", row.values["topics"]):
            part = part.strip()
            if not part:
                continue
            grade, _sep, code = part.rpartition(":")
            candidates = [
                t for t in topics
                if t["code"].casefold() == code.casefold()
                and row.grade_from <= t["grade_subject__grade"] <= row.grade_to
                and (not grade or str(t["grade_subject__grade"]) == grade.strip())
            ]  # fmt: skip
            if len(candidates) == 1:
                wanted.append(candidates[0]["pk"])
            elif not candidates:
                self.problem(
                    row, "topics",
                    _("Không có chủ đề “%(code)s” của môn %(subject)s ở khối %(grades)s.")
                    % {"code": part, "subject": row.subject.code, "grades": grades},
                )  # fmt: skip
            else:
                self.problem(
                    row, "topics",
                    _("Chủ đề “%(code)s” có ở nhiều khối; hãy ghi kèm khối, ví dụ “%(example)s”.")
                    % {"code": part, "example": f"{candidates[0]['grade_subject__grade']}:{code}"},
                )  # fmt: skip
        return list(dict.fromkeys(wanted))

    def _content(self, row: Row) -> None:
        file, url = row.values.get("file", ""), row.values.get("url", "")
        if row.type == ResourceType.LINK:
            if file:
                self.problem(
                    row, "file", _("Học liệu loại liên kết không kèm tệp; để trống cột này.")
                )
            if not url:
                self.problem(row, "url", _("Học liệu loại liên kết cần địa chỉ web."))
                return
            try:
                _http_url(url)
            except ValidationError:
                self.problem(
                    row,
                    "url",
                    _("Địa chỉ web không hợp lệ: cần bắt đầu bằng http:// hoặc https://."),
                )
                return
            row.url = url
            return
        if url:
            self.problem(
                row, "url", _("Chỉ học liệu loại liên kết mới có địa chỉ web; loại này cần tệp.")
            )
        if not file:
            if row.type:
                self.problem(row, "file", _("Thiếu tệp học liệu."))
            return
        name = _safe_relative(file)
        if name is None:
            self.problem(
                row, "file",
                _("Đường dẫn tệp phải là đường dẫn tương đối trong thư mục (không “..”, không "
                  "bắt đầu bằng “/”, dùng “/” để ngăn thư mục)."),
            )  # fmt: skip
            return
        size = self.source.size(name)
        if size is None:
            self.problem(row, "file", _("Không có tệp này trong thư mục hay tệp nén."))
            return
        from ..files import max_upload_bytes

        if size > max_upload_bytes():
            self.problem(
                row, "file",
                _("Tệp quá lớn: tối đa %(limit)s MB cho mỗi tệp học liệu.")
                % {"limit": max_upload_bytes() // (1024 * 1024)},
            )  # fmt: skip
            return
        row.file = name
        if row.type:
            self._file_content(row)

    def _file_content(self, row: Row) -> None:
        """The type by content, the SHA-256 and, for packages, the package checks."""
        from .. import files

        try:
            with self.source.open(row.file) as handle:
                found = files.sniff_file(handle)
                accept = files.ACCEPTED_TYPES.get(row.type, frozenset())
                if found not in accept:
                    self.problem(
                        row, "file",
                        _("Tệp là %(found)s (xét theo nội dung); loại “%(type)s” cần: "
                          "%(expected)s.")
                        % {"found": files.type_label(found), "type": row.type,
                           "expected": ", ".join(sorted(files.type_label(t) for t in accept))},
                    )  # fmt: skip
                    return
                digest = hashlib.sha256()
                handle.seek(0)
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                row.sha256 = digest.hexdigest()
                if row.type in PACKAGE_TYPES:
                    handle.seek(0)
                    _package_check(handle, row.type)
        except ValidationError as exc:
            self.problem(row, "file", " ".join(exc.messages))
        except (OSError, zipfile.BadZipFile) as exc:
            self.problem(row, "file", _("Không đọc được tệp: %(error)s") % {"error": exc})

    def _duplicates(self, rows: list[Row]) -> None:
        seen: dict[str, int] = {}
        for row in rows:
            if not row.external_id:
                continue
            first = seen.setdefault(row.external_id, row.number)
            if first != row.number:
                column = "id" if row.values.get("id") else ("file" if row.file else "url")
                self.problem(
                    row, column,
                    _("Trùng mã học liệu với dòng %(row)s; mỗi học liệu một mã (cột “id”).")
                    % {"row": first},
                )  # fmt: skip


def _package_check(handle, kind: str) -> None:
    """The checks package_unpack makes before writing, without writing (for the dry run)."""
    from .. import packages

    with zipfile.ZipFile(handle) as zf:
        members = packages.check_zip(zf)
        names = [info.filename for info in members]
        if kind == ResourceType.HTML5:
            packages.html5_entry(names)
            return
        by_name = {info.filename: info for info in members}
        prefix = ""
        if packages.MANIFEST_NAME not in by_name:
            tops = {name.split("/", 1)[0] for name in names}
            prefix = next(iter(tops)) + "/" if len(tops) == 1 else ""
            if not prefix or prefix + packages.MANIFEST_NAME not in by_name:
                raise packages.PackageRejected(
                    _("Gói SCORM không có tệp imsmanifest.xml ở thư mục gốc.")
                )
        info = by_name[prefix + packages.MANIFEST_NAME]
        if info.file_size > packages.MAX_MANIFEST_BYTES:
            raise packages.PackageRejected(_("Tệp imsmanifest.xml quá lớn."))
        data = zf.read(info)
        packages.parse_manifest(
            data, names={n[len(prefix) :] for n in names if n.startswith(prefix)}
        )


# --- the plan -----------------------------------------------------------------------------------


def _description(value: str) -> str:
    """As services store it (NFC lines, trimmed, paragraphs kept), so a re-import compares equal."""
    text = str(value or "").replace("\r\n", "\n")
    return "\n".join(clean_text(line) for line in text.split("\n")).strip()


def _plan(rows: list[Row], org_unit: OrgUnit, *, publish: bool, checker: _Checker) -> None:
    existing = {
        r.external_id: r
        for r in Resource.objects.filter(
            org_unit=org_unit, external_id__in=[row.external_id for row in rows]
        ).select_related("current_version")
    }
    current_files = {
        (f["version_id"]): f["sha256"]
        for f in ResourceFile.objects.filter(
            version_id__in=[r.current_version_id for r in existing.values()],
            role__in=[FileRole.MAIN, FileRole.PACKAGE],
        ).values("version_id", "sha256")
    }
    topics = {}
    for link in Resource.topics.through.objects.filter(
        resource_id__in=[r.pk for r in existing.values()]
    ).values("resource_id", "topic_id"):
        topics.setdefault(link["resource_id"], set()).add(link["topic_id"])
    for row in rows:
        resource = existing.get(row.external_id)
        row.resource = resource
        if resource is None:
            row.action = "create"
            row.publish = publish
            continue
        if resource.type != row.type:
            checker.problem(
                row, "type",
                _("Học liệu mã “%(id)s” đã có với loại “%(type)s”; không đổi loại được — hãy "
                  "dùng mã khác.") % {"id": row.external_id, "type": resource.type},
            )  # fmt: skip
            continue
        version = resource.current_version
        if row.type == ResourceType.LINK:
            row.content_changed = version is None or version.url != row.url
        else:
            row.content_changed = current_files.get(resource.current_version_id) != row.sha256
        wanted = {
            "title": clean_text(row.title),
            "description": _description(row.description),
            "subject": row.subject.pk if row.subject else None,
            "grade_from": row.grade_from,
            "grade_to": row.grade_to,
            "licence": row.licence,
            "language": row.language,
            "authors": clean_text(row.authors),
        }
        stored = {
            "title": resource.title,
            "description": resource.description,
            "subject": resource.subject_id,
            "grade_from": resource.grade_from,
            "grade_to": resource.grade_to,
            "licence": resource.licence,
            "language": resource.language,
            "authors": resource.authors,
        }
        row.metadata_changed = [name for name in wanted if wanted[name] != stored[name]]
        if {t.pk for t in row.topics} != topics.get(resource.pk, set()):
            row.metadata_changed.append("topics")
        row.publish = publish and not (
            resource.status == ResourceStatus.PUBLISHED and resource.sharing == Sharing.PROVINCE
        )
        changed = row.content_changed or row.metadata_changed or row.publish
        if changed and resource.status not in EDITABLE:
            checker.problem(
                row, "",
                _("Học liệu mã “%(id)s” đang ở trạng thái “%(status)s”, không cập nhật được.")
                % {"id": row.external_id, "status": resource.get_status_display()},
            )  # fmt: skip
            continue
        row.action = "update" if changed else "unchanged"


# --- writing ------------------------------------------------------------------------------------


def _publish(resource: Resource) -> None:
    from .. import services

    resource.refresh_from_db()
    if resource.status in (ResourceStatus.DRAFT, ResourceStatus.CHANGES_REQUESTED):
        resource = services.resource_submit(actor=None, resource=resource)
    if resource.status == ResourceStatus.SUBMITTED:
        services.resource_review(
            actor=None, resource=resource, decision=ReviewDecision.APPROVE, sharing=Sharing.PROVINCE
        )
    elif resource.status == ResourceStatus.PUBLISHED and resource.sharing != Sharing.PROVINCE:
        services.resource_share(actor=None, resource=resource, sharing=Sharing.PROVINCE)


def _write(row: Row, source, org_unit: OrgUnit, *, note: str) -> None:
    from .. import services

    upload = source.open(row.file) if row.file else None
    try:
        if row.action == "create":
            row.resource = services.resource_create(
                actor=None, org_unit=org_unit, type=row.type, title=row.title,
                licence=row.licence, description=row.description, subject=row.subject,
                grade_from=row.grade_from, grade_to=row.grade_to, topics=row.topics,
                language=row.language, authors=row.authors, upload=upload, url=row.url,
                external_id=row.external_id, submit=row.publish,
            )  # fmt: skip
        else:
            if row.metadata_changed:
                fields = {
                    "title": row.title, "description": row.description, "subject": row.subject,
                    "grade_from": row.grade_from, "grade_to": row.grade_to,
                    "topics": row.topics, "licence": row.licence, "language": row.language,
                    "authors": row.authors,
                }  # fmt: skip
                services.resource_update(
                    actor=None, resource=row.resource,
                    **{k: v for k, v in fields.items() if k in row.metadata_changed
                       or k in ("subject", "grade_from", "grade_to")},
                )  # fmt: skip
            if row.content_changed:
                services.version_add(
                    actor=None, resource=row.resource, upload=upload, url=row.url, note=note
                )
        if row.publish:
            _publish(row.resource)
    finally:
        if upload is not None:
            upload.close()


def import_folder(
    *,
    source_path: Path,
    metadata_path: Path,
    org_unit: OrgUnit,
    dry_run: bool = False,
    publish: bool = False,
) -> ImportResult:
    """Check every row, then (unless a dry run or any problem) write them all in one
    transaction. Raises ImportFileError when the folder, zip or sheet cannot be used at all."""
    headers, body, unknown = read_sheet(metadata_path)
    result = ImportResult()
    source = open_source(source_path)
    try:
        checker = _Checker(headers=headers, source=source, org_unit=org_unit)
        for text in unknown:
            result.problems.append(
                Problem(None, text, "", _("Bỏ qua cột không biết “%(column)s”.") % {"column": text})
            )
        rows = [Row(number=number, values=values) for number, values in body]
        checker.check(rows)
        bad = {p.row for p in checker.problems}
        _plan([r for r in rows if r.number not in bad], org_unit, publish=publish, checker=checker)
        result.rows = rows
        if not checker.problems and not dry_run:
            note = _("Nhập từ %(name)s") % {"name": source_path.name}
            _apply(rows, source, org_unit, checker=checker, note=note)
        result.problems += checker.problems
        bad = {p.row for p in checker.problems if p.row is not None}
        result.rejected = len(bad)
        counted = {"create": "created", "update": "updated", "unchanged": "unchanged"}
        for row in rows:
            if row.number not in bad and row.action:
                name = counted[row.action]
                setattr(result, name, getattr(result, name) + 1)
        result.written = not dry_run and not bad
        return result
    finally:
        source.close()


def _apply(rows: list[Row], source, org_unit: OrgUnit, *, checker: _Checker, note: str) -> None:
    """Every write in one transaction; a refusal from the services (shown only while writing)
    is reported on its row and rolls everything back."""
    with transaction.atomic():
        for row in rows:
            if row.action not in ("create", "update"):
                continue
            try:
                with transaction.atomic():
                    _write(row, source, org_unit, note=note)
            except ValidationError as exc:
                messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
                for field_name, texts in messages.items():
                    column = FIELD_COLUMNS.get(field_name, field_name)
                    if column not in COLUMNS:
                        column = ""
                    checker.problem(row, column, " ".join(texts))
            except PermissionDenied as exc:
                checker.problem(row, "", str(exc) or _("Không có quyền."))
        if checker.problems:
            transaction.set_rollback(True)
