"""Sending a stored file back to a browser, safely and in pieces.

The caller (a view) has already checked that the user may see the resource; this module only
answers for the bytes:
- streamed from storage in 64 KB pieces (a 500 MB video never sits in memory);
- `Range: bytes=…` honoured, so videos seek and interrupted downloads resume (Django's
  FileResponse has no range support);
- the ETag is the SHA-256: a blob never changes under its name, so a revalidation is a 304;
- the sniffed content type with `nosniff`; anything a browser might execute or that we do not
  display ourselves (Office files, zips, EPUB) goes out as an attachment under
  `Content-Security-Policy: sandbox`, so even a file that fooled the sniffer cannot run script
  on our origin.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from django.core.files.storage import default_storage
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    StreamingHttpResponse,
)

from .files import PDF
from .models import ResourceFile

STREAM_CHUNK = 64 * 1024
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/wav": ".wav",
    "audio/mp4": ".m4a",
    "application/zip": ".zip",
    "application/epub+zip": ".epub",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
}


def is_inline(content_type: str) -> bool:
    """Types the browser shows itself without running our-origin script: PDF, raster images,
    video and audio. SVG is an image that runs script, so it never is."""
    if content_type == PDF:
        return True
    major = content_type.split("/", 1)[0]
    return major in ("image", "video", "audio") and "svg" not in content_type


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | bool:
    """The byte range (first, last inclusive) a single-range header asks for.

    Returns None when there is no usable header (absent, malformed, several ranges: the whole
    file is sent), False when it is well formed but unsatisfiable (416)."""
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # bytes=-n: the last n bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return False
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # malformed (RFC 9110: ignore the header)
    if start >= size:
        return False
    return start, min(end, size - 1)


def _ascii_fallback(name: str) -> str:
    """The name without diacritics for old clients that ignore filename* (đ → d)."""
    name = name.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_name = "".join(ch for ch in decomposed if ord(ch) < 128 and not unicodedata.combining(ch))
    ascii_name = re.sub(r'[\x00-\x1f\x7f"\\;]', "", ascii_name).strip()
    return ascii_name or "tep"


def content_disposition(name: str, *, attachment: bool) -> str:
    """`attachment|inline; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266/5987),
    so "Phân số.pdf" keeps its Vietnamese name in every current browser."""
    kind = "attachment" if attachment else "inline"
    name = re.sub(r"[\x00-\x1f\x7f]", "", unicodedata.normalize("NFC", name)).strip() or "tep"
    fallback = _ascii_fallback(name)
    if fallback == name:
        return f'{kind}; filename="{name}"'
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _download_name(file: ResourceFile) -> str:
    if file.original_name:
        return file.original_name
    return f"hoc-lieu-{file.sha256[:12]}{_EXTENSIONS.get(file.content_type, '')}"


def _etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses weak comparison: W/"x" matches "x"; * matches anything."""
    if header.strip() == "*":
        return True
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return etag in tags


class _Chunks:
    """An iterator over stored bytes that closes its source when the response is closed, even
    if it was never iterated (StreamingHttpResponse calls `close`)."""

    def __init__(self, chunks, close):
        self._chunks = chunks
        self.close = close

    def __iter__(self):
        return iter(self._chunks)


def _read_chunks(handle, start: int, length: int):
    if start:
        handle.seek(start)
    remaining = length
    while remaining > 0:
        chunk = handle.read(min(STREAM_CHUNK, remaining))
        if not chunk:
            break
        remaining -= len(chunk)
        yield chunk


def open_range(name: str, start: int, length: int) -> _Chunks:
    """`length` bytes of a stored file from `start`, as chunks. On S3 (django-storages' S3File
    has `obj`) only that range is fetched: S3File would otherwise download the whole object
    before the first read, for every seek of a video."""
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("blob missing from storage") from exc
    obj = getattr(handle, "obj", None)
    if obj is not None and hasattr(obj, "get"):
        handle.close()
        if length == 0:
            return _Chunks((), lambda: None)
        body = obj.get(Range=f"bytes={start}-{start + length - 1}")["Body"]
        return _Chunks(body.iter_chunks(STREAM_CHUNK), body.close)
    return _Chunks(_read_chunks(handle, start, length), handle.close)


def _common_headers(response: HttpResponse, file: ResourceFile, etag: str, download: bool):
    inline = is_inline(file.content_type) and not download
    response["ETag"] = etag
    response["Accept-Ranges"] = "bytes"
    # Access is per user: shared caches must not keep it. The bytes never change under their
    # name, so the browser may keep them for a day (a retired resource is refused at the view).
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = content_disposition(
        _download_name(file), attachment=not inline
    )
    if inline:
        # The detail page shows a PDF in an <iframe> of this URL (same origin only).
        response["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response["Content-Security-Policy"] = "sandbox"
        response["X-Frame-Options"] = "DENY"


def blob_response(
    request: HttpRequest, file: ResourceFile, *, download: bool = False
) -> HttpResponse:
    """The stored bytes of `file` (permission already checked by the caller): 200, 206 for a
    satisfiable single range, 416 otherwise, 304 when the browser has this ETag already."""
    etag = f'"{file.sha256}"'
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and _etag_matches(if_none_match, etag):
        # No Content-Type/Disposition: a 304's headers would overwrite the cached response's.
        response = HttpResponseNotModified()
        _common_headers(response, file, etag, download)
        del response["Content-Disposition"]
        return response

    try:
        size = default_storage.size(file.storage_name)
    except (FileNotFoundError, OSError) as exc:
        raise Http404("blob missing from storage") from exc

    wanted = None
    if request.method in ("GET", "HEAD"):
        if_range = request.headers.get("If-Range")
        if not if_range or if_range.strip() == etag:
            wanted = parse_range(request.headers.get("Range"), size)

    if wanted is False:
        response = HttpResponse(status=416, content_type="text/plain")
        response["Content-Range"] = f"bytes */{size}"
        _common_headers(response, file, etag, download)
        return response

    if wanted is None:
        start, length, status = 0, size, 200
    else:
        first, last = wanted
        start, length, status = first, last - first + 1, 206

    if request.method == "HEAD":
        response = HttpResponse(status=status)
    else:
        response = StreamingHttpResponse(
            open_range(file.storage_name, start, length), status=status
        )
    response["Content-Type"] = file.content_type
    response["Content-Length"] = str(length)
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{start + length - 1}/{size}"
    _common_headers(response, file, etag, download)
    return response
