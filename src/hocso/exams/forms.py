"""Forms of the session pages: the session (create and edit), extra time per candidate, and the
supervisor's added time. Choices are limited to what the actor may use; the services check
everything again."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hocso.accounts.scope import scope_for
from hocso.core.forms import BootstrapMixin, model_field
from hocso.curriculum.models import Subject
from hocso.orgs.models import OrgUnit, SchoolYear
from hocso.questions.blueprints import blueprints_visible
from hocso.questions.models import ItemStatus
from hocso.questions.selectors import items_visible
from hocso.registry.selectors import classes_visible

from .models import ExamSession

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"]
MAX_CLASSES_SHOWN = 300
SOURCE_BLUEPRINT, SOURCE_ITEMS = "blueprint", "items"


def datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def creator_units(actor):
    """The units the actor may run an exam in: those their roles are assigned to (a superuser:
    every school and office, first 500)."""
    scope = scope_for(actor)
    if scope.everything:
        return OrgUnit.objects.order_by("path")[:500]
    return OrgUnit.objects.filter(path__in=scope.read_paths).order_by("path")


def current_year():
    today = timezone.localdate()
    return (
        SchoolYear.objects.filter(start_date__lte=today, end_date__gte=today).first()
        or SchoolYear.objects.order_by("-start_date").first()
    )


def approved_items(actor):
    return items_visible(actor=actor).filter(
        status=ItemStatus.APPROVED, current_version__isnull=False
    )


class ClassChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} — {obj.school.name}"


class SessionForm(BootstrapMixin, forms.Form):
    org_unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(), label=gettext_lazy("Đơn vị tổ chức")
    )
    year = forms.ModelChoiceField(
        queryset=SchoolYear.objects.order_by("-start_date"), label=gettext_lazy("Năm học")
    )
    code = model_field(ExamSession, "code")
    name = model_field(ExamSession, "name")
    subject = forms.ModelChoiceField(
        queryset=Subject.objects.order_by("name"), label=gettext_lazy("Môn học")
    )
    grade = model_field(ExamSession, "grade")
    opens_at = datetime_field(gettext_lazy("Mở lúc"))
    closes_at = datetime_field(gettext_lazy("Đóng lúc"))
    duration_minutes = model_field(ExamSession, "duration_minutes")
    source = forms.ChoiceField(
        label=gettext_lazy("Đề thi lấy từ"),
        choices=[
            (SOURCE_BLUEPRINT, gettext_lazy("Ma trận đề (sinh nhiều mã đề)")),
            (SOURCE_ITEMS, gettext_lazy("Các câu hỏi đã duyệt tự chọn (một mã đề)")),
        ],
        widget=forms.RadioSelect,
        initial=SOURCE_BLUEPRINT,
    )
    blueprint = forms.ModelChoiceField(
        queryset=None, required=False, label=gettext_lazy("Ma trận đề")
    )
    form_count = model_field(ExamSession, "form_count")
    items = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label=gettext_lazy("Câu hỏi"),
        widget=forms.MultipleHiddenInput,
    )  # fmt: skip
    classes = ClassChoice(
        queryset=None, required=False, label=gettext_lazy("Lớp dự thi"),
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    shuffle_questions = model_field(ExamSession, "shuffle_questions")
    shuffle_options = model_field(ExamSession, "shuffle_options")
    one_per_page = model_field(ExamSession, "one_per_page")
    review_allowed = model_field(ExamSession, "review_allowed")
    show_results = model_field(ExamSession, "show_results")
    access_code = model_field(ExamSession, "access_code")
    grace_seconds = model_field(ExamSession, "grace_seconds")
    blind_marking = model_field(ExamSession, "blind_marking")
    gradebook_column = model_field(ExamSession, "gradebook_column")
    term = forms.TypedChoiceField(
        label=gettext_lazy("Học kì"), required=False, coerce=int, empty_value=None,
        choices=[("", "—"), (1, gettext_lazy("Học kì I")), (2, gettext_lazy("Học kì II"))],
    )  # fmt: skip
    gradebook_seq = forms.TypedChoiceField(
        label=gettext_lazy("Cột thường xuyên số"), required=False, coerce=int, empty_value=None,
        choices=[("", "—"), *((n, str(n)) for n in range(1, 5))],
    )  # fmt: skip

    def __init__(self, *args, actor, session: ExamSession | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        for name in ("source", "classes"):  # BootstrapMixin styles them as text boxes
            self.fields[name].widget.attrs["class"] = "form-check-input"
        self.fields["blueprint"].queryset = blueprints_visible(actor=actor).select_related(
            "subject"
        )
        self.fields["items"].queryset = approved_items(actor)
        self.fields["access_code"].help_text = _(
            "Thi có giám thị: thí sinh nhập mã này để vào phòng thi. Để trống nếu không cần."
        )
        self.fields["grade"].widget.attrs.update(min=1, max=12)
        if session is None:
            self.fields["org_unit"].queryset = creator_units(actor)
            unit = self._value("org_unit")
        else:
            del self.fields["org_unit"]  # the running unit never changes
            unit = session.org_unit
        year = self._value("year")
        classes = (
            classes_visible(actor=actor)
            .select_related("school")
            .order_by("school__name", "grade", "name")
        )
        if year:
            classes = classes.filter(year_id=year)
        if unit and not isinstance(unit, OrgUnit):
            unit = OrgUnit.objects.filter(pk=unit).first() if str(unit).isdigit() else None
        if unit is not None:
            classes = classes.filter(school__path__startswith=unit.path)
        grade = self._value("grade")
        if grade and str(grade).isdigit():
            classes = classes.filter(grade=int(grade))
        ids = list(classes.values_list("pk", flat=True)[:MAX_CLASSES_SHOWN])
        self.fields["classes"].queryset = (
            classes.model.objects.filter(pk__in=ids)
            .select_related("school")
            .order_by("school__name", "grade", "name")
        )

    def _value(self, name):
        if self.is_bound:
            return self.data.get(name) or None
        value = self.initial.get(name)
        return getattr(value, "pk", value)

    def clean(self):
        cleaned = super().clean()
        source = cleaned.get("source")
        if source == SOURCE_BLUEPRINT and not cleaned.get("blueprint"):
            self.add_error("blueprint", _("Chọn ma trận đề."))
        if source == SOURCE_ITEMS and not cleaned.get("items"):
            self.add_error("items", _("Chọn ít nhất một câu hỏi đã duyệt."))
        if source == SOURCE_ITEMS:
            cleaned["blueprint"] = None
            cleaned["form_count"] = 1
        else:
            cleaned["items"] = None
        return cleaned

    def service_fields(self) -> dict:
        """The cleaned values as the services take them (items as a list, in the order picked)."""
        fields = {k: v for k, v in self.cleaned_data.items() if k != "source"}
        if fields.get("items") is not None:
            order = [int(pk) for pk in self.data.getlist("items") if str(pk).isdigit()]
            picked = {item.pk: item for item in fields["items"]}
            fields["items"] = [picked[pk] for pk in dict.fromkeys(order) if pk in picked]
        fields["classes"] = list(fields.get("classes") or [])
        return fields


def session_initial(session: ExamSession, items) -> dict:
    """The edit form's starting values."""
    names = (
        "year", "code", "name", "subject", "grade", "opens_at", "closes_at", "duration_minutes",
        "blueprint", "form_count", "shuffle_questions", "shuffle_options", "one_per_page",
        "review_allowed", "show_results", "access_code", "grace_seconds", "blind_marking",
        "gradebook_column", "term", "gradebook_seq",
    )  # fmt: skip
    initial = {name: getattr(session, name) for name in names}
    initial["opens_at"] = timezone.localtime(session.opens_at)
    initial["closes_at"] = timezone.localtime(session.closes_at)
    initial["source"] = SOURCE_BLUEPRINT if session.blueprint_id else SOURCE_ITEMS
    initial["items"] = [item.pk for item in items]
    initial["classes"] = list(session.classes.values_list("school_class_id", flat=True))
    return initial


class ExtraTimeForm(forms.Form):
    minutes = forms.IntegerField(label=gettext_lazy("Số phút"), min_value=1, max_value=600)
