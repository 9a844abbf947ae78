"""Forms of the registry pages.

Plain forms whose fields come from the models (so labels are the models' Vietnamese
verbose_names); saving always goes through hocso.registry.services, which check permission and
validate again. Service errors are put back on the form with `apply_service_errors`.
"""

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hocso.core.forms import (
    DATE_INPUT_FORMATS,
    BootstrapMixin,
    date_widget,
    model_field,
)
from hocso.core.text import clean_text
from hocso.orgs.models import OrgUnit, SchoolYear

from .models import (
    EnrollmentEnd,
    Equipment,
    Relationship,
    Room,
    SchoolClass,
    Staff,
    Student,
)
from .services import STAFF_FIELDS, STUDENT_FIELDS

PHONE_RE = re.compile(r"^(0|\+84)[0-9]{9,10}$")


class _UniqueIdentifierMixin:
    """Friendly errors for identifiers already used by another record (before the database says
    it less kindly). The other record may be outside the actor's scope: say only that it exists."""

    identity_model = None
    unique_fields: tuple[str, ...] = ()

    def __init__(self, *args, instance_pk: int | None = None, **kwargs):
        self.instance_pk = instance_pk
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        for name in self.unique_fields:
            value = clean_text(cleaned.get(name))
            if not value:
                continue
            others = self.identity_model.objects.filter(**{name: value})
            if self.instance_pk is not None:
                others = others.exclude(pk=self.instance_pk)
            if others.exists():
                self.add_error(name, _("Mã này đã được dùng cho một hồ sơ khác."))
        return cleaned


class StudentForm(BootstrapMixin, _UniqueIdentifierMixin, forms.Form):
    identity_model = Student
    unique_fields = ("national_id", "moet_code")

    full_name = model_field(Student, "full_name")
    date_of_birth = model_field(Student, "date_of_birth")
    gender = model_field(Student, "gender")
    ethnicity = model_field(Student, "ethnicity")
    national_id = model_field(Student, "national_id")
    moet_code = model_field(Student, "moet_code")
    address = model_field(Student, "address")
    device_access = model_field(Student, "device_access")
    internet_at_home = model_field(Student, "internet_at_home")

    field_order = list(STUDENT_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["national_id"].widget.attrs.update(inputmode="numeric", autocomplete="off")
        self.fields["moet_code"].widget.attrs.update(inputmode="numeric", autocomplete="off")
        self.fields["national_id"].help_text = _(
            "12 chữ số. Cần số định danh hoặc mã định danh Bộ GD&ĐT."
        )
        self.fields["moet_code"].help_text = _("10 chữ số.")
        self.fields["internet_at_home"].widget.choices = [
            ("unknown", _("Chưa khai")),
            ("true", _("Có")),
            ("false", _("Không")),
        ]

    def student_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in STUDENT_FIELDS}


class StudentCreateForm(StudentForm):
    """A new learner, with a first guardian and the class to enroll in this year."""

    guardian_name = forms.CharField(label=_("Họ tên phụ huynh"), max_length=150, required=False)
    guardian_phone = forms.CharField(
        label=_("Số điện thoại phụ huynh"),
        max_length=15,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    guardian_relationship = forms.ChoiceField(
        label=_("Quan hệ với học sinh"),
        choices=[("", "---------"), *Relationship.choices],
        required=False,
    )
    school_class = forms.ModelChoiceField(
        label=_("Lớp (năm học hiện tại)"), queryset=SchoolClass.objects.none(), required=False
    )
    start_date = forms.DateField(
        label=_("Ngày nhập học"),
        required=False,
        widget=date_widget(),
        input_formats=DATE_INPUT_FORMATS,
    )

    def __init__(self, *args, classes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = (
            classes if classes is not None else SchoolClass.objects.none()
        )
        self.fields["start_date"].initial = date.today

    def clean_guardian_phone(self):
        phone = re.sub(r"[\s.\-]", "", self.cleaned_data["guardian_phone"])
        if phone and not PHONE_RE.match(phone):
            raise ValidationError(
                _("Số điện thoại phải gồm 10–11 chữ số, bắt đầu bằng 0 hoặc +84.")
            )
        return phone

    def clean(self):
        cleaned = super().clean()
        has_guardian = cleaned.get("guardian_name") or cleaned.get("guardian_phone")
        if has_guardian and not cleaned.get("guardian_name"):
            self.add_error("guardian_name", _("Nhập họ tên phụ huynh."))
        if has_guardian and not cleaned.get("guardian_relationship"):
            self.add_error("guardian_relationship", _("Chọn quan hệ với học sinh."))
        if cleaned.get("school_class") and not cleaned.get("start_date"):
            self.add_error("start_date", _("Nhập ngày nhập học."))
        return cleaned


class TransferForm(BootstrapMixin, forms.Form):
    to_school = forms.ModelChoiceField(
        label=_("Trường chuyển đến"), queryset=OrgUnit.objects.none()
    )
    to_class = forms.ModelChoiceField(
        label=_("Lớp chuyển đến"), queryset=SchoolClass.objects.none()
    )
    on = forms.DateField(
        label=_("Ngày chuyển"), widget=date_widget(), input_formats=DATE_INPUT_FORMATS
    )
    reason = forms.CharField(label=_("Lý do"), max_length=300, required=False)

    def __init__(self, *args, destinations, classes_for, classes_url: str = "", **kwargs):
        """`destinations`: schools the actor may write; `classes_for(school)`: their classes of
        the year; `classes_url`: where htmx fetches the class options when the school changes."""
        super().__init__(*args, **kwargs)
        self.fields["to_school"].queryset = destinations
        self.fields["on"].initial = date.today
        # The chosen school decides which classes are offered: from the submitted data, or from
        # `initial` when the page is redrawn without validating (the no-JavaScript refresh).
        source = self.data if self.is_bound else self.initial
        raw_school = str(source.get("to_school") or "")
        self.selected_school = (
            destinations.filter(pk=int(raw_school)).first() if raw_school.isdigit() else None
        )
        self.fields["to_class"].queryset = (
            classes_for(self.selected_school)
            if self.selected_school is not None
            else SchoolClass.objects.none()
        )
        if classes_url:
            self.fields["to_school"].widget.attrs.update(
                {"hx-get": classes_url, "hx-target": "#id_to_class", "hx-trigger": "change"}
            )

    def clean(self):
        cleaned = super().clean()
        school, school_class = cleaned.get("to_school"), cleaned.get("to_class")
        if school and school_class and school_class.school_id != school.pk:
            self.add_error("to_class", _("Lớp này không thuộc trường đã chọn."))
        return cleaned


class LeaveForm(BootstrapMixin, forms.Form):
    reason = forms.ChoiceField(
        label=_("Lý do"),
        choices=[
            (EnrollmentEnd.DROP_OUT.value, EnrollmentEnd.DROP_OUT.label),
            (EnrollmentEnd.GRADUATION.value, EnrollmentEnd.GRADUATION.label),
        ],
        widget=forms.RadioSelect,
    )
    on = forms.DateField(label=_("Ngày"), widget=date_widget(), input_formats=DATE_INPUT_FORMATS)
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = date.today
        self.fields["reason"].widget.attrs["class"] = "form-check-input"


class StaffForm(BootstrapMixin, _UniqueIdentifierMixin, forms.Form):
    identity_model = Staff
    unique_fields = ("national_id",)

    full_name = model_field(Staff, "full_name")
    date_of_birth = model_field(Staff, "date_of_birth")
    gender = model_field(Staff, "gender")
    national_id = model_field(Staff, "national_id")
    position = model_field(Staff, "position")
    qualification = model_field(Staff, "qualification")
    subjects = model_field(Staff, "subjects")
    phone = model_field(Staff, "phone")
    is_active = model_field(Staff, "is_active")

    field_order = list(STAFF_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["national_id"].widget.attrs.update(inputmode="numeric", autocomplete="off")
        self.fields["national_id"].help_text = _("12 chữ số.")
        self.fields["subjects"].help_text = _(
            "Nhiều môn cách nhau bằng dấu chấm phẩy: Toán; Tin học"
        )
        self.fields["phone"].widget.attrs.update(inputmode="tel")

    def clean_phone(self):
        phone = re.sub(r"[\s.\-]", "", self.cleaned_data["phone"])
        if phone and not PHONE_RE.match(phone):
            raise ValidationError(
                _("Số điện thoại phải gồm 10–11 chữ số, bắt đầu bằng 0 hoặc +84.")
            )
        return phone

    def staff_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in STAFF_FIELDS}


class ClassForm(BootstrapMixin, forms.Form):
    year = forms.ModelChoiceField(label=_("Năm học"), queryset=SchoolYear.objects.all())
    grade = model_field(SchoolClass, "grade")
    name = model_field(SchoolClass, "name")
    homeroom_teacher = forms.ModelChoiceField(
        label=_("Giáo viên chủ nhiệm"), queryset=Staff.objects.none(), required=False
    )

    def __init__(self, *args, teachers, school, **kwargs):
        self.school = school
        super().__init__(*args, **kwargs)
        self.fields["homeroom_teacher"].queryset = teachers
        self.fields["name"].help_text = _("Ví dụ: 6A1, 10C2")

    def clean(self):
        cleaned = super().clean()
        name, year = cleaned.get("name"), cleaned.get("year")
        if name and year:
            # Class names are stored in upper case (class_create): compare the same way.
            name = clean_text(name).upper()
            if SchoolClass.objects.filter(school=self.school, year=year, name=name).exists():
                self.add_error("name", _("Năm học này đã có lớp %(name)s.") % {"name": name})
        return cleaned


class RoomForm(BootstrapMixin, forms.Form):
    code = model_field(Room, "code")
    name = model_field(Room, "name")
    kind = model_field(Room, "kind")
    capacity = model_field(Room, "capacity")
    condition = model_field(Room, "condition")

    def __init__(self, *args, school, **kwargs):
        self.school = school
        super().__init__(*args, **kwargs)

    def clean_code(self):
        code = clean_text(self.cleaned_data["code"])
        if Room.objects.filter(school=self.school, code=code).exists():
            raise ValidationError(_("Trường đã có phòng mang mã này."))
        return code

    def room_values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "code"}


class EquipmentForm(BootstrapMixin, forms.Form):
    asset_code = model_field(Equipment, "asset_code")
    name = model_field(Equipment, "name")
    category = model_field(Equipment, "category")
    room = forms.ModelChoiceField(label=_("Phòng"), queryset=Room.objects.none(), required=False)
    quantity = model_field(Equipment, "quantity", min_value=1)
    condition = model_field(Equipment, "condition")
    acquired_on = model_field(Equipment, "acquired_on")

    def __init__(self, *args, school, instance: Equipment | None = None, **kwargs):
        self.school = school
        self.instance = instance
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(school=school).order_by("code")
        if instance is not None:
            # The asset code identifies the item (equipment_save matches on it): fixed once made.
            self.fields["asset_code"].disabled = True
            self.fields["asset_code"].help_text = _("Mã thiết bị không đổi được sau khi tạo.")

    def clean_asset_code(self):
        code = clean_text(self.cleaned_data["asset_code"])
        if (
            self.instance is None
            and Equipment.objects.filter(school=self.school, asset_code=code).exists()
        ):
            raise ValidationError(_("Trường đã có thiết bị mang mã này."))
        return code

    def equipment_values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "asset_code"}


class TransferInLookupForm(BootstrapMixin, forms.Form):
    """Step 1 of admitting a transferring learner: an identifier AND the date of birth."""

    identifier = forms.CharField(
        label=_("Số định danh cá nhân hoặc mã định danh Bộ GD&ĐT"),
        max_length=20,
        help_text=_("12 chữ số (số định danh cá nhân) hoặc 10 chữ số (mã định danh Bộ GD&ĐT)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    date_of_birth = forms.DateField(
        label=_("Ngày sinh"), widget=date_widget(), input_formats=DATE_INPUT_FORMATS
    )

    def clean_identifier(self):
        digits = "".join(self.cleaned_data["identifier"].split())
        if not digits.isdigit() or len(digits) not in (10, 12):
            raise ValidationError(
                _("Nhập 12 chữ số (số định danh cá nhân) hoặc 10 chữ số (mã định danh Bộ GD&ĐT).")
            )
        return digits

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value > date.today():
            raise ValidationError(_("Ngày sinh không thể ở tương lai."))
        return value


class TransferInForm(BootstrapMixin, forms.Form):
    """Step 2: the class of the receiving school, the date and the reason.

    `token` carries the learner found in step 1, signed (see views_transfer.py)."""

    token = forms.CharField(widget=forms.HiddenInput)
    to_class = forms.ModelChoiceField(label=_("Lớp tiếp nhận"), queryset=SchoolClass.objects.none())
    on = forms.DateField(
        label=_("Ngày chuyển đến"), widget=date_widget(), input_formats=DATE_INPUT_FORMATS
    )
    reason = forms.CharField(label=_("Lý do"), max_length=300, required=False)

    def __init__(self, *args, classes, not_before: date, **kwargs):
        """`classes`: the receiving school's classes of the year; `not_before`: the start of the
        learner's current enrollment (the transfer cannot close it before it began)."""
        super().__init__(*args, **kwargs)
        self.not_before = not_before
        self.fields["to_class"].queryset = classes
        self.fields["on"].initial = max(date.today(), not_before)
        self.fields["on"].help_text = _("Không trước ngày %(day)s (ngày bắt đầu lớp hiện tại).") % {
            "day": not_before.strftime("%d/%m/%Y")
        }

    def clean_on(self):
        value = self.cleaned_data["on"]
        if value < self.not_before:
            raise ValidationError(
                _(
                    "Ngày chuyển đến %(day)s trước ngày học sinh bắt đầu học lớp hiện tại "
                    "(%(start)s). Chọn một ngày từ %(start)s trở đi."
                )
                % {"day": value.strftime("%d/%m/%Y"), "start": self.not_before.strftime("%d/%m/%Y")}
            )
        return value
