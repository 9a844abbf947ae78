"""A bank's import and export page: upload a GIFT, Moodle XML, QTI or xlsx file, see what it
would do (a dry run: created / updated / unchanged / rejected and every problem with where it
is), then confirm; download the bank in each format; download the empty xlsx template.

The uploaded file waits between the dry run and the confirmation in a staging directory under
HOCSO_VAR_DIR, named by a random token kept in the user's session with the file's SHA-256, so
the confirmation imports exactly the bytes that were checked and nobody else can confirm it.
"""

import hashlib
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hocso.questions.management.commands.questions import (
    FORMATS,
    FormatUnavailable,
    format_module,
    problem_text,
)

from . import selectors, services
from .forms import IMPORT_FORMATS, ImportForm
from .views import require_staff

# (file extension, content type) of each format's download.
DOWNLOADS = {
    "gift": (".gift.txt", "text/plain; charset=utf-8"),
    "moodle-xml": (".xml", "application/xml"),
    "qti": (".qti.zip", "application/zip"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
SESSION_KEY = "questions_import"
STAGED_FOR_SECONDS = 24 * 3600


def _staging_dir() -> Path:
    path = Path(settings.VAR_DIR) / "question-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _bank_or_404(request, code: str):
    try:
        return selectors.bank_get(actor=request.user, code=code)
    except ObjectDoesNotExist:
        raise Http404 from None


def _problems(summary) -> list[dict]:
    return [
        {"where": p.where or _("tệp"), "kind": p.kind, "message": problem_text(p)}
        for p in summary.problems
    ]


def _read(fmt: str, data: bytes):
    """What the format module reads from `data`, or the message saying it cannot."""
    try:
        module = format_module(fmt)
    except FormatUnavailable as exc:
        return None, str(exc)
    try:
        return module.read(data), ""
    except Exception as exc:  # read() reports bad content as problems; this is not the format
        return None, _("Không đọc được tệp theo định dạng %(format)s: %(error)s") % {
            "format": dict(IMPORT_FORMATS)[fmt],
            "error": exc,
        }


def _sweep(directory: Path) -> None:
    """Forget files checked but never confirmed (the user went away) after a day."""
    cutoff = time.time() - STAGED_FOR_SECONDS
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _stage(request, bank, fmt: str, name: str, data: bytes) -> str:
    token = secrets.token_urlsafe(24)
    _sweep(_staging_dir())
    (_staging_dir() / token).write_bytes(data)
    previous = request.session.get(SESSION_KEY)
    if previous:
        (_staging_dir() / previous["token"]).unlink(missing_ok=True)
    request.session[SESSION_KEY] = {
        "token": token, "bank": bank.code, "format": fmt, "name": name,
        "sha256": hashlib.sha256(data).hexdigest(),
    }  # fmt: skip
    return token


def _staged(request, bank, token: str) -> tuple[dict | None, bytes | None]:
    staged = request.session.get(SESSION_KEY)
    if not staged or staged["token"] != token or staged["bank"] != bank.code:
        return None, None
    path = _staging_dir() / staged["token"]
    if not path.is_file():
        return None, None
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != staged["sha256"]:
        return None, None
    return staged, data


def _drop_staged(request) -> None:
    staged = request.session.pop(SESSION_KEY, None)
    if staged:
        (_staging_dir() / staged["token"]).unlink(missing_ok=True)


@login_required
@require_http_methods(["GET", "POST"])
def bank_exchange(request, code: str):
    require_staff(request)
    bank = _bank_or_404(request, code)
    can_import = services.can_author_in(request.user, bank)
    form = ImportForm(request.POST or None, request.FILES or None, initial={"format": "gift"})
    context = {
        "bank": bank,
        "form": form,
        "can_import": can_import,
        "formats": [(key, label) for key, label in IMPORT_FORMATS],
        "section": "exchange",
    }
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied
        if request.POST.get("step") == "confirm":
            return _confirm(request, bank, context)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.HOCSO_MAX_UPLOAD_BYTES:
                form.add_error(
                    "file",
                    _("Tệp quá lớn (tối đa %(mb)s MB).")
                    % {"mb": settings.HOCSO_MAX_UPLOAD_BYTES // (1024 * 1024)},
                )
            else:
                fmt, data = form.cleaned_data["format"], upload.read()
                result, error = _read(fmt, data)
                if result is None:
                    form.add_error("file", error)
                else:
                    summary = services.items_import(
                        actor=request.user, bank_code=bank.code, result=result, dry_run=True
                    )
                    context.update(summary=summary, problems=_problems(summary), dry_run=True)
                    if not summary.rejected:
                        context["token"] = _stage(request, bank, fmt, upload.name, data)
    return render(request, "questions/exchange.html", context)


def _confirm(request, bank, context):
    staged, data = _staged(request, bank, request.POST.get("token", ""))
    if staged is None:
        context["stale"] = True
        return render(request, "questions/exchange.html", context)
    result, error = _read(staged["format"], data)
    if result is None:  # the same bytes read a moment ago; only a changed module gets here
        context["stale"] = True
        return render(request, "questions/exchange.html", context)
    summary = services.items_import(
        actor=request.user, bank_code=bank.code, result=result, dry_run=False
    )
    _drop_staged(request)
    context.update(summary=summary, problems=_problems(summary), dry_run=False)
    return render(request, "questions/exchange.html", context)


@login_required
@require_GET
def bank_export(request, code: str, fmt: str):
    """The bank in one format. Items the format cannot hold are listed first (with why) and
    the file is downloaded without them only once the user says so."""
    require_staff(request)
    if fmt not in FORMATS:
        raise Http404
    bank = _bank_or_404(request, code)
    module = format_module(fmt)
    items = services.items_export(actor=request.user, bank_code=bank.code)
    unsupported = getattr(module, "unsupported_for_write", lambda item: None)
    skipped = [(item, reason) for item in items if (reason := unsupported(item))]
    if skipped and request.GET.get("confirm") != "1":
        return render(
            request,
            "questions/export_skipped.html",
            {
                "bank": bank,
                "format": dict(IMPORT_FORMATS)[fmt],
                "fmt": fmt,
                "skipped": [(item, _(reason)) for item, reason in skipped],
                "kept": len(items) - len(skipped),
                "section": "exchange",
            },
        )
    written = module.write([item for item in items if not unsupported(item)])
    extension, content_type = DOWNLOADS[fmt]
    body = written.encode("utf-8") if isinstance(written, str) else written
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{bank.code}{extension}"'
    return response


@login_required
@require_GET
def xlsx_template(request):
    require_staff(request)
    from .formats import xlsx

    response = HttpResponse(xlsx.template(), content_type=DOWNLOADS["xlsx"][1])
    response["Content-Disposition"] = 'attachment; filename="mau-cau-hoi.xlsx"'
    return response
