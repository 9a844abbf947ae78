"""Translatable texts for the identifier rules (rules.py keeps stable codes and parameters).

Messages are marked with gettext_noop: the importer stores (msgid, params) and translates when a
report is shown, in the reader's language; services translate at once.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from .rules import FEMALE, MALE, IdProblem

_ID_MESSAGES = {
    "citizen_id.format": N_("Số định danh cá nhân phải gồm đúng 12 chữ số"),
    "citizen_id.province": N_("Mã tỉnh %(province)s (3 chữ số đầu) không có trong danh mục"),
    "citizen_id.century": N_("Chữ số thứ 4 (%(digit)s) không phải chữ số thế kỷ/giới tính hợp lệ"),
    ("citizen_id.gender", MALE): N_(
        "Chữ số thứ 4 (%(digit)s) ứng với giới tính Nam, không khớp với giới tính đã khai"
    ),
    ("citizen_id.gender", FEMALE): N_(
        "Chữ số thứ 4 (%(digit)s) ứng với giới tính Nữ, không khớp với giới tính đã khai"
    ),
    "citizen_id.birth_year": N_(
        "Số định danh ứng với năm sinh %(id_year)s, không khớp với năm sinh %(year)s"
    ),
    "moet_code.format": N_("Mã định danh Bộ GD&ĐT phải gồm đúng 10 chữ số"),
}


def id_problem_message(problem: IdProblem) -> tuple[str, dict]:
    """The untranslated message id and its parameters."""
    key = (
        (problem.code, problem.params["id_gender"])
        if "id_gender" in problem.params
        else problem.code
    )
    message = _ID_MESSAGES.get(key)
    return (message, problem.params) if message else (problem.message, {})


def id_problem_text(problem: IdProblem) -> str:
    """The message in the active language."""
    message, params = id_problem_message(problem)
    return gettext(message) % params if params else gettext(message)
