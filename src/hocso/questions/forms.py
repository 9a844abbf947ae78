"""Forms of the question-bank pages: the item editor (fixed fields plus the per-type option
rows), the reviewer's decision, search and import.

The option rows are lists of inputs (`sc_text`, `sc_text`, …) so a row can be added in the
browser without a formset's management form; `option_rows` reads them back as typed (to show
them again with an error) and `options_data` turns them into ItemData fields.
"""

from decimal import Decimal, InvalidOperation

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hocso.core.forms import BootstrapMixin
from hocso.curriculum.models import Subject, Topic

from . import richtext
from .content import decimal_text
from .interchange import (
    Choice,
    ItemData,
    ItemType,
    NumericAnswer,
    Pair,
    Statement,
    TextAnswer,
)
from .models import COGNITIVE_LEVEL_CHOICES, ITEM_TYPE_CHOICES, ReviewDecision
from .selectors import FACETS

GRADE_CHOICES = [("", gettext_lazy("— Khối —"))] + [(str(g), str(g)) for g in range(1, 13)]
# Blank rows the editor offers for each type (more can be added in the browser).
MIN_ROWS = {"sc": 4, "tf4": 4, "st": 2, "sn": 2, "m": 3, "o": 4}
TYPE_PREFIX = {
    ItemType.SINGLE_CHOICE: "sc",
    ItemType.MULTIPLE_RESPONSE: "sc",
    ItemType.TRUE_FALSE_4: "tf4",
    ItemType.SHORT_TEXT: "st",
    ItemType.SHORT_NUMERIC: "sn",
    ItemType.MATCHING: "m",
    ItemType.ORDERING: "o",
}
# The inputs of a row of each kind; single choice and multiple response share their rows (the
# first marks one right option, the second gives each a weight).
ROW_FIELDS = {
    "sc": ("text", "weight", "feedback"),
    "tf4": ("text", "feedback"),
    "st": ("text", "weight", "feedback"),
    "sn": ("value", "tolerance", "weight", "feedback"),
    "m": ("left", "right"),
    "o": ("text",),
}
# What makes a row count (a weight or a feedback alone is not an option).
FILLED_BY = {
    "sc": ("text",),
    "st": ("text",),
    "sn": ("value",),
    "m": ("left", "right"),
    "o": ("text",),
}
SORTS = {
    "new": ("-pk",),
    "old": ("pk",),
    "updated": ("-updated_at", "-pk"),
}


class ItemForm(BootstrapMixin, forms.Form):
    """The fields every item has. The bank is chosen only when creating; the type cannot change
    once an item exists (services refuse it)."""

    bank = forms.ModelChoiceField(
        label=gettext_lazy("Ngân hàng"),
        queryset=None,
        empty_label=gettext_lazy("— Chọn ngân hàng —"),
    )
    type = forms.ChoiceField(label=gettext_lazy("Dạng câu hỏi"), choices=ITEM_TYPE_CHOICES)
    name = forms.CharField(
        label=gettext_lazy("Tên ngắn (không bắt buộc)"), max_length=255, required=False
    )
    # Not required here: the content rules (validation.item_problems) say what an empty stem
    # lacks, once, and also accept a stem that is only an image.
    stem = forms.CharField(
        label=gettext_lazy("Đề bài"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "true"}),
        help_text=gettext_lazy(
            "Công thức viết giữa \\( \\) (trong dòng) hoặc \\[ \\] (dòng riêng), ví dụ "
            "\\(x^2 + 1\\). Được dùng thẻ <b>, <i>, <u>, <sub>, <sup>."
        ),
    )
    points = forms.DecimalField(
        label=gettext_lazy("Điểm"), min_value=0, max_value=100, decimal_places=3, initial=1
    )
    subject = forms.ModelChoiceField(
        label=gettext_lazy("Môn học"),
        queryset=Subject.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("— Môn học —"),
    )
    grade = forms.TypedChoiceField(
        label=gettext_lazy("Khối"), choices=GRADE_CHOICES, coerce=int, empty_value=None,
        required=False,
    )  # fmt: skip
    topic = forms.ModelChoiceField(
        label=gettext_lazy("Chủ đề"),
        queryset=Topic.objects.none(),
        required=False,
        empty_label=gettext_lazy("— Chủ đề —"),
        help_text=gettext_lazy("Chọn môn học và khối để thấy các chủ đề."),
    )
    level = forms.ChoiceField(
        label=gettext_lazy("Mức độ nhận thức"),
        choices=[
            ("", gettext_lazy("— Mức độ —")),
            (gettext_lazy("3 mức (từ 2025)"), COGNITIVE_LEVEL_CHOICES[:3]),
            (gettext_lazy("4 mức"), COGNITIVE_LEVEL_CHOICES[3:]),
        ],
        required=False,
    )
    source = forms.CharField(label=gettext_lazy("Nguồn"), max_length=300, required=False)
    # A plain FileField: the content check is the media service's (services.image_problems),
    # the one every import goes through too.
    files = forms.FileField(
        label=gettext_lazy("Thêm ảnh (PNG, JPEG, GIF, WebP)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
        help_text=gettext_lazy("Ảnh được thêm vào cuối đề bài; tối đa 2 MB."),
    )
    correct = forms.ChoiceField(
        label=gettext_lazy("Mệnh đề ở đề bài"),
        choices=[("", "—"), ("true", gettext_lazy("Đúng")), ("false", gettext_lazy("Sai"))],
        required=False,
    )
    feedback_true = forms.CharField(
        label=gettext_lazy("Phản hồi khi chọn Đúng"), required=False, max_length=2000
    )
    feedback_false = forms.CharField(
        label=gettext_lazy("Phản hồi khi chọn Sai"), required=False, max_length=2000
    )
    case_sensitive = forms.BooleanField(
        label=gettext_lazy("Phân biệt chữ hoa, chữ thường"),
        required=False,
        help_text=gettext_lazy("Dấu tiếng Việt luôn được tính: «Ha Noi» khác «Hà Nội»."),
    )
    rubric = forms.CharField(
        label=gettext_lazy("Hướng dẫn chấm"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    general_feedback = forms.CharField(
        label=gettext_lazy("Lời giải, nhận xét chung"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, banks=None, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        if item is not None:
            del self.fields["bank"]
            self.fields["type"].disabled = True
        else:
            self.fields["bank"].queryset = banks
        # Choosing a subject or a grade reloads the topic list (views.topic_options).
        for name in ("subject", "grade"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse("questions:topic_options"),
                    "hx-target": "#id_topic",
                    "hx-include": "#id_subject, #id_grade, #id_topic",
                    "hx-trigger": "change",
                }
            )
        subject, grade = self._value("subject"), self._value("grade")
        if subject and grade:
            self.fields["topic"].queryset = topics_for(subject, grade)

    def _value(self, name: str):
        if self.is_bound:
            return self.data.get(name) or None
        value = self.initial.get(name)
        return getattr(value, "pk", value)

    def clean_files(self):
        upload = self.cleaned_data.get("files")
        return upload or None


def topics_for(subject, grade) -> "forms.QuerySet[Topic]":
    try:
        grade = int(grade)
    except (TypeError, ValueError):
        return Topic.objects.none()
    return Topic.objects.filter(
        grade_subject__subject_id=subject, grade_subject__grade=grade
    ).order_by("order", "code")


# --- option rows ------------------------------------------------------------------------------


def _percent(fraction) -> str:
    return decimal_text(Decimal(fraction) * 100)


def rows_from_data(data: ItemData | None) -> dict[str, list[dict]]:
    """The option rows of every kind for an item being edited, padded with blank rows."""
    rows: dict[str, list[dict]] = {prefix: [] for prefix in ROW_FIELDS}
    if data is not None:
        kind = TYPE_PREFIX.get(data.type)
        if kind == "sc":
            rows[kind] = [
                {
                    "text": richtext.to_editor(c.text),
                    "feedback": richtext.to_editor(c.feedback),
                    "weight": _percent(c.fraction),
                    "right": c.fraction == 1,
                    "pinned": c.pinned,
                }  # fmt: skip
                for c in data.choices
            ]
        elif kind == "tf4":
            rows[kind] = [
                {
                    "text": richtext.to_editor(s.text),
                    "feedback": richtext.to_editor(s.feedback),
                    "true": "1" if s.is_true else "0",
                }
                for s in data.statements
            ]
        elif kind == "st":
            rows[kind] = [
                {"text": a.text, "weight": _percent(a.fraction), "feedback": a.feedback}
                for a in data.text_answers
            ]
        elif kind == "sn":
            rows[kind] = [
                {
                    "value": decimal_text(a.value),
                    "tolerance": decimal_text(a.tolerance),
                    "weight": _percent(a.fraction),
                    "feedback": a.feedback,
                }  # fmt: skip
                for a in data.numeric_answers
            ]
        elif kind == "m":
            rows[kind] = [
                {"left": richtext.to_editor(p.left), "right": richtext.to_editor(p.right)}
                for p in data.pairs
            ]
        elif kind == "o":
            rows[kind] = [{"text": richtext.to_editor(t)} for t in data.order]
    return _padded(rows)


def _padded(rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    for kind, minimum in MIN_ROWS.items():
        blank = {name: "" for name in ROW_FIELDS[kind]}
        if kind == "tf4":
            rows[kind] = rows[kind][:minimum]
        rows[kind] += [dict(blank) for _ in range(minimum - len(rows[kind]))]
        for index, row in enumerate(rows[kind]):
            row["index"] = index
            row["key"] = str(index)
            row["letter"] = "abcdefghijklmnopqrstuvwxyz"[index % 26]
    return rows


def option_rows(post) -> dict[str, list[dict]]:
    """The option rows as the user typed them (every kind, so switching type loses nothing)."""
    rows: dict[str, list[dict]] = {}
    for kind, names in ROW_FIELDS.items():
        columns = {name: post.getlist(f"{kind}_{name}") for name in names}
        count = max((len(values) for values in columns.values()), default=0)
        rows[kind] = [
            {name: (values[i] if i < len(values) else "") for name, values in columns.items()}
            for i in range(count)
        ]
    right = post.get("sc_right", "")
    pinned = set(post.getlist("sc_pinned"))
    for index, row in enumerate(rows["sc"]):
        row["pinned"] = str(index) in pinned
        row["right"] = str(index) == right
    for index, row in enumerate(rows["tf4"]):
        row["true"] = post.get(f"tf4_true_{index}", "")
    return _padded(rows)


def _number(text: str, label: str, errors: list[str], default: str | None = None):
    text = (text or "").strip().replace(",", ".").rstrip("%").strip()
    if not text and default is not None:
        text = default
    try:
        number = Decimal(text)
    except InvalidOperation:
        errors.append(
            _("%(what)s phải là số, không phải «%(value)s».") % {"what": label, "value": text}
        )
        return None
    if not number.is_finite():
        errors.append(
            _("%(what)s phải là số, không phải «%(value)s».") % {"what": label, "value": text}
        )
        return None
    return number


def _fraction(text: str, errors: list[str]) -> Decimal:
    percent = _number(text, _("Tỉ lệ điểm"), errors, default="0")
    return Decimal(0) if percent is None else percent / 100


def options_data(item_type: str, rows: dict[str, list[dict]], form_data: dict) -> tuple[dict, list]:
    """The type-specific ItemData fields the rows (and the form's fields) describe, and the
    messages for values that are not numbers. Blank rows are left out."""
    errors: list[str] = []
    fields: dict = {}
    kind = TYPE_PREFIX.get(item_type)
    filled = [
        row for row in rows.get(kind, []) if any(row[name].strip() for name in FILLED_BY[kind])
    ] if kind in FILLED_BY else []  # fmt: skip
    if item_type == ItemType.SINGLE_CHOICE:
        fields["choices"] = [
            Choice(
                text=richtext.from_editor(row["text"]),
                fraction=Decimal(1) if row["right"] else Decimal(0),
                feedback=richtext.from_editor(row["feedback"]),
                pinned=row["pinned"],
            )
            for row in filled
        ]
    elif item_type == ItemType.MULTIPLE_RESPONSE:
        fields["choices"] = [
            Choice(
                text=richtext.from_editor(row["text"]),
                fraction=_fraction(row["weight"], errors),
                feedback=richtext.from_editor(row["feedback"]),
                pinned=row["pinned"],
            )
            for row in filled
        ]
    elif item_type == ItemType.TRUE_FALSE:
        value = form_data.get("correct") or ""
        fields["correct"] = {"true": True, "false": False}.get(value)
        fields["feedback_true"] = richtext.from_editor(form_data.get("feedback_true", ""))
        fields["feedback_false"] = richtext.from_editor(form_data.get("feedback_false", ""))
    elif item_type == ItemType.TRUE_FALSE_4:
        statements = []
        for row in rows["tf4"]:
            if row.get("true") not in ("1", "0") and row["text"].strip():
                errors.append(
                    _("Ý %(letter)s) chưa chọn Đúng hay Sai.") % {"letter": row["letter"]}
                )
            statements.append(
                Statement(
                    text=richtext.from_editor(row["text"]),
                    is_true=row.get("true") == "1",
                    feedback=richtext.from_editor(row["feedback"]),
                )
            )
        fields["statements"] = statements
    elif item_type == ItemType.SHORT_TEXT:
        fields["text_answers"] = [
            TextAnswer(
                text=row["text"].strip(),
                fraction=_fraction(row["weight"] or "100", errors),
                feedback=row["feedback"].strip(),
            )
            for row in filled
        ]
        fields["case_sensitive"] = bool(form_data.get("case_sensitive"))
    elif item_type == ItemType.SHORT_NUMERIC:
        answers = []
        for row in filled:
            value = _number(row["value"], _("Đáp số"), errors)
            tolerance = _number(row["tolerance"], _("Sai số"), errors, default="0")
            if value is not None and tolerance is not None:
                answers.append(
                    NumericAnswer(
                        value=value, tolerance=tolerance,
                        fraction=_fraction(row["weight"] or "100", errors),
                        feedback=row["feedback"].strip(),
                    )
                )  # fmt: skip
        fields["numeric_answers"] = answers
    elif item_type == ItemType.MATCHING:
        fields["pairs"] = [
            Pair(left=richtext.from_editor(row["left"]), right=richtext.from_editor(row["right"]))
            for row in filled
        ]
    elif item_type == ItemType.ORDERING:
        fields["order"] = [richtext.from_editor(row["text"]) for row in filled]
    elif item_type == ItemType.ESSAY:
        fields["rubric"] = richtext.from_editor(form_data.get("rubric", ""))
    return fields, errors


# --- review, search, import ------------------------------------------------------------------


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=ReviewDecision.choices)
    comment = forms.CharField(required=False, max_length=5000)
    share_province = forms.BooleanField(required=False)


class SearchForm(forms.Form):
    """The browser's query string; anything malformed is ignored rather than an error page."""

    q = forms.CharField(required=False, max_length=200)
    bank = forms.CharField(required=False, max_length=50)
    subject = forms.CharField(required=False, max_length=30)
    grade = forms.IntegerField(required=False, min_value=1, max_value=12)
    topic = forms.IntegerField(required=False, min_value=1)
    level = forms.CharField(required=False, max_length=20)
    type = forms.CharField(required=False, max_length=20)
    status = forms.CharField(required=False, max_length=20)
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORTS])

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": data.get("q") or "",
            "bank_code": data.get("bank") or "",
            **{facet: data.get(facet) or ("" if facet not in ("grade", "topic") else None)
               for facet in FACETS},
        }  # fmt: skip


IMPORT_FORMATS = [
    ("gift", "GIFT (.txt)"),
    ("moodle-xml", "Moodle XML (.xml)"),
    ("qti", "QTI (.zip)"),
    ("xlsx", "Excel (.xlsx)"),
]


class ImportForm(BootstrapMixin, forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Định dạng tệp"), choices=IMPORT_FORMATS, widget=forms.RadioSelect
    )
    file = forms.FileField(
        label=gettext_lazy("Tệp câu hỏi"),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.gift,.xml,.zip,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].widget.attrs["class"] = "form-check-input"
