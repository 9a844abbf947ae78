"""What every kind of import shares: reading cells into values, recording problems, fetching
existing records in chunks, and the order of work (parse → plan → write).

`parse` touches no database. `plan` and `write` run inside the import's one transaction: `plan`
matches rows against what is stored and decides, for every row, created / updated / unchanged /
rejected; `write` carries out the decisions with bulk queries (a few per thousand rows, never
one per row).
"""

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.db import connection
from django.utils.translation import gettext_noop as N_

from .. import rules
from ..messages import id_problem_message
from .cells import CellError, is_blank, shown, text, to_date
from .columns import KindSpec
from .problems import Problem
from .reading import Table

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"
PHASE_READING, PHASE_CHECKING, PHASE_WRITING = "reading", "checking", "writing"
PROGRESS_EVERY = 1000
CHUNK = 900  # identifiers per IN (...) query where the database allows no more than 999

Progress = Callable[[str, int, int], None]


@dataclass(eq=False, slots=True)
class Row:
    number: int
    values: dict
    cells: dict = field(default_factory=dict)  # column key → the raw cell, for later reports
    problems: list[Problem] = field(default_factory=list)
    status: str = ""
    target: object = None  # the stored record this row matches
    target_id: int | None = None  # its primary key (also set for records the import creates)
    changes: dict = field(default_factory=dict)  # field → new value
    # What else the row makes happen besides its own record (the students importer uses these
    # for the learner's enrollment and guardian).
    enrollment_action: object = None
    guardian_action: object = None

    @property
    def ok(self) -> bool:
        return not self.problems


# Gender and ethnic group columns hold a few distinct spellings: fold each only once.
gender_code = lru_cache(maxsize=512)(rules.gender_code)
ethnicity_code = lru_cache(maxsize=512)(rules.ethnicity_code)


def citizen_id_structure_ok(value: str) -> bool:
    """Used to accept a citizen ID padded back with the zeros Excel dropped."""
    return not rules.citizen_id_problems(value)


def id_problem_messages(
    value: str, *, gender: str | None, date_of_birth: date | None
) -> list[tuple[str, dict]]:
    """(msgid, params) for each problem of a citizen ID; translated when the report is shown."""
    found = rules.citizen_id_problems(
        value, gender=gender or None, birth_year=date_of_birth.year if date_of_birth else None
    )
    return [id_problem_message(problem) for problem in found]


def lookup_chunk() -> int:
    """How many values one IN (...) may carry: SQLite before 3.32 allowed 999 parameters in a
    statement, later versions 32766; PostgreSQL 65535."""
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 32):
        return CHUNK
    return 10000


def chunked(values: Iterable, size: int | None = None):
    values = list(values)
    size = size or lookup_chunk()
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _where_in(model, field_name: str, chunk: list, columns: str) -> tuple[str, list]:
    quote = connection.ops.quote_name
    sql = "SELECT {} FROM {} WHERE {} IN ({})".format(  # noqa: S608 (names from the model)
        columns,
        quote(model._meta.db_table),
        quote(model._meta.get_field(field_name).column),
        ", ".join(["%s"] * len(chunk)),
    )
    return sql, chunk


def fetch_by(model, field_name: str, values: Iterable) -> list:
    """Records of `model` whose `field_name` is one of `values` (many thousands of them).

    Plain SQL in chunks: the ORM prepares every value of an IN list one by one, which at
    100,000 identifiers costs more than the queries themselves.
    """
    found = []
    for chunk in chunked(sorted(set(values))):
        found.extend(model.objects.raw(*_where_in(model, field_name, chunk, "*")))
    return found


def values_by(model, field_name: str, values: Iterable, columns: list[str]) -> list[tuple]:
    """Like fetch_by, but only the given columns, as tuples."""
    quote = connection.ops.quote_name
    selected = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    found = []
    with connection.cursor() as cursor:
        for chunk in chunked(sorted(set(values))):
            cursor.execute(*_where_in(model, field_name, chunk, selected))
            found.extend(cursor.fetchall())
    return found


def phone_number(value) -> str:
    """Digits of a phone number, with the leading 0 Excel drops put back and +84 written as 0."""
    raw = text(value)
    digits = "".join(ch for ch in raw if ch.isdigit())
    if raw.startswith("+84") or (digits.startswith("84") and len(digits) == 11):
        digits = "0" + digits[2:]
    elif len(digits) in (9, 10) and not digits.startswith("0"):
        digits = "0" + digits  # "912345678": the number Excel made of 0912345678
    return digits


_PHONE_INVALID = N_("Số điện thoại «%(value)s» không hợp lệ; cần 10 hoặc 11 chữ số, bắt đầu bằng 0")


class BaseImporter:
    spec: KindSpec

    def __init__(self, *, school, year_code: str | None, actor, table: Table):
        self.school = school
        self.year_code = year_code
        self.year = None  # resolved inside the transaction
        self.actor = actor
        self.table = table
        self.index = table.index
        self.rows: list[Row] = []

    # --- parsing ------------------------------------------------------------------------------

    def parse(self, progress: Progress | None = None) -> None:
        parse_row = self.parse_row
        positions = list(self.index.items())
        width = max(self.index.values(), default=-1) + 1
        for number, raw in self.table.rows:
            # The row's cells by column key (rows of a CSV file may be shorter than the header).
            if len(raw) >= width:
                cells = {key: raw[i] for key, i in positions}
            else:
                cells = {key: raw[i] for key, i in positions if i < len(raw)}
            row = Row(number, {})
            parse_row(row, cells)
            self.rows.append(row)
            if progress is not None and len(self.rows) % PROGRESS_EVERY == 0:
                progress(PHASE_CHECKING, len(self.rows), self.table.estimated_rows)

    def parse_row(self, row: Row, cells: dict) -> None:
        """Convert and check the cells of one row (column key → cell) into row.values."""
        raise NotImplementedError

    def reject(self, row: Row, key: str, value, message: str, /, **params) -> None:
        column = self.table.header(key) if key else ""
        params.setdefault("column", column)
        row.problems.append(
            Problem(row.number, column, value if isinstance(value, str) else shown(value),
                    message, params)
        )  # fmt: skip

    def read(self, row: Row, cells: dict, key: str, reader: Callable, /, **kwargs):
        """The cell converted by `reader`; a CellError becomes a problem on the row."""
        raw = cells.get(key)
        try:
            return reader(raw, **kwargs)
        except CellError as exc:
            self.reject(row, key, raw, exc.message, **exc.params)
            return None

    def read_text(self, row: Row, cells: dict, key: str, *, max_length: int,
                  required: bool = False) -> str:  # fmt: skip
        value = text(cells.get(key))
        if not value and required:
            self.reject(row, key, "", N_("Ô «%(column)s» không được để trống"))
        elif len(value) > max_length:
            self.reject(row, key, value[:60] + "…",
                        N_("Dài quá %(limit)s ký tự"), limit=max_length)  # fmt: skip
        return value

    def read_choice(self, row: Row, cells: dict, key: str, choices, *, required: bool = False):
        raw = cells.get(key)
        if is_blank(raw):
            if required:
                self.reject(row, key, "", N_("Ô «%(column)s» không được để trống"))
            return ""
        code = choices.code(text(raw))
        if code is None:
            self.reject(row, key, raw, N_("«%(value)s» không có trong danh sách: %(allowed)s"),
                        value=shown(raw), allowed=choices.labels())  # fmt: skip
            return ""
        return code

    def read_gender(self, row: Row, cells: dict) -> str | None:
        raw = cells.get("gender")
        if is_blank(raw):
            self.reject(row, "gender", "", N_("Ô «%(column)s» không được để trống"))
            return None
        gender = gender_code(text(raw))
        if gender is None:
            self.reject(row, "gender", raw,
                        N_("Giới tính «%(value)s» không hợp lệ; hãy ghi Nam hoặc Nữ"),
                        value=shown(raw))  # fmt: skip
        return gender

    def read_phone(self, row: Row, cells: dict, key: str) -> str:
        raw = cells.get(key)
        if is_blank(raw):
            return ""
        digits = phone_number(raw)
        if not (len(digits) in (10, 11) and digits.startswith("0")):
            self.reject(row, key, raw, _PHONE_INVALID, value=shown(raw))
            return ""
        return digits

    def read_birth_date(self, row: Row, cells: dict, key: str) -> date | None:
        value = self.read(row, cells, key, to_date)
        if value is not None and not (date(1900, 1, 1) <= value <= date.today()):
            self.reject(row, key, value, N_("Ngày sinh %(value)s nằm ngoài khoảng hợp lệ"),
                        value=value.strftime("%d/%m/%Y"))  # fmt: skip
            return None
        return value

    def check_citizen_id(self, row: Row, key: str, raw_shown: str, value: str | None,
                         *, gender, date_of_birth) -> None:  # fmt: skip
        if not value:
            return
        for message, params in id_problem_messages(
            value, gender=gender, date_of_birth=date_of_birth
        ):
            self.reject(row, key, raw_shown, message, **params)

    # --- planning and writing (inside the transaction) ----------------------------------------

    def duplicates_within_file(self, key: str) -> None:
        """Later rows repeating an identifier of an earlier row are rejected, naming that row."""
        first_row: dict[str, int] = {}
        for row in self.rows:
            value = row.values.get(key)
            if not value:
                continue
            first = first_row.setdefault(value, row.number)
            if first != row.number:
                self.reject(row, key, row.cells.get(key, value),
                            N_("Trùng với dòng %(row)s của tệp"), row=first)  # fmt: skip

    def plan(self) -> None:
        raise NotImplementedError

    def write(self) -> None:
        raise NotImplementedError

    def finish_plan(self) -> None:
        """Rows with problems are rejected; the others keep the status the plan gave them."""
        for row in self.rows:
            if row.problems:
                row.status = REJECTED

    @staticmethod
    def diff(record, values: dict, fields: Iterable[str]) -> dict:
        return {f: values[f] for f in fields if f in values and getattr(record, f) != values[f]}
