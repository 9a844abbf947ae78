"""Library pages for contributing and reviewing: upload, a resource's page (playback by type,
versions, review, reports, ratings), edit, new version, the review queue and the reports
queue; and the file and thumbnail views every page links to.

Thin: a resource the actor may not see is a 404 (access.resources_visible); writes go through
hocso.resources.services, which check permission again and whose ValidationErrors are shown
on the form (or as messages for the one-button actions).

The upload pages post a normal multipart form. upload.js sends the same form with
XMLHttpRequest to show a progress bar; such a request gets JSON back ({"redirect": url}, or
{"errors": {...}} with status 400) so the page keeps everything typed, the chosen file too.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Avg, Case, Count, IntegerField, Value, When
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocso.accounts.scope import scope_for
from hocso.core.forms import apply_service_errors

from . import access, services
from .forms import (
    RatingForm,
    ReportForm,
    ReportHandleForm,
    ResourceForm,
    ReviewForm,
    UploadForm,
    VersionForm,
    topics_for,
)
from .models import (
    FileRole,
    Rating,
    Report,
    ReportStatus,
    Resource,
    ResourceFile,
    ResourceStatus,
    ResourceType,
    ReviewDecision,
    Sharing,
    UsageKind,
)

PAGE_SIZE = 20
STATUS_BADGES = {
    ResourceStatus.DRAFT: "text-bg-secondary",
    ResourceStatus.SUBMITTED: "text-bg-warning",
    ResourceStatus.CHANGES_REQUESTED: "text-bg-info",
    ResourceStatus.PUBLISHED: "text-bg-success",
    ResourceStatus.REJECTED: "text-bg-danger",
    ResourceStatus.RETIRED: "text-bg-dark",
}
REPORT_BADGES = {
    ReportStatus.OPEN: "text-bg-warning",
    ReportStatus.RESOLVED: "text-bg-success",
    ReportStatus.DISMISSED: "text-bg-secondary",
}


def require_staff(request) -> None:
    """Contributing and reviewing are staff work; learners and guardians only read."""
    if not scope_for(request.user).is_staff_member:
        raise PermissionDenied


def resource_or_404(request, pk: int) -> Resource:
    return get_object_or_404(
        access.resources_visible(request.user).select_related(
            "org_unit", "subject", "created_by", "current_version"
        ),
        pk=pk,
    )


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _form_errors_json(form) -> JsonResponse:
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    return JsonResponse(
        {"errors": errors, "message": _("Vui lòng sửa các lỗi được đánh dấu bên dưới.")},
        status=400,
    )


def _duplicates(actor, resource: Resource) -> list:
    """Other resources the actor sees that carry the same file as the current version."""
    from . import selectors

    version = resource.current_version
    if version is None:
        return []
    shas = list(
        version.files.filter(role__in=(FileRole.MAIN, FileRole.PACKAGE)).values_list(
            "sha256", flat=True
        )
    )
    found: dict[int, Resource] = {}
    for sha in shas:
        for other in selectors.duplicates_of(actor=actor, sha256=sha, exclude=resource):
            found.setdefault(other.pk, other)
    return list(found.values())


def _warn_duplicates(request, resource: Resource) -> None:
    for other in _duplicates(request.user, resource):
        messages.warning(
            request,
            _("Tệp này đã có trong học liệu “%(title)s” (#%(id)s).")
            % {"title": other.title, "id": other.pk},
        )


# --- upload -----------------------------------------------------------------------------------


def _initial_from(data) -> dict:
    """A form's typed values as initial data (re-render without validating: "show topics")."""
    initial = {key: data.get(key) for key in data}
    initial["topics"] = data.getlist("topics")
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    require_staff(request)
    if request.method == "POST" and "refresh_topics" not in request.POST:
        form = UploadForm(request.POST, request.FILES, actor=request.user)
        if form.is_valid():
            try:
                resource = services.resource_create(
                    actor=request.user,
                    org_unit=form.cleaned_data["org_unit"],
                    type=form.cleaned_data["type"],
                    submit=form.cleaned_data["submit_for_review"],
                    **form.metadata(),
                    **form.content(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Đã gửi học liệu đi duyệt.")
                    if resource.status == ResourceStatus.SUBMITTED
                    else _("Đã lưu bản nháp học liệu."),
                )
                _warn_duplicates(request, resource)
                url = reverse("resources:detail", args=[resource.pk])
                return JsonResponse({"redirect": url}) if _wants_json(request) else redirect(url)
        if _wants_json(request):
            return _form_errors_json(form)
    elif request.method == "POST":
        form = UploadForm(initial=_initial_from(request.POST), actor=request.user)
    else:
        form = UploadForm(actor=request.user)
    return render(
        request,
        "resources/upload.html",
        {"form": form, "types_with_file": _types_with_file(), "section": "upload"},
    )


def _types_with_file() -> str:
    return " ".join(t for t in ResourceType.values if t != ResourceType.LINK)


@login_required
@require_GET
def topic_options(request):
    """The <option>s of the topics select for a subject and grades (htmx asks on change)."""
    require_staff(request)
    topics = topics_for(
        request.GET.get("subject") or None,
        request.GET.get("grade_from") or None,
        request.GET.get("grade_to") or None,
    )
    return render(
        request,
        "resources/_topic_options.html",
        {"topics": topics, "selected": set(request.GET.getlist("topics"))},
    )


# --- one resource -----------------------------------------------------------------------------


def permissions(actor, resource: Resource) -> dict:
    status = resource.status
    can_edit = access.can_edit(actor, resource)
    can_review = access.can_review(actor, resource)
    own = resource.created_by_id == actor.pk
    published = status == ResourceStatus.PUBLISHED
    return {
        "edit": can_edit and status in services.EDITABLE_STATUSES,
        "submit": can_edit and status in services.SUBMITTABLE_STATUSES,
        "review": can_review
        and status == ResourceStatus.SUBMITTED
        and (not own or access.is_system(actor)),
        "share_province_on_approve": can_review
        and access.can_share_province(actor, resource.org_unit),
        "share_province": published
        and resource.sharing == Sharing.SCHOOL
        and access.can_share_province(actor, resource.org_unit),
        "share_school": published and resource.sharing == Sharing.PROVINCE and can_review,
        "retire": can_review and status != ResourceStatus.RETIRED,
        "rate": published and not own,
        "reopens": published and not can_review,
        "see_comments": can_edit,
    }


def _player(resource: Resource, files: dict) -> dict:
    """How the detail page plays the current version: which element and which file."""
    if resource.type == ResourceType.LINK:
        return {"kind": "link"}
    if resource.is_package:
        return {"kind": "package", "file": files.get(FileRole.PACKAGE)}
    main = files.get(FileRole.MAIN)
    if main is None:
        return {"kind": "none"}
    content_type = main.content_type
    if content_type == "application/pdf":
        kind = "pdf"
    elif content_type.startswith("video/"):
        kind = "video"
    elif content_type.startswith("audio/"):
        kind = "audio"
    elif content_type.startswith("image/") and "svg" not in content_type:
        kind = "image"
    else:
        kind = "download"
    return {"kind": kind, "file": main, "poster": files.get(FileRole.POSTER)}


@login_required
@require_GET
def detail(request, pk: int):
    resource = resource_or_404(request, pk)
    version = resource.current_version
    files = {}
    for file in version.files.all() if version else []:
        files.setdefault(file.role, file)
    can = permissions(request.user, resource)
    resource.status_badge = STATUS_BADGES.get(resource.status, "text-bg-secondary")
    ratings = resource.ratings.aggregate(average=Avg("stars"), count=Count("pk"))
    my_rating = Rating.objects.filter(resource=resource, user=request.user).first()
    versions = list(resource.versions.select_related("created_by").prefetch_related("files"))
    versions.reverse()
    context = {
        "resource": resource,
        "version": version,
        "files": files,
        "player": _player(resource, files),
        "thumbnail": files.get(FileRole.THUMBNAIL),
        "content_file": files.get(FileRole.MAIN) or files.get(FileRole.PACKAGE),
        "topics": list(resource.topics.select_related("grade_subject").order_by("code")),
        "versions": versions,
        "comments": list(resource.comments.select_related("author", "version"))
        if can["see_comments"]
        else [],
        "can": can,
        "decisions": ReviewDecision,
        "sharings": Sharing,
        "report_form": ReportForm(),
        "ratings": ratings,
        "my_rating": my_rating,
        "stars": range(1, 6),
        "duplicates": _duplicates(request.user, resource) if can["edit"] else [],
        "open_reports": resource.reports.filter(status=ReportStatus.OPEN).count()
        if can["retire"]
        else 0,
    }
    return render(request, "resources/detail.html", context)


def _edit_guard(request, resource: Resource) -> None:
    if not access.can_edit(request.user, resource):
        raise PermissionDenied
    if resource.status not in services.EDITABLE_STATUSES:
        messages.error(request, _("Học liệu này không còn sửa được."))
        raise _Redirect(resource)


class _Redirect(Exception):
    def __init__(self, resource):
        self.resource = resource


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    require_staff(request)
    resource = resource_or_404(request, pk)
    try:
        _edit_guard(request, resource)
    except _Redirect:
        return redirect("resources:detail", pk=resource.pk)
    if request.method == "POST" and "refresh_topics" not in request.POST:
        form = ResourceForm(request.POST)
        if form.is_valid():
            try:
                services.resource_update(actor=request.user, resource=resource, **form.metadata())
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu thông tin học liệu."))
                return redirect("resources:detail", pk=resource.pk)
    elif request.method == "POST":
        form = ResourceForm(initial=_initial_from(request.POST))
    else:
        form = ResourceForm(
            initial={
                "title": resource.title,
                "description": resource.description,
                "subject": resource.subject_id,
                "grade_from": resource.grade_from,
                "grade_to": resource.grade_to,
                "topics": [t.pk for t in resource.topics.all()],
                "language": resource.language,
                "licence": resource.licence,
                "authors": resource.authors,
            }
        )
    return render(
        request,
        "resources/edit.html",
        {"form": form, "resource": resource, "can": permissions(request.user, resource)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_version(request, pk: int):
    require_staff(request)
    resource = resource_or_404(request, pk)
    try:
        _edit_guard(request, resource)
    except _Redirect:
        return redirect("resources:detail", pk=resource.pk)
    if request.method == "POST":
        form = VersionForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                before = resource.current_version_id
                version = services.version_add(
                    actor=request.user, resource=resource, note=form.cleaned_data["note"],
                    **form.content(),
                )  # fmt: skip
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                if version.pk == before:
                    messages.info(
                        request, _("Nội dung giống phiên bản hiện hành: không có gì thay đổi.")
                    )
                else:
                    messages.success(
                        request,
                        _("Đã thêm phiên bản %(n)s.") % {"n": version.number},
                    )
                    _warn_duplicates(request, resource)
                url = reverse("resources:detail", args=[resource.pk])
                return JsonResponse({"redirect": url}) if _wants_json(request) else redirect(url)
        if _wants_json(request):
            return _form_errors_json(form)
    else:
        form = VersionForm()
    return render(
        request,
        "resources/new_version.html",
        {"form": form, "resource": resource, "can": permissions(request.user, resource)},
    )


# --- files ------------------------------------------------------------------------------------


@login_required
@require_GET
def file(request, file_pk: int):
    """A file of a resource the actor sees (any version). Counts a view (the first byte range
    only, so a video's seeks are not many views) or, with ?download=1, a download."""
    from .serving import blob_response
    from .usage import usage_record

    stored = get_object_or_404(
        ResourceFile.objects.select_related("version__resource").filter(
            version__resource__in=access.resources_visible(request.user)
        ),
        pk=file_pk,
    )
    download = request.GET.get("download") == "1"
    response = blob_response(request, stored, download=download)
    if stored.role in (FileRole.MAIN, FileRole.PACKAGE) and response.status_code in (200, 206):
        first = request.headers.get("Range", "").replace(" ", "") in ("", "bytes=0-")
        if download or first:
            usage_record(
                resource=stored.version.resource,
                user=request.user,
                kind=UsageKind.DOWNLOAD if download else UsageKind.VIEW,
            )
    return response


@login_required
@require_GET
def thumbnail(request, pk: int):
    """The current version's thumbnail (or the video's poster, or the image itself)."""
    from .serving import blob_response

    resource = resource_or_404(request, pk)
    if resource.current_version_id is None:
        raise Http404
    files = {f.role: f for f in resource.current_version.files.all()}
    picked = files.get(FileRole.THUMBNAIL) or files.get(FileRole.POSTER)
    if picked is None and resource.type == ResourceType.IMAGE:
        picked = files.get(FileRole.MAIN)
    if picked is None:
        raise Http404
    return blob_response(request, picked)


# --- one-button actions -----------------------------------------------------------------------


def _act(request, action) -> None:
    """Run a service; its validation message becomes a message on the next page."""
    try:
        action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)


@login_required
@require_POST
def submit(request, pk: int):
    resource = resource_or_404(request, pk)

    def run():
        services.resource_submit(actor=request.user, resource=resource)
        messages.success(request, _("Đã gửi học liệu đi duyệt."))

    _act(request, run)
    return redirect("resources:detail", pk=resource.pk)


@login_required
@require_POST
def review(request, pk: int):
    """Approve (with a sharing), request changes or reject; back to the queue when from it."""
    resource = resource_or_404(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Quyết định không hợp lệ."))
        return redirect("resources:detail", pk=resource.pk)
    decision = form.cleaned_data["decision"]

    def run():
        services.resource_review(
            actor=request.user, resource=resource, decision=decision,
            comment=form.cleaned_data["comment"],
            sharing=form.cleaned_data["sharing"] or Sharing.SCHOOL,
        )  # fmt: skip
        done = {
            ReviewDecision.APPROVE: _("Đã duyệt và xuất bản “%(title)s”."),
            ReviewDecision.REQUEST_CHANGES: _("Đã gửi yêu cầu chỉnh sửa “%(title)s”."),
            ReviewDecision.REJECT: _("Đã từ chối “%(title)s”."),
        }[decision]
        messages.success(request, done % {"title": resource.title})

    _act(request, run)
    if request.POST.get("next") == "queue":
        return redirect("resources:review-queue")
    return redirect("resources:detail", pk=resource.pk)


@login_required
@require_POST
def share(request, pk: int):
    resource = resource_or_404(request, pk)
    sharing = request.POST.get("sharing", "")

    def run():
        services.resource_share(actor=request.user, resource=resource, sharing=sharing)
        messages.success(
            request,
            _("Học liệu được dùng chung toàn tỉnh.")
            if sharing == Sharing.PROVINCE
            else _("Học liệu chỉ dùng trong đơn vị."),
        )

    _act(request, run)
    return redirect("resources:detail", pk=resource.pk)


@login_required
@require_POST
def retire(request, pk: int):
    resource = resource_or_404(request, pk)

    def run():
        services.resource_retire(
            actor=request.user, resource=resource, comment=request.POST.get("comment", "")[:5000]
        )
        messages.success(request, _("Học liệu đã ngừng sử dụng."))

    _act(request, run)
    return redirect("resources:detail", pk=resource.pk)


@login_required
@require_POST
def report(request, pk: int):
    resource = resource_or_404(request, pk)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Hãy chọn lý do báo lỗi."))
        return redirect("resources:detail", pk=resource.pk)

    def run():
        services.report_create(actor=request.user, resource=resource, **form.cleaned_data)
        messages.success(request, _("Cảm ơn bạn. Người duyệt của đơn vị sẽ xem báo lỗi này."))

    _act(request, run)
    return redirect("resources:detail", pk=resource.pk)


@login_required
@require_POST
def rate(request, pk: int):
    resource = resource_or_404(request, pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Hãy chọn từ 1 đến 5 sao."))
        return redirect("resources:detail", pk=resource.pk)

    def run():
        services.rating_set(actor=request.user, resource=resource, **form.cleaned_data)
        messages.success(request, _("Đã lưu đánh giá của bạn."))

    _act(request, run)
    return redirect(reverse("resources:detail", args=[resource.pk]) + "#rating")


# --- queues -----------------------------------------------------------------------------------


def _may_review_anything(actor) -> bool:
    scope = scope_for(actor)
    return scope.everything or bool(scope.write_paths)


@login_required
@require_GET
def review_queue(request):
    """Submitted resources the actor may review (never their own), oldest first."""
    require_staff(request)
    queue = (
        access.resources_reviewable(request.user)
        .filter(status=ResourceStatus.SUBMITTED)
        .exclude(created_by=request.user)
        .select_related("org_unit", "subject", "created_by", "current_version")
        .order_by("updated_at", "pk")
    )
    page_obj = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    for resource in page_obj.object_list:
        resource.can_share_province = access.can_share_province(request.user, resource.org_unit)
    return render(
        request,
        "resources/review_queue.html",
        {
            "page_obj": page_obj,
            "can_review": _may_review_anything(request.user),
            "decisions": ReviewDecision,
            "sharings": Sharing,
            "section": "review",
        },
    )


@login_required
@require_GET
def reports(request):
    """Reports on resources the actor reviews: open ones first, then the newest."""
    require_staff(request)
    status = request.GET.get("status", "")
    rows = Report.objects.filter(
        resource__in=access.resources_reviewable(request.user)
    ).select_related("resource", "version", "reporter", "handled_by")
    if status in ReportStatus.values:
        rows = rows.filter(status=status)
    rows = rows.annotate(
        closed=Case(
            When(status=ReportStatus.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("closed", "-created_at", "-pk")
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page_obj.object_list:
        row.badge = REPORT_BADGES.get(row.status, "text-bg-secondary")
    return render(
        request,
        "resources/reports.html",
        {
            "page_obj": page_obj,
            "status": status,
            "statuses": ReportStatus.choices,
            "can_review": _may_review_anything(request.user),
            "section": "reports",
        },
    )


@login_required
@require_POST
def report_handle(request, report_pk: int):
    require_staff(request)
    row = get_object_or_404(
        Report.objects.filter(resource__in=access.resources_reviewable(request.user)),
        pk=report_pk,
    )
    form = ReportHandleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Kết quả xử lý không hợp lệ."))
    else:

        def run():
            services.report_handle(actor=request.user, report=row, **form.cleaned_data)
            messages.success(request, _("Đã xử lý báo lỗi."))

        _act(request, run)
    query = request.POST.get("status_filter", "")
    url = reverse("resources:reports")
    return redirect(f"{url}?status={query}" if query in ReportStatus.values else url)


urlpatterns = [
    path("library/new/", upload, name="upload"),
    path("library/topics/", topic_options, name="topic-options"),
    path("library/review/", review_queue, name="review-queue"),
    path("library/reports/", reports, name="reports"),
    path("library/reports/<int:report_pk>/handle/", report_handle, name="report-handle"),
    path("library/file/<int:file_pk>/", file, name="file"),
    path("library/<int:pk>/", detail, name="detail"),
    path("library/<int:pk>/edit/", edit, name="edit"),
    path("library/<int:pk>/versions/new/", new_version, name="new-version"),
    path("library/<int:pk>/thumbnail/", thumbnail, name="thumbnail"),
    path("library/<int:pk>/submit/", submit, name="submit"),
    path("library/<int:pk>/review/", review, name="review"),
    path("library/<int:pk>/share/", share, name="share"),
    path("library/<int:pk>/retire/", retire, name="retire"),
    path("library/<int:pk>/report/", report, name="report"),
    path("library/<int:pk>/rate/", rate, name="rate"),
]
