"""What an import reports: problems (row, column, value, reason), counts, file-level failures.

Reasons are stored as a Vietnamese msgid plus parameters and translated when shown, so a job
run in Vietnamese can be read in English later.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext

ERROR = "error"
WARNING = "warning"


def _translate(message: str, params: dict) -> str:
    text = gettext(message)
    return text % params if params else text


@dataclass
class Problem:
    row: int | None  # as the user sees it in the spreadsheet (1-based, title rows included)
    column: str  # the header as written in the file ("" when the problem is the whole row)
    value: str
    message: str  # Vietnamese msgid with %(name)s placeholders
    params: dict = field(default_factory=dict)
    level: str = ERROR

    @property
    def reason(self) -> str:
        return _translate(self.message, self.params)

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "params": self.params,
            "level": self.level,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Problem":
        return cls(
            row=data.get("row"),
            column=data.get("column", ""),
            value=data.get("value", ""),
            message=data.get("message", ""),
            params=data.get("params") or {},
            level=data.get("level", ERROR),
        )


class ImportFileError(Exception):
    """The file as a whole cannot be imported: unreadable, not a spreadsheet, wrong kind, too big.

    The command line exits with status 2 on it; nothing is written.
    """

    def __init__(self, message: str, /, **params):
        super().__init__(message)
        self.message = message
        self.params = params

    @property
    def reason(self) -> str:
        return _translate(self.message, self.params)

    def __str__(self) -> str:
        return self.reason


class CellError(Exception):
    """One cell cannot be read as what its column expects."""

    def __init__(self, message: str, /, **params):
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass
class ImportResult:
    kind: str
    mode: str
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: bool = False  # False for a dry run and for an all-or-nothing import that was refused
    # What the valid rows would do, whether or not it was written (shown when nothing was written).
    planned: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == WARNING]

    @property
    def summary_line(self) -> str:
        return (
            f"created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} rejected={self.rejected}"
        )
