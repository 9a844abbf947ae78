"""Importing a primary class's levels at one assessment point from .xlsx or .csv — the file the
evaluation sheet exports (views_primary.primary_export), filled in and uploaded again.

The file is read by the registry importer's reader (type by content, header row found among the
first 15 rows, headers matched folded). Columns:

- the learner, among the class's learners: "Mã định danh Bộ GD&ĐT", else "Họ và tên" (which
  must then name exactly one learner of the class);
- one column per subject of the grade, headed by its name as the grade calls it (or its code):
  T / H / C, HTT / HT / CHT or the level's name;
- one column per quality or competence, headed by its name (or its code): T / Đ / C, Tốt / Đạt
  / Cần cố gắng / CCG;
- "KTĐK <subject>": the periodic test scores the export shows; read-only here (they are entered
  in the grade book) and ignored.

A blank cell leaves the stored level as it is. All or nothing: one wrong cell (an unknown level,
a learner not on the list, a subject the actor may not assess) and nothing is written. The write
goes through services.primary_subject_levels_save / primary_traits_save, so history, audit and
the recomputed year results are those of typed levels.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from hocso.core.text import fold
from hocso.curriculum.models import GradeSubject
from hocso.registry.importers.cells import is_blank, shown
from hocso.registry.importers.columns import Column, KindSpec, header_key
from hocso.registry.importers.problems import ImportFileError, Problem
from hocso.registry.importers.reading import read_table

from . import rules, services
from .models import ChangeSource
from .selectors import class_roster

MOET, NAME = "moet_code", "full_name"
MOET_HEADER = "Mã định danh Bộ GD&ĐT"
NAME_HEADER = "Họ và tên"


def test_header(subject_name: str) -> str:
    """The header of a periodic test column in the export: "KTĐK Tiếng Việt"."""
    return f"KTĐK {subject_name}"


def subject_headers(grade: int) -> dict[str, str]:
    """Subject code → the header of its column: the name the grade gives it, unless that name
    folds to another subject's header (the reader drops text in parentheses, so "Nghệ thuật (Âm
    nhạc)" and "Nghệ thuật (Mĩ thuật)" would be one column): then the subject's own name."""
    rows = list(GradeSubject.objects.filter(grade=grade).select_related("subject"))
    keys = defaultdict(int)
    for gs in rows:
        keys[header_key(gs.display_name)] += 1
    return {
        gs.subject.code: gs.display_name if keys[header_key(gs.display_name)] == 1
        else gs.subject.name
        for gs in rows
    }  # fmt: skip


def levels_spec(grade: int) -> tuple[KindSpec, dict[str, str]]:
    """The columns of a primary levels file for `grade` and, per subject column key, the
    subject code. Keys: "s:<code>" (subject level), "t:<code>" (trait), "x:<code>" (test)."""
    columns = [
        Column(MOET, MOET_HEADER, "MOET code", ("Mã định danh Bộ GDĐT", "Mã học sinh", "Mã HS")),
        Column(NAME, NAME_HEADER, "Full name", ("Họ tên", "Họ tên học sinh")),
    ]
    subjects = {}
    for code, header in subject_headers(grade).items():
        columns.append(Column(f"s:{code}", header, code))
        columns.append(Column(f"x:{code}", test_header(header), f"KTDK {code}"))
        subjects[f"s:{code}"] = code
    for code, name in rules.PRIMARY_TRAITS.items():
        columns.append(Column(f"t:{code}", name, code))
    spec = KindSpec(
        kind="primary_levels", label=_("mức đạt được"), columns=tuple(columns),
        needs_year=False, one_of=((MOET, NAME),),
    )  # fmt: skip
    return spec, subjects


@dataclass
class LevelsImportResult:
    rows: int = 0
    changed: int = 0  # cells whose level changed
    unchanged: int = 0
    written: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level != "warning"]


def run_levels_import(
    *, path: Path | str, school_class, term: int, stage: str, actor, dry_run: bool = False
) -> LevelsImportResult:
    """Import the levels in the spreadsheet at `path` into the class at (term, stage). Raises
    ImportFileError when the file cannot be used or the term is locked; PermissionDenied when
    the file fills in something the actor may not assess (nothing is written then)."""
    term, stage = services.check_point(term, stage)
    spec, subjects = levels_spec(school_class.grade)
    table = read_table(Path(path), spec)
    result = LevelsImportResult(problems=list(table.problems))
    roster = list(class_roster(school_class=school_class))
    by_moet = {s.moet_code: s for s in roster if s.moet_code}
    by_name = defaultdict(list)
    for student in roster:
        by_name[student.search_name].append(student)
    level_keys = [k for k in table.index if k.startswith(("s:", "t:"))]
    if not level_keys:
        raise ImportFileError(N_("Tệp không có cột môn học hay phẩm chất, năng lực nào"))
    subject_entries, trait_entries = [], []
    seen: dict[int, int] = {}

    def problem(row, key, raw, message, params=None):
        result.problems.append(Problem(row, table.header(key), shown(raw), message, params or {}))

    for number, cells in table.rows:
        result.rows += 1

        def cell(key, cells=cells):
            position = table.index.get(key)
            return cells[position] if position is not None and position < len(cells) else None

        student = _learner(cell(MOET), cell(NAME), by_moet, by_name)
        if isinstance(student, str):
            problem(number, MOET if MOET in table.index else NAME,
                    cell(MOET) or cell(NAME), student, {"class_name": school_class.name})  # fmt: skip
            continue
        if student.pk in seen:
            problem(number, NAME, student.full_name, N_("Học sinh đã có ở dòng %(row)s của tệp"),
                    {"row": seen[student.pk]})  # fmt: skip
            continue
        seen[student.pk] = number
        for key in level_keys:
            raw = cell(key)
            if is_blank(raw):
                continue
            code = key[2:]
            parse = (
                rules.primary_subject_level if key.startswith("s:") else rules.primary_quality_level
            )
            try:
                parse(str(raw))
            except rules.AssessmentError as error:
                problem(number, key, raw, error.msgid, error.params)
                continue
            if key.startswith("s:"):
                subject_entries.append(services.PrimaryEntry(student.pk, subjects[key], str(raw)))
            else:
                trait_entries.append(services.PrimaryEntry(student.pk, code, str(raw)))
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for save, entries in (
                (services.primary_subject_levels_save, subject_entries),
                (services.primary_traits_save, trait_entries),
            ):
                if not entries:
                    continue
                saved = save(actor=actor, school_class=school_class, term=term, stage=stage,
                             entries=entries, source=ChangeSource.IMPORT)  # fmt: skip
                result.changed += saved.changed
                result.unchanged += saved.unchanged
            if dry_run:
                transaction.set_rollback(True)
    except services.PrimaryErrors as exc:
        for item in exc.problems:
            result.problems.append(
                Problem(None, item.code, "", "%(reason)s", {"reason": item.message})
            )
        result.changed = result.unchanged = 0
        return result
    except ValidationError as exc:  # the term was locked meanwhile, or the class is not primary
        raise ImportFileError(
            N_("Không ghi được: %(reason)s"), reason=" ".join(exc.messages)
        ) from None
    result.written = not dry_run
    return result


def _learner(moet, name, by_moet, by_name):
    """The learner a row names, or the msgid of why not."""
    if isinstance(moet, float) and moet.is_integer():
        moet = int(moet)  # a code typed as a number: Excel dropped its leading zeros
    moet = "" if is_blank(moet) else str(moet).strip()
    if moet:
        student = by_moet.get(moet.zfill(10))
        if student is None:
            return N_("Lớp %(class_name)s không có học sinh nào có mã này")
        if not is_blank(name) and fold(str(name)) != student.search_name:
            return N_("Mã định danh là của học sinh khác, không khớp với họ tên đã ghi")
        return student
    candidates = by_name.get(fold(str(name or "")), [])
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return N_("Lớp %(class_name)s không có học sinh nào tên này")
    return N_("Lớp %(class_name)s có nhiều học sinh cùng tên; hãy ghi thêm mã định danh")
