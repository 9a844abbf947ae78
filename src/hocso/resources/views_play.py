"""The player of SCORM packages and HTML5 simulations, and the files they are made of.

Why this shape: a package is untrusted HTML and JavaScript. It runs in
`<iframe sandbox="allow-scripts allow-forms allow-popups">` without allow-same-origin, so it
gets an opaque origin: no cookies, no access to this page, our API or the learner's session.
Its files are served under /library/pkg/<token>/<path>, where the token signs (version, user)
with a time limit: relative links inside the package keep working, and the URL is worth
nothing to anyone else, or later. Every response there carries a CSP with `sandbox` too (a
package page opened on its own is still opaque), lets the package's own scripts, styles and
media run and gives it no network (connect-src 'none', form-action 'none').

SCORM pages get the runtime (static/resources/scorm-runtime.js) injected at the top of <head>
with the element table and the learner's state; the values the SCO sets reach
`scorm_commit` through the player page (static/resources/scorm-bridge.js), and
resources/tracking.py checks them again with the pure model before storing them.
"""

import json
import mimetypes
import posixpath
import re

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseForbidden,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST

from . import scorm, tracking
from .access import resources_visible
from .models import PACKAGE_TYPES, ResourceType, ResourceVersion
from .serving import open_range, parse_range

TOKEN_SALT = "hocso.resources.package"  # noqa: S105 - a namespace, not a secret
TOKEN_MAX_AGE = 12 * 3600  # a long lesson, not a bookmark
MAX_INJECT_BYTES = 20 * 1024 * 1024
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# What the extension says, where the platform's mimetypes table may not know or may differ.
CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".txt": "text/plain",
}

STATUS_LABELS = {
    "not attempted": gettext_lazy("Chưa học"),
    "incomplete": gettext_lazy("Đang học"),
    "browsed": gettext_lazy("Đã xem qua"),
    "completed": gettext_lazy("Đã hoàn thành"),
    "passed": gettext_lazy("Đạt"),
    "failed": gettext_lazy("Chưa đạt"),
}


def package_token(*, version: ResourceVersion, user) -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT).sign_object({"v": version.pk, "u": user.pk})


def token_payload(token: str) -> dict | None:
    """The signed {"v": version id, "u": user id}, or None when forged or expired."""
    try:
        payload = signing.TimestampSigner(salt=TOKEN_SALT).unsign_object(
            token, max_age=TOKEN_MAX_AGE
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(payload, dict) or not all(isinstance(payload.get(k), int) for k in "vu"):
        return None
    return payload


def safe_member(raw: str) -> str | None:
    """A package member path from the URL, or None when it could leave the package root."""
    if not raw or "\\" in raw or "\x00" in raw or raw.startswith("/"):
        return None
    parts = raw.split("/")
    if any(part in ("", ".", "..") for part in parts) or ":" in parts[0]:
        return None
    normal = posixpath.normpath(raw)
    return normal if normal == raw else None


def _content_type(name: str) -> str:
    ext = posixpath.splitext(name)[1].lower()
    return CONTENT_TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _package_base(token: str) -> str:
    """/library/pkg/<token>/ (the root every member URL is relative to)."""
    return reverse("resources:package-file", args=[token, "x"])[:-1]


def _launch_url(token: str, launch_path: str) -> str:
    """The frame's src. launch_path is already a URL reference (percent-encoded, with the SCO's
    parameters, as packages.py stores it), so it is appended, not reversed again."""
    return _package_base(token) + launch_path


def _origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def package_csp(request, token: str) -> str:
    base = request.build_absolute_uri(_package_base(token))
    runtime = request.build_absolute_uri(static("resources/scorm-runtime.js"))
    own = f"{base} data: blob:"
    return "; ".join(
        [
            "sandbox allow-scripts allow-forms allow-popups",
            f"default-src {base}",
            f"script-src {base} {runtime} 'unsafe-inline' 'unsafe-eval'",
            f"style-src {own} 'unsafe-inline'",
            f"img-src {own}",
            f"media-src {own}",
            f"font-src {own}",
            f"frame-src {base}",
            "connect-src 'none'",
            "object-src 'none'",
            "form-action 'none'",
            f"base-uri {base}",
            # No frame-ancestors (and no X-Frame-Options): a frameset SCO's inner pages are
            # framed by the package's own pages, whose origin is opaque, which neither 'self'
            # nor SAMEORIGIN matches. The signed, per-learner, expiring token is what keeps
            # other sites from showing these files.
        ]
    )


def _script_json(data) -> str:
    """JSON safe inside <script> (no </script>, no <!--)."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def inject_runtime(html: bytes, *, config: dict, runtime_url: str) -> bytes:
    """The runtime and its config as the first thing in <head> (so window.API exists before
    any of the SCO's scripts run); after <html> or the doctype when there is no <head>."""
    snippet = (
        f"<script>window.HOCSO_SCORM={_script_json(config)};</script>"
        f'<script src="{runtime_url}"></script>'
    ).encode("ascii")
    for pattern in (rb"<head\b[^>]*>", rb"<html\b[^>]*>", rb"<!doctype[^>]*>"):
        match = re.search(pattern, html[:65536], re.IGNORECASE)
        if match:
            return html[: match.end()] + snippet + html[match.end() :]
    return snippet + html


@login_required
@require_GET
@never_cache
def play(request, pk: int):
    resource = get_object_or_404(
        resources_visible(request.user).select_related("current_version"),
        pk=pk,
        type__in=PACKAGE_TYPES,
    )
    version = resource.current_version
    if version is None or not version.package_root or not version.launch_path:
        raise Http404
    token = package_token(version=version, user=request.user)
    track = None
    if resource.type == ResourceType.SCORM:
        track = tracking.session_begin(track=tracking.track_for(user=request.user, version=version))
    try:
        exit_url = reverse("resources:detail", args=[resource.pk])
    except NoReverseMatch:  # the detail page lands with another module
        exit_url = "/library/"
    labels = {**STATUS_LABELS}
    labels.update(
        score=_("Điểm: %(score)s"),
        error=_("Không lưu được tiến độ. Hãy tải lại trang."),
        offline=_("Mất kết nối: tiến độ sẽ được lưu khi có mạng."),
    )
    context = {
        "resource": resource,
        "version": version,
        "is_scorm": track is not None,
        "track": track,
        "status_label": STATUS_LABELS.get(track.lesson_status, track.lesson_status)
        if track
        else "",
        "score": tracking.score_text(track.score_raw) if track else "",
        "completed": bool(track and track.completed_at),
        "launch_url": _launch_url(token, version.launch_path),
        "token": token,
        "exit_url": exit_url,
        "labels": labels,
    }
    return render(request, "resources/play.html", context)


@xframe_options_exempt
@require_GET
def package_file(request, token: str, path: str):
    payload = token_payload(token)
    if payload is None:
        return HttpResponseForbidden(_("Liên kết đã hết hạn. Hãy mở lại học liệu."))
    user = get_user_model().objects.filter(pk=payload["u"], is_active=True).first()
    if user is None:
        return HttpResponseForbidden(_("Liên kết không còn hiệu lực."))
    version = ResourceVersion.objects.select_related("resource").filter(pk=payload["v"]).first()
    if version is None or not version.package_root:
        raise Http404
    if not resources_visible(user).filter(pk=version.resource_id).exists():
        raise Http404
    member = safe_member(path)
    if member is None:
        raise Http404
    name = version.package_root + member
    if not default_storage.exists(name):
        raise Http404
    content_type = _content_type(member)
    if content_type in HTML_TYPES and version.resource.type == ResourceType.SCORM:
        with default_storage.open(name, "rb") as handle:
            html = handle.read(MAX_INJECT_BYTES + 1)
        if len(html) > MAX_INJECT_BYTES:
            raise Http404
        track = tracking.track_for(user=user, version=version)
        config = {
            "table": scorm.ELEMENT_TABLE,
            "state": tracking.track_state(track),
            "parentOrigin": _origin(request),
        }
        runtime_url = request.build_absolute_uri(static("resources/scorm-runtime.js"))
        response = HttpResponse(
            inject_runtime(html, config=config, runtime_url=runtime_url),
            content_type=content_type,
        )
        response["Cache-Control"] = "private, no-store"
    else:
        response = _member_response(request, name, content_type)
    response["Content-Security-Policy"] = package_csp(request, token)
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    # The package's own pages run in an opaque origin (the sandbox has no allow-same-origin),
    # so its scripts, styles and images are cross-origin loads to the browser: "same-origin"
    # would block them. The signed token in the path is what guards these files.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _member_response(request, name: str, content_type: str) -> HttpResponse:
    """A package member as stored, honouring a single Range (videos inside a package seek)."""
    size = default_storage.size(name)
    wanted = parse_range(request.headers.get("Range"), size)
    if wanted is False:
        response = HttpResponse(status=416, content_type="text/plain")
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, length, status = (
        (0, size, 200) if wanted is None else (wanted[0], wanted[1] - wanted[0] + 1, 206)
    )
    response = StreamingHttpResponse(
        open_range(name, start, length), status=status, content_type=content_type
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{start + length - 1}/{size}"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"ok": False, "message": message, **extra}, status=status)


@require_POST
def scorm_commit(request, pk: int):
    """{"token", "values": {element: value}, "finish": bool} as JSON (fetch), or form-encoded
    with the same JSON in `payload` and the CSRF token in the body (navigator.sendBeacon)."""
    if not request.user.is_authenticated:
        return _error(403, _("Bạn cần đăng nhập để lưu tiến độ."))
    try:
        if request.content_type == "application/json":
            body = json.loads(request.body or b"{}")
        else:
            body = json.loads(request.POST.get("payload") or "{}")
    except (ValueError, UnicodeDecodeError):
        return _error(400, _("Dữ liệu gửi lên không phải JSON hợp lệ."))
    if not isinstance(body, dict):
        return _error(400, _("Dữ liệu gửi lên phải là một đối tượng JSON."))
    resource = get_object_or_404(
        resources_visible(request.user).select_related("current_version"),
        pk=pk,
        type=ResourceType.SCORM,
    )
    token = body.get("token")
    if token:
        payload = token_payload(str(token))
        if payload is None or payload["u"] != request.user.pk:
            return _error(403, _("Phiên học không hợp lệ hoặc đã hết hạn. Hãy mở lại học liệu."))
        version = get_object_or_404(ResourceVersion, pk=payload["v"], resource=resource)
    else:
        version = resource.current_version
        if version is None:
            raise Http404
    values = body.get("values", {})
    finish = body.get("finish", False)
    if not isinstance(values, dict) or not isinstance(finish, bool):
        return _error(400, _("Trường values phải là đối tượng, finish phải là true/false."))
    try:
        track = tracking.track_commit(
            actor=request.user, version=version, values=values, finish=finish
        )
    except tracking.ScormCommitError as exc:
        return _error(
            400,
            _("Giá trị của %(element)s không hợp lệ (mã lỗi SCORM %(code)s).")
            % {"element": exc.element, "code": exc.code},
            error=exc.code,
            element=exc.element,
        )
    except PermissionDenied:
        raise Http404 from None
    return JsonResponse(
        {
            "ok": True,
            "status": track.lesson_status,
            "score": tracking.score_text(track.score_raw),
            "completed": track.completed_at is not None,
        }
    )


urlpatterns = [
    path("library/<int:pk>/play/", play, name="play"),
    path("library/pkg/<str:token>/<path:path>", package_file, name="package-file"),
    path("library/<int:pk>/scorm/commit/", scorm_commit, name="scorm-commit"),
]
