"""Forms of the curriculum pages.

They check types and ranges only; the curriculum rules (Circular 22 vs 27 modes, electives,
periodic tests) are the model's and are checked by the services, whose ValidationError is put
back on the form with `apply_service_errors`. Which fields a form has depends on the grade:
grades 1–5 are always assessed by level (no mode to choose) and have the Circular 27 test flags;
only grades 10–12 have the elective group.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from hocso.core.forms import BootstrapMixin, model_field

from .models import LAST_PRIMARY_GRADE, AssessmentMode, ElectiveGroup, GradeSubject, Subject
from .services import GRADE_SUBJECT_FIELDS

FIRST_ELECTIVE_GRADE = 10  # the 10–12 elective group (DOMAIN.md §3)


class GradeSubjectForm(BootstrapMixin, forms.Form):
    """How one subject is taught in one grade."""

    name = model_field(GradeSubject, "name")
    periods_per_year = model_field(
        GradeSubject,
        "periods_per_year",
        min_value=1,
        # Django's own Vietnamese wording for these is clumsy; say what is expected.
        error_messages={
            "invalid": _("Nhập số tiết là một số nguyên, ví dụ 70."),
            "min_value": _("Số tiết/năm học phải lớn hơn 0."),
        },
    )
    is_compulsory = model_field(GradeSubject, "is_compulsory")
    elective_group = forms.ChoiceField(label=_("Nhóm môn lựa chọn"), required=False)
    assessment_mode = forms.ChoiceField(label=_("Cách đánh giá ở khối này"), required=False)
    has_periodic_tests = model_field(GradeSubject, "has_periodic_tests")
    has_midterm_tests = model_field(GradeSubject, "has_midterm_tests")

    def __init__(self, *args, grade: int, subject: Subject | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.grade = grade
        self.fields["name"].help_text = _("Để trống nếu khối này dùng đúng tên môn.")
        self.fields["periods_per_year"].widget.attrs["inputmode"] = "numeric"
        self.fields["is_compulsory"].help_text = _(
            "Bỏ chọn với môn tự chọn (ví dụ Ngoại ngữ 1 ở lớp 1–2) và môn thuộc nhóm lựa chọn."
        )
        if grade <= LAST_PRIMARY_GRADE:
            # Circular 27: every primary subject ends with a level; the mode is fixed.
            del self.fields["assessment_mode"]
            self.fields["has_periodic_tests"].help_text = _(
                "Bài kiểm tra định kì cuối học kì I và cuối năm học (điểm nguyên 1–10)."
            )
            self.fields["has_midterm_tests"].help_text = _(
                "Thêm bài kiểm tra giữa học kì I và giữa học kì II (lớp 4–5)."
            )
        else:
            del self.fields["has_periodic_tests"]
            del self.fields["has_midterm_tests"]
            own_mode = AssessmentMode(subject.assessment_mode).label if subject is not None else ""
            inherit = _("Theo môn: %(mode)s") % {"mode": own_mode} if own_mode else _("Theo môn")
            self.fields["assessment_mode"].choices = [
                ("", inherit),
                (AssessmentMode.SCORED, AssessmentMode.SCORED.label),
                (AssessmentMode.COMMENT, AssessmentMode.COMMENT.label),
            ]
            self.fields["assessment_mode"].help_text = _(
                "Thông tư 22: môn đánh giá bằng nhận xét chỉ ghi Đạt/Chưa đạt."
            )
        current_group = self.initial.get("elective_group", "")
        if grade >= FIRST_ELECTIVE_GRADE or current_group:
            self.fields["elective_group"].choices = [
                ("", _("Không thuộc nhóm nào")),
                *ElectiveGroup.choices,
            ]
            self.fields["elective_group"].help_text = _(
                "Môn thuộc nhóm lựa chọn không phải môn bắt buộc: bỏ chọn “Bắt buộc”."
            )
        else:
            del self.fields["elective_group"]

    def grade_subject_values(self) -> dict:
        """The values to hand to the service: only the fields this grade's form has."""
        return {
            name: self.cleaned_data[name] for name in GRADE_SUBJECT_FIELDS if name in self.fields
        }


class GradeSubjectAddForm(GradeSubjectForm):
    """A subject added to a grade: the same fields, plus which subject."""

    subject = forms.ModelChoiceField(label=_("Môn học"), queryset=Subject.objects.none())

    field_order = ["subject", "name", "periods_per_year", "is_compulsory"]

    def __init__(self, *args, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects
        if "assessment_mode" in self.fields:
            # Which subject is chosen is not known yet: name no mode.
            mode = self.fields["assessment_mode"]
            mode.choices = [("", _("Theo môn")), *mode.choices[1:]]


class SubjectForm(BootstrapMixin, forms.Form):
    code = model_field(Subject, "code")
    name = model_field(Subject, "name")
    assessment_mode = model_field(Subject, "assessment_mode")
    sort_order = model_field(Subject, "sort_order")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.widget.attrs.update(autocomplete="off", autocapitalize="characters")
        code.help_text = _(
            "Chữ in hoa không dấu và chữ số, ví dụ KHMER. Không đổi được sau khi tạo: "
            "sổ điểm và các tệp nhập dữ liệu dùng mã này."
        )
        self.fields["assessment_mode"].help_text = _(
            "Cách đánh giá mặc định ở khối 6–12; khối 1–5 luôn đánh giá theo mức hoàn thành."
        )
        self.fields["sort_order"].help_text = _("Số nhỏ đứng trước trong danh sách môn.")
        self.fields["sort_order"].error_messages["invalid"] = _("Nhập một số nguyên, ví dụ 300.")
        self.fields["sort_order"].widget.attrs["inputmode"] = "numeric"
