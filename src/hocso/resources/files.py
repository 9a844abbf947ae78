"""Uploaded files of the library: what they really are, where they are stored, what they say.

Why this module is strict:
- The type of a file comes from its bytes (magic numbers), never from its name or from the
  browser: a page renamed `bai-giang.pdf` must not be stored and served back as a PDF, and an
  HTML or SVG file is never accepted on its own (it would run scripts on our origin).
- Uploads can be hundreds of megabytes: they are hashed and copied in chunks, never read whole.
- A blob is stored once, named by its SHA-256 (`resources/blobs/<sha[:2]>/<sha>`), so the same
  file uploaded twice, or by two schools, is one stored object.
- Everything goes through Django's default storage (the file system here, S3 in production).
"""

from __future__ import annotations

import hashlib
import io
import re
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from .models import ResourceFile

CHUNK = 1024 * 1024  # read uploads 1 MB at a time
HEAD_BYTES = 8192  # enough for every magic number below
# Below this size a blob is handed to storage as bytes; above, as the open file (streamed).
SMALL_BLOB = 2 * 1024 * 1024

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
MP4 = "video/mp4"
WEBM = "video/webm"
MP3 = "audio/mpeg"
OGG = "audio/ogg"
WAV = "audio/wav"
M4A = "audio/mp4"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EPUB = "application/epub+zip"
# Recognised so the rejection can say what the file is, but never accepted.
OLE2 = "application/x-ole-storage"  # .doc/.ppt/.xls of Office 97–2003
QUICKTIME = "video/quicktime"
MATROSKA = "video/x-matroska"
HEIC = "image/heic"
AVIF = "image/avif"
AAC = "audio/aac"

IMAGE_TYPES = frozenset({PNG, JPEG, GIF, WEBP})

ACCEPTED_TYPES: dict[str, frozenset[str]] = {
    "document": frozenset({PDF, DOCX, PPTX}),
    "ebook": frozenset({PDF, EPUB}),
    "video": frozenset({MP4, WEBM}),
    "audio": frozenset({MP3, OGG, WAV, M4A}),
    "image": IMAGE_TYPES,
    "scorm": frozenset({ZIP}),
    "html5": frozenset({ZIP}),
    "link": frozenset(),
}

# Human names for messages (Vietnamese msgids; the lead translates).
_LABELS = {
    PDF: "PDF",
    PNG: gettext_noop("ảnh PNG"),
    JPEG: gettext_noop("ảnh JPEG"),
    GIF: gettext_noop("ảnh GIF"),
    WEBP: gettext_noop("ảnh WebP"),
    MP4: gettext_noop("video MP4"),
    WEBM: gettext_noop("video WebM"),
    MP3: gettext_noop("âm thanh MP3"),
    OGG: gettext_noop("âm thanh OGG"),
    WAV: gettext_noop("âm thanh WAV"),
    M4A: gettext_noop("âm thanh M4A"),
    ZIP: gettext_noop("tệp nén ZIP"),
    DOCX: gettext_noop("tài liệu Word (DOCX)"),
    PPTX: gettext_noop("bài trình chiếu PowerPoint (PPTX)"),
    XLSX: gettext_noop("bảng tính Excel (XLSX)"),
    EPUB: gettext_noop("sách điện tử EPUB"),
    OLE2: gettext_noop("tệp Office đời cũ (.doc/.ppt/.xls)"),
    QUICKTIME: gettext_noop("video QuickTime (MOV)"),
    MATROSKA: gettext_noop("video MKV"),
    HEIC: gettext_noop("ảnh HEIC"),
    AVIF: gettext_noop("ảnh AVIF"),
    AAC: gettext_noop("âm thanh AAC"),
}


def type_label(content_type: str | None) -> str:
    """A content type as people name it ("tài liệu Word (DOCX)"), for messages."""
    if content_type is None:
        return _("loại tệp không nhận ra")
    return _(_LABELS.get(content_type, content_type))


class UploadRejected(ValidationError):
    """An upload refused for its content or size; the message names the file, what was found
    and what was expected."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    storage_name: str
    size: int
    content_type: str
    original_name: str


def blob_name(sha256: str) -> str:
    return f"resources/blobs/{sha256[:2]}/{sha256}"


def clean_name(original_name: str) -> str:
    """The name as the contributor gave it: NFC, without a client's folder path, ≤ 255 chars."""
    name = unicodedata.normalize("NFC", original_name or "")
    name = re.split(r"[/\\]", name)[-1].replace("\x00", "").strip()
    return name[-255:]


# --- sniffing -----------------------------------------------------------------------------

# ISO base-media brands that are not video/mp4.
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_IMAGE_BRANDS = {b"heic": HEIC, b"heix": HEIC, b"mif1": HEIC, b"msf1": HEIC, b"avif": AVIF}


def _sniff_zip(head: bytes, zip_names: Iterable[str] | None) -> str:
    names = set(zip_names or ())
    if "word/document.xml" in names:
        return DOCX
    if "ppt/presentation.xml" in names:
        return PPTX
    if "xl/workbook.xml" in names:
        return XLSX
    # EPUB: the first member is an uncompressed "mimetype" saying so (OCF), readable in the head.
    if head[30:38] == b"mimetype" and b"application/epub+zip" in head[38:100]:
        return EPUB
    if "mimetype" in names and "META-INF/container.xml" in names:
        return EPUB
    return ZIP


def _mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, a valid version and a layer (not AAC's 00)."""
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    sample_rate = (head[2] >> 2) & 0b11
    return version != 0b01 and layer != 0 and bitrate != 0b1111 and sample_rate != 0b11


def sniff(head: bytes, *, zip_names: Iterable[str] | None = None) -> str | None:
    """The content type the bytes say, or None (text, HTML, SVG, unknown formats)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return WAV
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return M4A
        if brand in _IMAGE_BRANDS:
            return _IMAGE_BRANDS[brand]
        if brand == b"qt  ":
            return QUICKTIME
        return MP4
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return MATROSKA if b"matroska" in head[:64] else WEBM
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"ID3") or _mpeg_audio_frame(head):
        return MP3
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return AAC
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(head, zip_names)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE2
    return None


def sniff_file(fileobj: IO[bytes]) -> str | None:
    """Sniff an open, seekable file (its head, and its member names when it is a zip). The
    position is restored."""
    position = fileobj.tell()
    try:
        fileobj.seek(0)
        head = fileobj.read(HEAD_BYTES)
        names: list[str] | None = None
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            fileobj.seek(0)
            try:
                with zipfile.ZipFile(fileobj) as archive:
                    names = archive.namelist()
            except (zipfile.BadZipFile, OSError, ValueError):
                names = None
        return sniff(head, zip_names=names)
    finally:
        fileobj.seek(position)


# --- storing ------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(getattr(settings, "HOCSO_RESOURCE_MAX_UPLOAD_MB", 500)) * 1024 * 1024


def _too_large(original_name: str, max_bytes: int) -> UploadRejected:
    return UploadRejected(
        _("Tệp “%(name)s” quá lớn: tối đa %(limit)s MB cho mỗi tệp học liệu.")
        % {"name": original_name, "limit": max(1, max_bytes // (1024 * 1024))},
        code="too_large",
    )


def _wrong_type(original_name: str, found: str | None, accept: frozenset[str] | None):
    if accept:
        expected = ", ".join(sorted(type_label(t) for t in accept))
    elif accept is not None:
        expected = _("không có tệp nào (loại học liệu này không nhận tệp tải lên)")
    else:
        expected = _("một loại tệp học liệu được hỗ trợ")
    if found is None:
        message = _(
            "Tệp “%(name)s” có nội dung không thuộc loại nào được hỗ trợ (có thể là HTML, SVG "
            "hoặc văn bản thuần; loại tệp xét theo nội dung, không theo tên); cần: %(expected)s."
        )
    else:
        message = _(
            "Tệp “%(name)s” là %(found)s (xét theo nội dung, không theo tên tệp); "
            "cần: %(expected)s."
        )
    return UploadRejected(
        message % {"name": original_name, "found": type_label(found), "expected": expected},
        code="wrong_type",
    )


def _reader(fileobj) -> Iterable[bytes]:
    """Chunks of a file: Django's UploadedFile/File know how; plain files are read 1 MB at a
    time."""
    if hasattr(fileobj, "chunks"):
        yield from fileobj.chunks(CHUNK)
        return
    fileobj.seek(0)
    while chunk := fileobj.read(CHUNK):
        yield chunk


def _seekable(fileobj, *, original_name: str, max_bytes: int):
    """The file itself when it can be re-read; otherwise a spooled copy (streams, pipes)."""
    try:
        if fileobj.seekable():
            return fileobj
    except AttributeError:
        pass
    copy = tempfile.SpooledTemporaryFile(max_size=SMALL_BLOB)  # noqa: SIM115 — closed by blob_store
    total = 0
    while chunk := fileobj.read(CHUNK):
        total += len(chunk)
        if total > max_bytes:
            copy.close()
            raise _too_large(original_name, max_bytes)
        copy.write(chunk)
    copy.seek(0)
    return copy


def _save(name: str, fileobj, size: int) -> None:
    """Save under `name` unless it is already there, whole. Two uploads of the same bytes
    racing both save; storage then renames the second (`file_overwrite` off), which is removed
    again. A blob of the wrong size is what a write cut short (a killed worker) leaves: it is
    replaced, never served under the SHA-256 of bytes it does not hold."""
    if default_storage.exists(name):
        if default_storage.size(name) == size:
            return
        default_storage.delete(name)
    fileobj.seek(0)
    content = ContentFile(fileobj.read()) if size <= SMALL_BLOB else File(fileobj)
    saved = default_storage.save(name, content)
    if saved != name:
        default_storage.delete(saved)


def blob_store(
    fileobj,
    *,
    original_name: str,
    accept: frozenset[str] | None = None,
    max_bytes: int | None = None,
) -> StoredBlob:
    """Check an upload by content and size, and store it once under its SHA-256.

    `fileobj`: a Django UploadedFile/File or any binary file object. Raises UploadRejected for a
    type outside `accept` (or one not recognised at all) and for a file over `max_bytes`
    (default settings.HOCSO_RESOURCE_MAX_UPLOAD_MB)."""
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    declared = getattr(fileobj, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise _too_large(original_name, limit)
    source = _seekable(fileobj, original_name=original_name, max_bytes=limit)
    try:
        return _store(source, original_name=original_name, accept=accept, limit=limit)
    finally:
        if source is not fileobj:
            source.close()


def _store(source, *, original_name: str, accept: frozenset[str] | None, limit: int):
    content_type = sniff_file(source)
    if content_type is None or (accept is not None and content_type not in accept):
        raise _wrong_type(original_name, content_type, accept)
    digest = hashlib.sha256()
    size = 0
    for chunk in _reader(source):
        size += len(chunk)
        if size > limit:
            raise _too_large(original_name, limit)
        digest.update(chunk)
    sha = digest.hexdigest()
    name = blob_name(sha)
    _save(name, source, size)
    source.seek(0)
    return StoredBlob(
        sha256=sha,
        storage_name=name,
        size=size,
        content_type=content_type,
        original_name=clean_name(original_name),
    )


def blob_store_bytes(
    data: bytes, *, original_name: str, content_type: str | None = None
) -> StoredBlob:
    """Store bytes made by the application (thumbnails, posters, generated files). The type is
    sniffed unless the caller, which made the bytes, says it."""
    if content_type is None:
        stream = io.BytesIO(data)
        content_type = sniff_file(stream)
        if content_type is None:
            raise _wrong_type(original_name, None, None)
    sha = hashlib.sha256(data).hexdigest()
    name = blob_name(sha)
    _save(name, io.BytesIO(data), len(data))
    return StoredBlob(
        sha256=sha,
        storage_name=name,
        size=len(data),
        content_type=content_type,
        original_name=clean_name(original_name),
    )


# --- text ---------------------------------------------------------------------------------

TEXT_CAP = 200_000
# An XML part of a DOCX/PPTX larger than this (decompressed) is not read: a real document's
# text part is a few MB at most; more is a zip bomb or not worth indexing.
XML_PART_CAP = 50 * 1024 * 1024
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_SLIDE = re.compile(r"^ppt/slides/slide(\d+)\.xml$")


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes, counting what is really decompressed (a header can lie)."""
    info = archive.getinfo(name)
    if info.file_size > XML_PART_CAP:
        raise ValueError(f"{name} too large")
    with archive.open(info) as member:
        data = member.read(XML_PART_CAP + 1)
    if len(data) > XML_PART_CAP:
        raise ValueError(f"{name} too large")
    return data


def _paragraphs(xml: bytes, ns: str) -> list[str]:
    from defusedxml import ElementTree

    root = ElementTree.fromstring(xml)
    lines = []
    for paragraph in root.iter(f"{ns}p"):
        text = "".join(node.text or "" for node in paragraph.iter(f"{ns}t"))
        if text.strip():
            lines.append(text)
    return lines


def _docx_text(stream, cap: int) -> str:
    with zipfile.ZipFile(stream) as archive:
        return "\n".join(_paragraphs(_read_member(archive, "word/document.xml"), W_NS))


def _pptx_text(stream, cap: int) -> str:
    with zipfile.ZipFile(stream) as archive:
        slides = sorted(
            (int(match.group(1)), name)
            for name in archive.namelist()
            if (match := _SLIDE.match(name))
        )
        parts, total = [], 0
        for _number, name in slides:
            text = "\n".join(_paragraphs(_read_member(archive, name), A_NS))
            parts.append(text)
            total += len(text)
            if total > cap:
                break
        return "\n\n".join(part for part in parts if part)


def _pdf_text(stream, cap: int) -> str:
    from pypdf import PdfReader

    reader = PdfReader(stream)
    parts, total = [], 0
    for page in reader.pages:
        text = page.extract_text() or ""
        parts.append(text)
        total += len(text)
        if total > cap:
            break
    return "\n\n".join(parts)


_EXTRACTORS = {PDF: _pdf_text, DOCX: _docx_text, PPTX: _pptx_text}


def _tidy(text: str, cap: int) -> str:
    """NFC, no NUL (PostgreSQL text refuses it), single spaces, no blank-line runs, capped."""
    text = unicodedata.normalize("NFC", text.replace("\x00", ""))
    lines = (" ".join(line.split()) for line in text.splitlines())
    out, blank = [], False
    for line in lines:
        if line:
            out.append(line)
            blank = False
        elif not blank and out:
            out.append("")
            blank = True
    return "\n".join(out).strip()[:cap]


def extract_text(blob: StoredBlob | ResourceFile) -> str:
    """The text of a PDF, DOCX or PPTX blob for search, NFC and capped at 200,000 characters.
    Any other type, a broken file or a missing blob gives "" (indexing never fails an upload)."""
    extractor = _EXTRACTORS.get(blob.content_type)
    if extractor is None:
        return ""
    try:
        with default_storage.open(blob.storage_name, "rb") as stream:
            return _tidy(extractor(stream, TEXT_CAP), TEXT_CAP)
    except Exception:  # noqa: BLE001 — a hostile or broken file must not break the upload
        return ""


# --- thumbnails ---------------------------------------------------------------------------

THUMB_WIDTH = 320
THUMB_MAX_HEIGHT = 640
# Decoding a 20,000 × 20,000 "image" would take gigabytes: larger images get no thumbnail.
MAX_IMAGE_PIXELS = 50_000_000
THUMB_SOURCE_CAP = 20 * 1024 * 1024  # an embedded docProps thumbnail larger than this is odd
# PDFium is not thread-safe: one rendering at a time per process.
_PDFIUM_LOCK = threading.Lock()


def _png(image) -> bytes:
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    image.thumbnail((THUMB_WIDTH, THUMB_MAX_HEIGHT), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _image_thumbnail(stream) -> bytes:
    from PIL import Image

    with Image.open(stream) as image:
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise ValueError("image too large to decode")
        image.seek(0)  # the first frame of an animated GIF/WebP
        if image.format == "JPEG":
            image.draft("RGB", (THUMB_WIDTH * 2, THUMB_MAX_HEIGHT * 2))
        image.load()
        return _png(image)


def _pdf_thumbnail(stream) -> bytes:
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        document = pdfium.PdfDocument(stream)
        try:
            page = document[0]
            width, height = page.get_size()
            scale = min(THUMB_WIDTH / width, THUMB_MAX_HEIGHT / height)
            image = page.render(scale=scale).to_pil()
            page.close()
        finally:
            document.close()
    return _png(image)


def _office_thumbnail(stream) -> bytes | None:
    with zipfile.ZipFile(stream) as archive:
        for name in archive.namelist():
            if name.lower().startswith("docprops/thumbnail."):
                data = archive.open(name).read(THUMB_SOURCE_CAP + 1)
                if len(data) > THUMB_SOURCE_CAP:
                    return None
                return _image_thumbnail(io.BytesIO(data))  # WMF/EMF fail: no thumbnail
    return None


def make_thumbnail(blob: StoredBlob | ResourceFile) -> bytes | None:
    """A PNG at most 320 px wide for an image, a PDF (its first page) or a DOCX/PPTX (the
    preview Office saved in it); None for other types and for anything that cannot be drawn."""
    try:
        with default_storage.open(blob.storage_name, "rb") as stream:
            if blob.content_type in IMAGE_TYPES:
                return _image_thumbnail(stream)
            if blob.content_type == PDF:
                return _pdf_thumbnail(stream)
            if blob.content_type in (DOCX, PPTX):
                return _office_thumbnail(stream)
    except Exception:  # noqa: BLE001 — a broken file simply has no thumbnail
        return None
    return None
