"""The item editor: create an item in a bank, or edit one (which writes a new version when the
content changes — services.item_update).

What the user typed is shown again with every error: the fixed fields through the form, the
option rows from the POSTed lists. Content problems are checked with the same rules the
services apply (validation.item_problems) so each lands next to what it is about; the services
check again and their errors go on the form too.
"""

import json
import re
from decimal import Decimal
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.views.decorators.http import require_http_methods

from hocso.accounts.scope import scope_for
from hocso.core.forms import apply_service_errors

from . import richtext, selectors, services
from .forms import ItemForm, option_rows, options_data, rows_from_data
from .interchange import ItemData, ItemType
from .models import ItemStatus
from .validation import item_problems
from .views import get_item_or_404, require_staff

# Content problems that belong to a fixed field; the others concern the option rows.
FIELD_OF_MESSAGE = {
    N_("Câu hỏi chưa có đề bài"): "stem",
    N_("Điểm của câu hỏi phải từ 0 đến 100, không phải %(value)s"): "points",
    N_("Câu Đúng/Sai chưa cho biết mệnh đề đúng hay sai"): "correct",
}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _authoring_banks(actor):
    """Banks the actor may write items in (services.can_author_in, as a query)."""
    return (
        selectors.banks_visible(actor=actor)
        .filter(scope_for(actor).q("org_unit__path"))
        .select_related("org_unit")
        .order_by("name")
    )


def _image_name(upload, taken: dict) -> str:
    stem = _SAFE_NAME.sub("-", PurePath(upload.name).stem).strip("-._")[:60] or "anh"
    suffix = _SAFE_NAME.sub("", PurePath(upload.name).suffix.lower())[:6]
    name, counter = f"{stem}{suffix}", 2
    while name in taken:
        name, counter = f"{stem}-{counter}{suffix}", counter + 1
    return name


def _texts(data: ItemData) -> list[str]:
    return [
        data.stem, data.general_feedback, data.rubric, data.feedback_true, data.feedback_false,
        *(c.text for c in data.choices), *(c.feedback for c in data.choices),
        *(s.text for s in data.statements), *(p.left for p in data.pairs),
        *(p.right for p in data.pairs), *data.order,
    ]  # fmt: skip


def _build(form: ItemForm, rows: dict, item_type: str, previous: ItemData | None):
    """The ItemData the form and rows describe, and the option-row messages."""
    cleaned = form.cleaned_data
    fields, row_errors = options_data(item_type, rows, form.data)
    points = cleaned.get("points")
    data = ItemData(
        type=ItemType(item_type),
        stem=richtext.from_editor(cleaned.get("stem", "")),
        name=cleaned.get("name", ""),
        # A missing or invalid value is the form's error already; 1 keeps the check going.
        points=points if points is not None else Decimal(1),
        general_feedback=richtext.from_editor(cleaned.get("general_feedback", "")),
        **fields,
    )
    if previous is not None:
        data.identifier, data.category = previous.identifier, previous.category
        # Images stay while some text still shows them.
        used = {name for text in _texts(data) for name in richtext.image_names(text)}
        data.files = {name: blob for name, blob in previous.files.items() if name in used}
    upload = cleaned.get("files")
    if upload is not None:
        name = _image_name(upload, data.files)
        data.files[name] = upload.read()
        data.stem += f'<p><img src="{name}" alt=""></p>'
    return data, row_errors


def _precheck(form: ItemForm, data: ItemData, row_errors: list[str]) -> list[str]:
    """Put content problems on their fields; return those about the option rows."""
    option_errors = list(row_errors)
    for text, params in item_problems(data):
        message = services.message_text((text, params))
        field = FIELD_OF_MESSAGE.get(text)
        if field is not None:
            form.add_error(field, message)
        else:
            option_errors.append(message)
    return option_errors


def _tags(form: ItemForm, item=None) -> services.Tags:
    cleaned = form.cleaned_data
    return services.Tags(
        subject=cleaned["subject"],
        grade=cleaned["grade"],
        topic=cleaned["topic"],
        level=cleaned["level"],
        source=cleaned["source"].strip(),
        other=dict(item.other_tags) if item is not None else {},
    )


def _editor_page(request, *, form, rows, option_errors, item=None, images=None):
    item_type = form["type"].value() or ItemType.SINGLE_CHOICE.value
    return render(
        request,
        "questions/item_form.html",
        {
            "form": form,
            "item": item,
            "rows": rows,
            "item_type": str(item_type),
            "option_errors": option_errors,
            "images": images or {},
            "images_json": json.dumps(images or {}),
            "section": "new" if item is None else "browse",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request):
    require_staff(request)
    banks = _authoring_banks(request.user)
    initial = {"points": 1, "type": request.GET.get("type") or ItemType.SINGLE_CHOICE.value}
    chosen = banks.filter(code=request.GET.get("bank", "")).first()
    if chosen is not None:
        initial.update(bank=chosen, subject=chosen.subject)
    form = ItemForm(request.POST or None, request.FILES or None, banks=banks, initial=initial)
    rows = option_rows(request.POST) if request.method == "POST" else rows_from_data(None)
    option_errors: list[str] = []
    # Content is checked even when a fixed field is wrong, so every error shows at once.
    if request.method == "POST" and (form.is_valid() or "type" in form.cleaned_data):
        item_type = form.cleaned_data["type"]
        data, row_errors = _build(form, rows, item_type, None)
        option_errors = _precheck(form, data, row_errors)
        if not option_errors and not form.errors:
            try:
                item = services.item_create(
                    actor=request.user, bank=form.cleaned_data["bank"], data=data,
                    tags=_tags(form),
                )  # fmt: skip
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                if request.POST.get("then") == "submit":
                    services.item_submit(actor=request.user, item=item)
                    messages.success(request, _("Đã lưu và gửi câu hỏi đi duyệt."))
                else:
                    messages.success(request, _("Đã lưu câu hỏi (bản nháp)."))
                return redirect("questions:item", pk=item.pk)
    return _editor_page(request, form=form, rows=rows, option_errors=option_errors)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int):
    require_staff(request)
    item = get_item_or_404(request, pk)
    if not services.can_edit(request.user, item):
        raise PermissionDenied
    if item.status not in services.EDITABLE_STATUSES:
        messages.error(request, _("Câu hỏi đã ngừng sử dụng, không sửa được."))
        return redirect("questions:item", pk=item.pk)
    previous = services.item_data(item)
    initial = {
        "type": item.type,
        "name": item.name,
        "stem": richtext.to_editor(previous.stem),
        "points": previous.points,
        "subject": item.subject,
        "grade": item.grade,
        "topic": item.topic,
        "level": item.level,
        "source": item.source,
        "correct": {True: "true", False: "false"}.get(previous.correct, ""),
        "feedback_true": richtext.to_editor(previous.feedback_true),
        "feedback_false": richtext.to_editor(previous.feedback_false),
        "case_sensitive": previous.case_sensitive,
        "rubric": richtext.to_editor(previous.rubric),
        "general_feedback": richtext.to_editor(previous.general_feedback),
    }
    form = ItemForm(request.POST or None, request.FILES or None, item=item, initial=initial)
    rows = option_rows(request.POST) if request.method == "POST" else rows_from_data(previous)
    option_errors: list[str] = []
    if request.method == "POST":
        form.is_valid()
        data, row_errors = _build(form, rows, item.type, previous)
        option_errors = _precheck(form, data, row_errors)
        if not option_errors and not form.errors:
            try:
                item = services.item_update(
                    actor=request.user, item=item, data=data, tags=_tags(form, item)
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                if request.POST.get("then") == "submit" and item.status in (
                    ItemStatus.DRAFT, ItemStatus.REVIEWED,
                ):  # fmt: skip
                    services.item_submit(actor=request.user, item=item)
                    messages.success(request, _("Đã lưu và gửi câu hỏi đi duyệt."))
                else:
                    messages.success(request, _("Đã lưu câu hỏi."))
                return redirect("questions:item", pk=item.pk)
    version = item.current_version
    images = {
        name: reverse("questions:image", args=[item.pk, version.number, name])
        for name in version.content.get("files", {})
    }
    return _editor_page(
        request, form=form, rows=rows, option_errors=option_errors, item=item, images=images
    )
