"""Question-bank pages: the bank browser, an item's page with its history and the review and
sharing actions, the review queue, and an item's images.

Thin: reads go through the scoped selectors (an item the actor may not see is a 404), writes
through hocso.questions.services, which check permission again. Pages are for staff members;
learners, guardians and users without a role get a 403. The editor is in views_editor.py, the
import and export pages in views_exchange.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hocso.accounts.scope import scope_for

from . import selectors, services
from .content import data_from_content
from .forms import SORTS, ReviewForm, SearchForm, topics_for
from .models import ItemStatus, MediaFile, ReviewDecision, SharingScope

PAGE_SIZE = 20
FACET_LABELS = {
    "subject": gettext_lazy("Môn học"),
    "grade": gettext_lazy("Khối"),
    "topic": gettext_lazy("Chủ đề"),
    "level": gettext_lazy("Mức độ"),
    "type": gettext_lazy("Dạng câu hỏi"),
    "status": gettext_lazy("Trạng thái"),
}
SORT_LABELS = {
    "new": gettext_lazy("Mới thêm trước"),
    "old": gettext_lazy("Cũ trước"),
    "updated": gettext_lazy("Mới sửa trước"),
}
STATUS_BADGES = {
    ItemStatus.DRAFT: "text-bg-secondary",
    ItemStatus.SUBMITTED: "text-bg-warning",
    ItemStatus.REVIEWED: "text-bg-info",
    ItemStatus.APPROVED: "text-bg-success",
    ItemStatus.RETIRED: "text-bg-dark",
}
# What each part of a version's content is called when the history says what changed.
CHANGE_LABELS = {
    "stem": gettext_lazy("đề bài"),
    "points": gettext_lazy("điểm"),
    "choices": gettext_lazy("phương án"),
    "statements": gettext_lazy("các ý"),
    "text_answers": gettext_lazy("đáp án"),
    "case_sensitive": gettext_lazy("phân biệt hoa thường"),
    "numeric_answers": gettext_lazy("đáp số"),
    "pairs": gettext_lazy("cặp ghép"),
    "order": gettext_lazy("thứ tự"),
    "correct": gettext_lazy("đáp án đúng/sai"),
    "feedback_true": gettext_lazy("phản hồi"),
    "feedback_false": gettext_lazy("phản hồi"),
    "general_feedback": gettext_lazy("lời giải"),
    "rubric": gettext_lazy("hướng dẫn chấm"),
    "files": gettext_lazy("ảnh"),
}


def require_staff(request) -> None:
    """The bank is staff work: a learner, a guardian or a user without a role gets a 403."""
    if not scope_for(request.user).is_staff_member:
        raise PermissionDenied


def get_item_or_404(request, pk: int):
    try:
        return selectors.item_get(actor=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def decorate(items) -> list:
    """Items of a page with their status badge's colour, for the cards."""
    items = list(items)
    for item in items:
        item.status_badge = STATUS_BADGES.get(item.status, "text-bg-secondary")
    return items


# --- browse -----------------------------------------------------------------------------------


def _facet_url(request, name: str, value, active: str) -> str:
    """The browser's query with facet `name` set to `value`, or removed when it is the active
    one (a second click clears the filter); back to page 1."""
    query = request.GET.copy()
    query.pop("page", None)
    if str(value) == active:
        query.pop(name, None)
    else:
        query[name] = str(value)
    return f"?{query.urlencode()}" if query else "?"


@login_required
@require_GET
def browse(request):
    """Search and facets: every facet value links to the same query with that filter added
    (or removed), with the count of items it would show."""
    require_staff(request)
    form = SearchForm(request.GET)
    filters = form.filters()
    sort = form.cleaned_data.get("sort") if form.is_valid() else ""
    sort = sort or "new"
    items = selectors.items_search(actor=request.user, **filters)
    facets = selectors.item_facets(items)
    page_obj = Paginator(items.order_by(*SORTS[sort]), PAGE_SIZE).get_page(request.GET.get("page"))
    page_obj.object_list = decorate(page_obj.object_list)
    active = {key: request.GET.get(key, "") for key in ("bank", *selectors.FACETS)}
    facet_groups = [
        {
            "name": name,
            "label": FACET_LABELS[name],
            "active": active.get(name, ""),
            "values": [
                {
                    **value,
                    "label": _("Khối %(grade)s") % {"grade": value["value"]}
                    if name == "grade"
                    else value["label"],
                    "selected": str(value["value"]) == active[name],
                    "url": _facet_url(request, name, value["value"], active[name]),
                }
                for value in facets[name]
            ],
        }
        for name in selectors.FACETS
    ]
    context = {
        "q": filters["q"],
        "page_obj": page_obj,
        "facet_groups": facet_groups,
        "filtered": any(active.values()) or bool(filters["q"]),
        "sort": sort,
        "sorts": list(SORT_LABELS.items()),
        "section": "browse",
        "banks": selectors.banks_with_counts(actor=request.user),
        "bank_code": active["bank"],
    }
    return render(request, "questions/browse.html", context)


# --- one item ---------------------------------------------------------------------------------


def _changes(versions: list) -> None:
    """Set `changes` on each version (newest first): the parts that differ from the one
    before it."""
    for newer, older in zip(versions, versions[1:], strict=False):
        keys = []
        if newer.stem != older.stem:
            keys.append("stem")
        if newer.points != older.points:
            keys.append("points")
        keys += [
            key
            for key in sorted(set(newer.content) | set(older.content))
            if newer.content.get(key) != older.content.get(key)
        ]
        labels = []
        for key in keys:
            label = str(CHANGE_LABELS.get(key, key))
            if label not in labels:
                labels.append(label)
        newer.changes = labels
    if versions:
        versions[-1].changes = None  # the first version: created, nothing to compare with


def item_permissions(actor, item) -> dict:
    status = item.status
    can_edit = services.can_edit(actor, item)
    can_review = services.can_review(actor, item)
    own = item.author_id == actor.pk
    return {
        "show_answers": can_edit,
        "edit": can_edit and status in services.EDITABLE_STATUSES,
        "submit": can_edit and status in (ItemStatus.DRAFT, ItemStatus.REVIEWED),
        "review": can_review and not own and status == ItemStatus.SUBMITTED,
        "share_province": status == ItemStatus.APPROVED
        and item.sharing == SharingScope.SCHOOL
        and services.can_share_province(actor, item.org_unit),
        "share_school": status == ItemStatus.APPROVED
        and item.sharing == SharingScope.PROVINCE
        and can_review,
        "share_province_on_approve": services.can_share_province(actor, item.org_unit),
        "retire": status != ItemStatus.RETIRED
        and (can_review or (own and status != ItemStatus.APPROVED and can_edit)),
    }


@login_required
@require_GET
def item_detail(request, pk: int):
    require_staff(request)
    item = get_item_or_404(request, pk)
    version = item.current_version
    versions = list(selectors.item_versions(item=item))
    _changes(versions)
    item.status_badge = STATUS_BADGES.get(item.status, "text-bg-secondary")
    data = data_from_content(
        type=item.type, stem=version.stem, points=version.points, content=version.content
    )
    return render(
        request,
        "questions/item_detail.html",
        {
            "item": item,
            "version": version,
            "data": data,
            "versions": versions,
            "comments": list(selectors.item_comments(item=item)),
            "can": item_permissions(request.user, item),
            "decisions": ReviewDecision,
            "section": "browse",
        },
    )


@login_required
@require_GET
def item_version(request, pk: int, number: int):
    """An earlier version, as it was (exams keep the version they used)."""
    require_staff(request)
    item = get_item_or_404(request, pk)
    version = selectors.item_versions(item=item).filter(number=number).first()
    if version is None:
        raise Http404
    data = data_from_content(
        type=item.type, stem=version.stem, points=version.points, content=version.content
    )
    return render(
        request,
        "questions/item_version.html",
        {
            "item": item,
            "version": version,
            "data": data,
            "can": {"show_answers": services.can_edit(request.user, item)},
            "section": "browse",
        },
    )


def _act(request, item, action) -> None:
    """Run a service; its refusal or validation message becomes a message on the item page."""
    try:
        action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)


@login_required
@require_POST
def item_submit(request, pk: int):
    require_staff(request)
    item = get_item_or_404(request, pk)

    def run():
        services.item_submit(actor=request.user, item=item)
        messages.success(request, _("Đã gửi câu hỏi đi duyệt."))

    _act(request, item, run)
    return redirect("questions:item", pk=item.pk)


@login_required
@require_POST
def item_review(request, pk: int):
    """Approve, request changes or reject. From the review queue, go back to the queue."""
    require_staff(request)
    item = get_item_or_404(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Quyết định không hợp lệ."))
        return redirect("questions:item", pk=item.pk)
    decision = form.cleaned_data["decision"]

    def run():
        services.item_review(
            actor=request.user, item=item, decision=decision,
            comment=form.cleaned_data["comment"],
            share_province=form.cleaned_data["share_province"],
        )  # fmt: skip
        done = {
            ReviewDecision.APPROVE: _("Đã duyệt câu hỏi #%(id)s."),
            ReviewDecision.REQUEST_CHANGES: _("Đã gửi yêu cầu chỉnh sửa câu hỏi #%(id)s."),
            ReviewDecision.REJECT: _("Đã từ chối câu hỏi #%(id)s."),
        }[decision]
        messages.success(request, done % {"id": item.pk})

    _act(request, item, run)
    if request.POST.get("next") == "queue":
        return redirect("questions:review_queue")
    return redirect("questions:item", pk=item.pk)


@login_required
@require_POST
def item_share(request, pk: int):
    require_staff(request)
    item = get_item_or_404(request, pk)
    sharing = request.POST.get("sharing", "")

    def run():
        services.item_share(actor=request.user, item=item, sharing=sharing)
        messages.success(
            request,
            _("Câu hỏi được dùng chung toàn tỉnh.")
            if sharing == SharingScope.PROVINCE
            else _("Câu hỏi chỉ dùng trong đơn vị."),
        )

    _act(request, item, run)
    return redirect("questions:item", pk=item.pk)


@login_required
@require_POST
def item_retire(request, pk: int):
    require_staff(request)
    item = get_item_or_404(request, pk)

    def run():
        services.item_retire(
            actor=request.user, item=item, comment=request.POST.get("comment", "")[:5000]
        )
        messages.success(request, _("Câu hỏi đã ngừng sử dụng."))

    _act(request, item, run)
    return redirect("questions:item", pk=item.pk)


@login_required
@require_GET
def item_image(request, pk: int, number: int, name: str):
    """An image of a version of an item the actor may see (never by its storage path, which
    would bypass the item's scope)."""
    require_staff(request)
    item = get_item_or_404(request, pk)
    version = selectors.item_versions(item=item).filter(number=number).first()
    digest = (version.content.get("files", {}) if version else {}).get(name)
    return image_response(digest)


def image_response(digest: str | None) -> FileResponse:
    """The stored image with that SHA-256, privately cached; 404 when there is none. The caller
    has checked that the actor may see the question it belongs to."""
    media = MediaFile.objects.filter(sha256=digest).first() if digest else None
    if media is None:
        raise Http404
    response = FileResponse(media.file.open("rb"), content_type=media.content_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- review queue -----------------------------------------------------------------------------


@login_required
@require_GET
def review_queue(request):
    """Items waiting for the actor's review, oldest first."""
    require_staff(request)
    queue = selectors.review_queue(actor=request.user)
    page_obj = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    page_obj.object_list = decorate(page_obj.object_list)
    can_review = scope_for(request.user).everything or bool(scope_for(request.user).write_paths)
    return render(
        request,
        "questions/review_queue.html",
        {
            "page_obj": page_obj,
            "can_review": can_review,
            "decisions": ReviewDecision,
            "section": "review",
        },
    )


@login_required
@require_GET
def topic_options(request):
    """The <option>s of the topic select for a subject and grade (the editor asks with htmx)."""
    require_staff(request)
    topics = topics_for(request.GET.get("subject") or None, request.GET.get("grade"))
    return render(
        request,
        "questions/_topic_options.html",
        {"topics": topics, "selected": request.GET.get("topic", "")},
    )
