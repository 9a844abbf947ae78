"""Importing one class's grades of one subject and term from .xlsx or .csv
(`hocso import grades FILE --class CLASS_ID --subject SUBJECT_CODE --term 1|2`).

The file is read by the registry importer's reader (type by content, header row found among the
first 15 rows, headers matched folded, problems reported by row, column and value). Columns:

- the learner, looked up among the class's learners: "Mã định danh Bộ GD&ĐT", else "Số định
  danh cá nhân", else "Họ và tên" (which must then name exactly one learner of the class; given
  beside an identifier it must agree with it);
- the assessments: "TX1" … "TX4" (regular), "GK" (mid-term), "CK" (end-of-term). Scored subjects
  take scores 0–10 with at most one decimal ("7,5" too); subjects assessed by comment take Đ /
  CĐ / Đạt / Chưa đạt; primary periodic tests integers 1–10. A file for a comment subject may
  instead give one column "Nhận xét" (or "Đạt/Chưa đạt"): it is read as the end-of-term
  assessment. For a scored subject that column holds the teacher's remarks and is ignored.

A blank cell leaves the stored score as it is: an import never erases a typed score. Rows are
counted per learner: created (the learner had no score in this grade book before), updated
(some score changed), unchanged, rejected. All or nothing by default; `partial` writes the
valid rows; `dry_run` writes nothing. The write goes through `services.scores_save`, so the
grade book history, the audit log and the recomputed results are the same as for typed grades.
"""

from collections import defaultdict
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from hocso.curriculum.models import AssessmentMode, GradeSubject, Subject
from hocso.registry.importers import cells as C
from hocso.registry.importers.base import (
    CREATED,
    REJECTED,
    UNCHANGED,
    UPDATED,
    BaseImporter,
    Row,
    citizen_id_structure_ok,
)
from hocso.registry.importers.cells import choice_key, fast_fold, is_blank, shown
from hocso.registry.importers.columns import Column, KindSpec
from hocso.registry.importers.problems import WARNING, ImportFileError, ImportResult, Problem
from hocso.registry.importers.reading import read_table
from hocso.registry.models import SchoolClass

from . import access, rules, services
from .models import ChangeSource, GradebookLock, LockStatus, Score, ScoreKind, Term
from .selectors import class_roster

GRADES = "grades"
SCORE_KEYS = ("tx1", "tx2", "tx3", "tx4", "gk", "ck", "comment")
CELL_OF_KEY = {
    "tx1": (ScoreKind.REGULAR, 1),
    "tx2": (ScoreKind.REGULAR, 2),
    "tx3": (ScoreKind.REGULAR, 3),
    "tx4": (ScoreKind.REGULAR, 4),
    "gk": (ScoreKind.MIDTERM, 1),
    "ck": (ScoreKind.FINAL, 1),
}


def _regular(n: int) -> Column:
    return Column(
        f"tx{n}", f"TX{n}", f"Regular {n}",
        (f"ĐĐGtx{n}", f"ĐGTX{n}", f"Thường xuyên {n}", f"Điểm thường xuyên {n}", f"TX {n}"),
        example=8, width=7,
    )  # fmt: skip


GRADE_SPEC = KindSpec(
    kind=GRADES,
    label=_("điểm"),
    needs_year=False,
    one_of=(("moet_code", "national_id", "full_name"), SCORE_KEYS),
    columns=(
        Column("moet_code", "Mã định danh Bộ GD&ĐT", "MOET code",
               ("Mã định danh Bộ GDĐT", "Mã định danh học sinh", "Mã học sinh", "Mã HS",
                "Student code", "MOET ID"), example="8400012345", width=18),
        Column("national_id", "Số định danh cá nhân", "National ID",
               ("Mã định danh cá nhân", "Số CCCD", "CCCD", "Căn cước công dân", "Citizen ID"),
               example="084313012345", width=18),
        Column("full_name", "Họ và tên", "Full name",
               ("Họ tên", "Họ tên học sinh", "Họ và tên học sinh", "Name", "Student name"),
               example="Thạch Thị Sô Phia", width=28),
        *(_regular(n) for n in range(1, 5)),
        Column("gk", "GK", "Midterm",
               ("ĐĐGgk", "ĐGGK", "Giữa kì", "Giữa kỳ", "Điểm giữa kì", "Điểm giữa kỳ", "Mid-term"),
               example=7, width=7),
        Column("ck", "CK", "Final",
               ("ĐĐGck", "ĐGCK", "Cuối kì", "Cuối kỳ", "Điểm cuối kì", "Điểm cuối kỳ",
                "End of term"), example=8, width=7),
        Column("comment", "Nhận xét", "Comment", ("Đạt/Chưa đạt", "Đánh giá", "Kết quả"),
               example="Đ", width=10),
    ),
)  # fmt: skip

# Vietnamese and English spellings (the English grade book shows P / NP).
_PASSED = {choice_key(t): True for t in ("Đ", "Đạt", "D", "Dat", "P", "Passed", "Pass")}
_PASSED.update(
    {
        choice_key(t): False
        for t in ("CĐ", "Chưa đạt", "CD", "Không đạt", "NP", "Not passed", "Fail")
    }
)


def add_grade_arguments(parser) -> None:
    """The options `hocso import grades` adds to the import command."""
    parser.add_argument("--class", dest="class_id", help=_("mã số lớp (chỉ với grades)"))
    parser.add_argument("--subject", help=_("mã môn học, ví dụ TOAN (chỉ với grades)"))
    parser.add_argument("--term", choices=["1", "2"], help=_("học kì 1 hoặc 2 (chỉ với grades)"))


class GradeImporter(BaseImporter):
    spec = GRADE_SPEC

    def __init__(self, *, school_class, grade_subject, term, actor, table):
        super().__init__(school=school_class.school, year_code=None, actor=actor, table=table)
        self.school_class = school_class
        self.grade_subject = grade_subject
        self.term = term
        self.comment = grade_subject.effective_assessment_mode == AssessmentMode.COMMENT
        self.allowed = set(services.allowed_cells(grade_subject))
        # The column each present score column fills: "Nhận xét" stands for CK on a comment
        # subject's file without a CK column, and is someone's remarks otherwise.
        self.targets = {k: CELL_OF_KEY[k] for k in SCORE_KEYS if k in self.index and k != "comment"}
        if "comment" in self.index and self.comment and "ck" not in self.index:
            self.targets["comment"] = (ScoreKind.FINAL, 1)

    def parse_row(self, row: Row, cells: dict) -> None:
        values = row.values
        if "moet_code" in self.index:
            row.cells["moet_code"] = cells.get("moet_code")
            values["moet_code"] = self.read(
                row, cells, "moet_code", C.identifier, length=10, max_lost_zeros=1,
                valid=lambda value: True,
            )  # fmt: skip
        if "national_id" in self.index:
            row.cells["national_id"] = cells.get("national_id")
            values["national_id"] = self.read(
                row, cells, "national_id", C.identifier, length=12, max_lost_zeros=2,
                valid=citizen_id_structure_ok,
            )  # fmt: skip
        if "full_name" in self.index:
            values["full_name"] = self.read_text(row, cells, "full_name", max_length=150)
        if not any(values.get(k) for k in ("moet_code", "national_id", "full_name")):
            key = next(k for k in ("moet_code", "national_id", "full_name") if k in self.index)
            self.reject(row, key, "", N_("Cần mã định danh hoặc họ tên để nhận ra học sinh"))
        entries = {}
        for key, cell in self.targets.items():
            raw = cells.get(key)
            if is_blank(raw):
                continue
            if cell not in self.allowed:
                self.reject(row, key, raw, N_("Môn %(subject)s ở khối %(grade)s không có cột «%(column)s»"),
                            subject=self.grade_subject.display_name,
                            grade=self.school_class.grade)  # fmt: skip
                continue
            value = self._value(row, key, raw)
            if value is not None:
                entries[cell] = value
        values["entries"] = entries

    def _value(self, row: Row, key: str, raw):
        if self.comment:
            passed = _PASSED.get(choice_key(C.text(raw))) if not isinstance(raw, bool) else None
            if passed is None:
                self.reject(row, key, raw, N_("«%(value)s» không hợp lệ; hãy ghi Đ (Đạt) hoặc CĐ (Chưa đạt)"),
                            value=shown(raw))  # fmt: skip
            return passed
        try:
            value, _passed = services.clean_score(self.grade_subject, raw)
        except rules.AssessmentError as error:
            self.reject(row, key, raw, error.msgid, **error.params)
            return None
        return value

    def plan(self) -> None:
        roster = list(class_roster(school_class=self.school_class))
        by_moet = {s.moet_code: s for s in roster if s.moet_code}
        by_id = {s.national_id: s for s in roster if s.national_id}
        by_name = defaultdict(list)
        for student in roster:
            by_name[student.search_name].append(student)
        existing = defaultdict(dict)
        for student_id, kind, seq, value, passed in Score.objects.filter(
            student_id__in=[s.pk for s in roster], subject=self.grade_subject.subject,
            year_id=self.school_class.year_id, term=self.term,
        ).values_list("student_id", "kind", "seq", "value", "passed"):  # fmt: skip
            existing[student_id][(kind, seq)] = value if value is not None else passed
        first_row: dict[int, int] = {}
        for row in self.rows:
            if not row.ok:
                continue
            student = self._learner(row, by_moet, by_id, by_name)
            if student is None:
                continue
            if student.pk in first_row:
                self.reject(row, "", "", N_("Học sinh %(name)s đã có ở dòng %(row)s của tệp"),
                            name=student.full_name, row=first_row[student.pk])  # fmt: skip
                continue
            first_row[student.pk] = row.number
            row.target, row.target_id = student, student.pk
            stored = existing.get(student.pk, {})
            row.changes = {
                cell: value for cell, value in row.values["entries"].items()
                if stored.get(cell) != value
            }  # fmt: skip
            if not row.changes:
                row.status = UNCHANGED
            else:
                row.status = UPDATED if stored else CREATED
        self.finish_plan()

    def _learner(self, row: Row, by_moet, by_id, by_name):
        values, name = row.values, row.values.get("full_name", "")
        class_name = self.school_class.name
        found = None
        for key, table in (("moet_code", by_moet), ("national_id", by_id)):
            identifier = values.get(key)
            if not identifier:
                continue
            student = table.get(identifier)
            if student is None:
                self.reject(row, key, row.cells.get(key) or identifier,
                            N_("Lớp %(class_name)s không có học sinh nào có mã %(id)s"),
                            class_name=class_name, id=identifier)  # fmt: skip
                return None
            if found is not None and found.pk != student.pk:
                self.reject(row, key, row.cells.get(key) or identifier,
                            N_("Hai mã định danh trên dòng là của hai học sinh khác nhau"))  # fmt: skip
                return None
            found = student
        if found is not None:
            if name and fast_fold(name) != found.search_name:
                self.reject(row, "full_name", name,
                            N_("Mã định danh là của %(name)s, không khớp với họ tên đã ghi"),
                            name=found.full_name)  # fmt: skip
                return None
            return found
        candidates = by_name.get(fast_fold(name), [])
        if not candidates:
            self.reject(row, "full_name", name,
                        N_("Lớp %(class_name)s không có học sinh nào tên %(name)s"),
                        class_name=class_name, name=name)  # fmt: skip
            return None
        if len(candidates) > 1:
            self.reject(row, "full_name", name,
                        N_("Lớp %(class_name)s có %(count)s học sinh tên %(name)s; hãy ghi thêm mã định danh"),
                        class_name=class_name, count=len(candidates), name=name)  # fmt: skip
            return None
        return candidates[0]

    def write(self) -> None:
        entries = [
            services.Entry(row.target_id, kind, seq, value)
            for row in self.rows
            if row.status in (CREATED, UPDATED)
            for (kind, seq), value in row.changes.items()
        ]
        if entries:
            services.scores_save(
                actor=self.actor, school_class=self.school_class,
                subject=self.grade_subject.subject, term=self.term, entries=entries,
                source=ChangeSource.IMPORT,
            )  # fmt: skip


def _context(class_id, subject_code, term):
    """(class, grade subject, term) named on the command line, or ImportFileError."""
    school_class = None
    if class_id is not None and str(class_id).strip().isdigit():
        school_class = (
            SchoolClass.objects.select_related("school", "year")
            .filter(pk=int(str(class_id).strip()))
            .first()
        )
    if school_class is None:
        raise ImportFileError(N_("Không có lớp nào mã số %(id)s"), id=class_id or "")
    code = (subject_code or "").strip().upper()
    subject = Subject.objects.filter(code=code).first()
    if subject is None:
        raise ImportFileError(N_("Không có môn học nào mã %(code)s"), code=subject_code or "")
    grade_subject = (
        GradeSubject.objects.filter(grade=school_class.grade, subject=subject)
        .select_related("subject")
        .first()
    )
    if grade_subject is None:
        raise ImportFileError(
            N_("Môn %(subject)s không có trong chương trình khối %(grade)s"),
            subject=subject.name, grade=school_class.grade,
        )  # fmt: skip
    if not services.allowed_cells(grade_subject):
        raise ImportFileError(
            N_("Môn %(subject)s ở khối %(grade)s không có bài kiểm tra tính điểm"),
            subject=grade_subject.display_name, grade=school_class.grade,
        )  # fmt: skip
    if str(term) not in ("1", "2"):
        raise ImportFileError(N_("Học kì phải là 1 hoặc 2"))
    return school_class, grade_subject, int(term)


def run_grades_import(
    *, path: Path | str, class_id, subject_code: str, term, actor, partial: bool = False,
    dry_run: bool = False, file_name: str = "",
) -> ImportResult:  # fmt: skip
    """Import the grades in the spreadsheet at `path`. Raises ImportFileError when the file or
    the class/subject/term named cannot be used (nothing written), PermissionDenied when the
    actor may not write this subject's grades in the class."""
    school_class, grade_subject, term = _context(class_id, subject_code, term)
    if not access.can_write_scores(actor, school_class, grade_subject.subject):
        raise PermissionDenied
    locked = GradebookLock.objects.filter(
        school_class=school_class, year_id=school_class.year_id, term=term,
        status=LockStatus.LOCKED,
    ).exists()  # fmt: skip
    if locked:
        raise ImportFileError(
            N_("Sổ điểm %(term)s của lớp %(name)s đã được duyệt và khóa"),
            term=str(Term(term).label), name=school_class.name,
        )  # fmt: skip
    table = read_table(Path(path), GRADE_SPEC)
    importer = GradeImporter(
        school_class=school_class, grade_subject=grade_subject, term=term, actor=actor,
        table=table,
    )  # fmt: skip
    if "comment" in table.index and "comment" not in importer.targets:
        table.problems.append(
            Problem(table.header_row, table.header("comment"), "",
                    N_("Cột nhận xét của môn tính điểm (hoặc đã có cột CK) nên bị bỏ qua"),
                    level=WARNING)
        )  # fmt: skip
    importer.parse()
    mode = "dry_run" if dry_run else "partial" if partial else "all_or_nothing"
    result = ImportResult(kind=GRADES, mode=mode, total_rows=len(importer.rows))
    with transaction.atomic():
        importer.plan()
        planned = {CREATED: 0, UPDATED: 0, UNCHANGED: 0, REJECTED: 0}
        for row in importer.rows:
            planned[row.status] += 1
        result.planned = planned
        result.rejected = planned[REJECTED]
        if not dry_run and (partial or not result.rejected):
            try:
                importer.write()
            except ValidationError as exc:  # the grade book was locked meanwhile
                raise ImportFileError(
                    N_("Không ghi được điểm: %(reason)s"), reason=" ".join(exc.messages)
                ) from None
            result.written = True
        if result.written or (dry_run and (partial or not result.rejected)):
            result.created, result.updated = planned[CREATED], planned[UPDATED]
            result.unchanged = planned[UNCHANGED]
    problems = list(table.problems)
    for row in importer.rows:
        problems.extend(row.problems)
    result.problems = problems
    return result
