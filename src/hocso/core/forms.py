"""Form helpers every app's pages use: Bootstrap styling, service errors put back on the form,
and form fields derived from model fields."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]


def date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def model_field(model, name: str, **kwargs) -> forms.Field:
    """The form field Django derives from a model field (label = its Vietnamese verbose_name);
    dates get the browser's date picker and the Vietnamese day/month/year spellings."""
    field = model._meta.get_field(name).formfield(**kwargs)
    if isinstance(field, forms.DateField):
        field.widget = date_widget()
        field.input_formats = DATE_INPUT_FORMATS
    return field


class BootstrapMixin:
    """Bootstrap classes on every widget, and `is-invalid` (the red outline, announced to screen
    readers with aria-invalid) on fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def _mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                    widget.attrs["aria-invalid"] = "true"

    def full_clean(self):
        super().full_clean()
        if self.is_bound:
            self._mark_invalid()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._mark_invalid()


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form shows it."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        for message in errors:
            form.add_error(target, message)
