"""The import and export pages: upload a spreadsheet, follow the background job's progress,
download the error report, download an empty template for each kind of list; download a school's
lists (the export).

A job is visible only to the user who started it (and superusers); anyone else gets a 404.
A school's lists can be exported by anyone who can read the school; anyone else gets a 404.
"""

import tempfile

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from hocso.accounts.scope import scope_for
from hocso.orgs.models import OrgUnit, SchoolYear
from hocso.orgs.selectors import current_school_year, school_get, schools_in_scope

from .exporters import export_filename, export_records, problems_xlsx, template_xlsx
from .importers import SPECS, ImportFileError
from .importers.jobs import import_job_create, job_problems
from .importers.problems import ERROR
from .models import ImportJob

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"xlsx": XLSX_TYPE, "csv": "text/csv; charset=utf-8"}
PROBLEMS_SHOWN = 200
RECENT_JOBS = 10


def writable_schools(actor):
    scope = scope_for(actor)
    return schools_in_scope(actor=actor).filter(scope.q("path", write=True)).order_by("name")


def _style(form: forms.Form) -> None:
    """Bootstrap classes on the widgets: selects, radio buttons, the rest as text inputs."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.RadioSelect):
            field.widget.attrs["class"] = "form-check-input"
        elif isinstance(field.widget, forms.Select):
            field.widget.attrs.setdefault("class", "form-select")
        else:
            field.widget.attrs.setdefault("class", "form-control")


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Loại danh sách"), choices=ImportJob.Kind.choices)
    school = forms.ModelChoiceField(
        label=gettext_lazy("Trường"), queryset=None, empty_label=gettext_lazy("— Chọn trường —")
    )
    year = forms.ModelChoiceField(
        label=gettext_lazy("Năm học"),
        queryset=SchoolYear.objects.all(),
        required=False,
        empty_label=gettext_lazy("— Chọn năm học —"),
        help_text=gettext_lazy("Cần cho danh sách học sinh và danh sách lớp."),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Cách nhập"),
        choices=ImportJob.Mode.choices,
        initial=ImportJob.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("Tệp .xlsx hoặc .csv"),
        help_text=gettext_lazy(
            "Dòng tiêu đề có thể nằm dưới vài dòng tên danh sách. Nếu trang báo lỗi, hãy chọn lại tệp."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, actor, school_code: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        schools = writable_schools(actor)
        self.fields["school"].queryset = schools
        only = list(schools[:2])
        # The one school a school's own admin writes at: nothing to choose.
        self.only_school = only[0] if len(only) == 1 else None
        if not self.is_bound:
            self.fields["year"].initial = current_school_year()
            chosen = schools.filter(code=school_code).first() if school_code else self.only_school
            if chosen is not None:
                self.fields["school"].initial = chosen.pk
        _style(self)

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        limit = settings.HOCSO_MAX_UPLOAD_BYTES
        if uploaded.size > limit:
            raise forms.ValidationError(
                _("Tệp lớn hơn giới hạn %(limit)s MB") % {"limit": limit // 1048576}
            )
        return uploaded

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in SPECS and SPECS[kind].needs_year and not data.get("year"):
            self.add_error("year", _("Hãy chọn năm học cho danh sách này"))
        return data


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    scope = scope_for(request.user)
    if not (scope.everything or scope.write_paths):
        raise PermissionDenied
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        actor=request.user,
        school_code=request.GET.get("school", ""),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = import_job_create(
                actor=request.user, kind=data["kind"], school=data["school"],
                year=data["year"] if SPECS[data["kind"]].needs_year else None,
                mode=data["mode"], uploaded=data["file"],
            )  # fmt: skip
        except ImportFileError as exc:
            form.add_error("file", exc.reason)
        except PermissionDenied:
            form.add_error("school", _("Bạn không có quyền ghi dữ liệu ở trường này"))
        else:
            return redirect("registry:import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(created_by=request.user).select_related("school", "year")
    return render(
        request,
        "registry/import.html",
        {
            "form": form,
            "jobs": jobs[:RECENT_JOBS],
            "specs": [(kind, ImportJob.Kind(kind).label, spec) for kind, spec in SPECS.items()],
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _job_or_404(request, pk: int) -> ImportJob:
    jobs = ImportJob.objects.select_related("school", "year")
    if not request.user.is_superuser:
        jobs = jobs.filter(created_by=request.user)
    return get_object_or_404(jobs, pk=pk)


def _status_context(job: ImportJob) -> dict:
    context = {"job": job, "problems": [], "problems_total": 0, "error_count": 0}
    if job.status == ImportJob.Status.FAILED and job.failure:
        message = job.failure.get("message", "")
        params = job.failure.get("params") or {}
        context["failure"] = _(message) % params if params else _(message)
    if job.is_finished and job.problems:
        problems = sorted(job_problems(job), key=lambda p: (p.level != ERROR, p.row or 0))
        context["problems"] = problems[:PROBLEMS_SHOWN]
        context["problems_total"] = len(problems)
        context["error_count"] = sum(1 for p in problems if p.level == ERROR)
    return context


@login_required
@require_GET
def import_job(request, pk: int):
    job = _job_or_404(request, pk)
    return render(request, "registry/import_job.html", _status_context(job))


@login_required
@require_GET
def import_job_status(request, pk: int):
    """The htmx fragment the job page polls every second while the job runs."""
    job = _job_or_404(request, pk)
    return render(request, "registry/import_job_status.html", _status_context(job))


@login_required
@require_GET
def import_job_errors(request, pk: int):
    job = _job_or_404(request, pk)
    problems = sorted(job_problems(job), key=lambda p: (p.row or 0, p.level != ERROR))
    response = HttpResponse(problems_xlsx(problems), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="loi-nhap-du-lieu-{job.pk}.xlsx"'
    return response


@login_required
@require_GET
def import_template(request, kind: str):
    if kind not in SPECS:
        raise Http404
    response = HttpResponse(template_xlsx(kind), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="mau-nhap-{kind}.xlsx"'
    return response


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Danh sách"), choices=ImportJob.Kind.choices)
    year = forms.ModelChoiceField(
        label=gettext_lazy("Năm học"),
        queryset=SchoolYear.objects.all(),
        required=False,
        empty_label=gettext_lazy("— Chọn năm học —"),
        help_text=gettext_lazy("Cần cho danh sách học sinh và danh sách lớp."),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Định dạng"),
        choices=[
            ("xlsx", gettext_lazy("Excel (.xlsx)")),
            ("csv", gettext_lazy("CSV (.csv, UTF-8)")),
        ],
        initial="xlsx",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["year"].initial = current_school_year()
        _style(self)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in SPECS and SPECS[kind].needs_year and not data.get("year"):
            self.add_error("year", _("Hãy chọn năm học cho danh sách này"))
        return data


@login_required
@require_http_methods(["GET", "POST"])
def export_download(request, code: str):
    """GET shows the choices; POST returns the file. The file is written by the exporter that
    `hocso export` uses (same headers as the import, formulas neutralised), which also writes the
    audit entry. Only a POST exports, so a prefetched or crawled link never does."""
    try:
        school = school_get(actor=request.user, code=code)
    except OrgUnit.DoesNotExist:
        raise Http404 from None
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        kind, fmt = form.cleaned_data["kind"], form.cleaned_data["format"]
        year = form.cleaned_data["year"] if SPECS[kind].needs_year else None
        output = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it once sent
        try:
            export_records(
                actor=request.user, kind=kind, school=school, year=year, fmt=fmt, output=output
            )
        except BaseException:
            output.close()
            raise
        output.seek(0)
        response = FileResponse(
            output,
            as_attachment=True,
            filename=export_filename(kind=kind, school=school, year=year, fmt=fmt),
            content_type=CONTENT_TYPES[fmt],
        )
        response["Cache-Control"] = "no-store"  # personal data: no copies in shared caches
        return response
    return render(
        request,
        "registry/export.html",
        {
            "form": form,
            "school": school,
            "can_write": scope_for(request.user).covers(school.path, write=True),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
