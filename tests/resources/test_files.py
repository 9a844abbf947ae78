"""Uploads checked by content, stored once, read for search and drawn as thumbnails
(resources/files.py)."""

import io
import unicodedata
import wave
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import Image

from hocso.resources import files
from hocso.resources.files import (
    ACCEPTED_TYPES,
    StoredBlob,
    UploadRejected,
    blob_store,
    blob_store_bytes,
    extract_text,
    make_thumbnail,
    sniff,
    sniff_file,
)
from hocso.resources.models import FileRole

from . import samples
from .conftest import blob_name

pytestmark = pytest.mark.django_db


def _image(fmt: str, size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 90)).save(out, format=fmt)
    return out.getvalue()


def _wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as track:
        track.setnchannels(1)
        track.setsampwidth(2)
        track.setframerate(8000)
        track.writeframes(bytes(1600))
    return out.getvalue()


def _zip(members: dict[str, bytes | str], *, stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(stored_first, members.pop(stored_first), zipfile.ZIP_STORED)
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _epub() -> bytes:
    return _zip(
        {
            "mimetype": "application/epub+zip",
            "META-INF/container.xml": "<container/>",
            "OEBPS/c1.xhtml": "<html/>",
        },
        stored_first="mimetype",
    )


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


def _stored_blobs() -> list[Path]:
    root = Path(default_storage.location) / "resources" / "blobs"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- sniffing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: samples.pdf_bytes(), "application/pdf"),
        (samples.png_bytes, "image/png"),
        (samples.jpeg_bytes, "image/jpeg"),
        (lambda: _image("GIF"), "image/gif"),
        (lambda: _image("WEBP"), "image/webp"),
        (samples.mp4_bytes, "video/mp4"),
        (lambda: b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + bytes(64), "video/webm"),
        (lambda: b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(64), "audio/mpeg"),
        (lambda: b"\xff\xfb\x90\x64" + bytes(64), "audio/mpeg"),
        (lambda: b"OggS\x00\x02" + bytes(64), "audio/ogg"),
        (_wav, "audio/wav"),
        (lambda: b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42" + bytes(64), "audio/mp4"),
        (samples.html5_zip, "application/zip"),
        (_epub, "application/epub+zip"),
    ],
)
def test_sniff_file_names_each_accepted_format_by_its_bytes(make, expected):
    assert sniff_file(io.BytesIO(make())) == expected


def test_office_files_are_told_apart_from_a_plain_zip_by_their_members():
    assert sniff_file(io.BytesIO(samples.docx_bytes("Bài 1"))) == files.DOCX
    assert sniff_file(io.BytesIO(samples.pptx_bytes("Trang 1"))) == files.PPTX
    assert sniff_file(io.BytesIO(samples.scorm_zip())) == files.ZIP
    # sniff() alone sees only "a zip" until it is given the member names.
    head = samples.docx_bytes("Bài 1")[:64]
    assert sniff(head) == files.ZIP
    assert sniff(head, zip_names=["[Content_Types].xml", "word/document.xml"]) == files.DOCX
    assert sniff(head, zip_names=["ppt/presentation.xml"]) == files.PPTX


@pytest.mark.parametrize(
    "data",
    [
        HTML,
        SVG,
        b"\xef\xbb\xbf<svg xmlns='http://www.w3.org/2000/svg'/>",
        "Văn bản thuần".encode(),
        "<html>".encode("utf-16"),  # a BOM is not an MP3 frame header
        b"",
    ],
)
def test_markup_text_and_empty_files_are_not_recognised(data):
    assert sniff(data) is None


def test_sniff_file_leaves_the_position_where_it_was():
    stream = io.BytesIO(samples.docx_bytes("x"))
    stream.seek(7)
    sniff_file(stream)
    assert stream.tell() == 7


def test_accepted_types_follow_the_resource_types():
    assert ACCEPTED_TYPES["document"] == {files.PDF, files.DOCX, files.PPTX}
    assert ACCEPTED_TYPES["ebook"] == {files.PDF, files.EPUB}
    assert ACCEPTED_TYPES["link"] == frozenset()
    assert ACCEPTED_TYPES["scorm"] == ACCEPTED_TYPES["html5"] == {files.ZIP}
    assert not any("svg" in t or "html" in t for types in ACCEPTED_TYPES.values() for t in types)


# --- storing: content checks --------------------------------------------------------------


def test_a_pdf_renamed_mp4_is_sniffed_as_pdf_and_rejected_as_a_video():
    upload = SimpleUploadedFile("bai-giang.mp4", samples.pdf_bytes(), "video/mp4")
    with pytest.raises(UploadRejected) as caught:
        blob_store(upload, original_name="bai-giang.mp4", accept=ACCEPTED_TYPES["video"])
    message = caught.value.messages[0]
    assert "bai-giang.mp4" in message
    assert "PDF" in message
    assert "video MP4" in message and "video WebM" in message
    assert _stored_blobs() == []


def test_an_html_page_named_pdf_is_rejected():
    upload = SimpleUploadedFile("de-thi.pdf", HTML, "application/pdf")
    with pytest.raises(UploadRejected) as caught:
        blob_store(upload, original_name="de-thi.pdf", accept=ACCEPTED_TYPES["document"])
    assert "de-thi.pdf" in caught.value.messages[0] and "HTML" in caught.value.messages[0]
    assert caught.value.code == "wrong_type"


def test_an_svg_is_rejected_even_as_an_image_and_even_without_a_type_list():
    for accept in (ACCEPTED_TYPES["image"], None):
        with pytest.raises(UploadRejected):
            blob_store(io.BytesIO(SVG), original_name="so-do.svg", accept=accept)


def test_docx_and_pptx_are_documents_but_a_plain_zip_is_not():
    docx = blob_store(
        io.BytesIO(samples.docx_bytes("Thơ")),
        original_name="phieu.docx",
        accept=ACCEPTED_TYPES["document"],
    )
    pptx = blob_store(
        io.BytesIO(samples.pptx_bytes("Trang")),
        original_name="bai.pptx",
        accept=ACCEPTED_TYPES["document"],
    )
    assert (docx.content_type, pptx.content_type) == (files.DOCX, files.PPTX)
    with pytest.raises(UploadRejected):
        blob_store(
            io.BytesIO(samples.html5_zip()),
            original_name="x.docx",
            accept=ACCEPTED_TYPES["document"],
        )
    package = blob_store(
        io.BytesIO(samples.scorm_zip()), original_name="goi.zip", accept=ACCEPTED_TYPES["scorm"]
    )
    assert package.content_type == files.ZIP


def test_a_link_resource_accepts_no_file():
    with pytest.raises(UploadRejected) as caught:
        blob_store(io.BytesIO(samples.png_bytes()), original_name="a.png", accept=frozenset())
    assert "không nhận tệp" in caught.value.messages[0]


# --- storing: size ------------------------------------------------------------------------


def test_a_file_over_the_limit_is_rejected_before_it_is_stored():
    with pytest.raises(UploadRejected) as caught:
        blob_store(io.BytesIO(samples.mp4_bytes()), original_name="phim.mp4", max_bytes=1024)
    assert caught.value.code == "too_large"
    assert "phim.mp4" in caught.value.messages[0]
    assert _stored_blobs() == []


def test_the_declared_size_of_an_upload_is_checked_first(settings):
    settings.HOCSO_RESOURCE_MAX_UPLOAD_MB = 1
    upload = SimpleUploadedFile("phim.mp4", samples.mp4_bytes() + bytes(1024 * 1024), "video/mp4")
    with pytest.raises(UploadRejected) as caught:
        blob_store(upload, original_name="phim.mp4")
    assert "1 MB" in caught.value.messages[0]


def test_the_limit_holds_for_a_stream_that_does_not_say_its_size(settings):
    settings.HOCSO_RESOURCE_MAX_UPLOAD_MB = 1

    class Pipe(io.RawIOBase):
        """A non-seekable source (no size, no seek), like a socket."""

        def __init__(self, data):
            self._data = io.BytesIO(data)

        def readable(self):
            return True

        def read(self, n=-1):
            return self._data.read(n)

    with pytest.raises(UploadRejected):
        blob_store(Pipe(samples.mp4_bytes() + bytes(2 * 1024 * 1024)), original_name="p.mp4")
    blob = blob_store(Pipe(samples.mp4_bytes()), original_name="p.mp4")
    with default_storage.open(blob.storage_name) as stored:
        assert stored.read() == samples.mp4_bytes()


# --- storing: streaming and idempotence ---------------------------------------------------


class CountingFile(io.BytesIO):
    """A plain binary file that remembers the largest read asked of it."""

    largest_read = 0

    def read(self, n=-1):
        size = len(self.getbuffer()) - self.tell() if n is None or n < 0 else n
        self.largest_read = max(self.largest_read, size)
        return super().read(n)


def test_a_large_upload_is_hashed_and_copied_in_pieces_never_read_whole():
    data = samples.mp4_bytes() + bytes(5 * 1024 * 1024)
    source = CountingFile(data)
    blob = blob_store(source, original_name="phim.mp4", accept=ACCEPTED_TYPES["video"])
    assert source.largest_read <= files.CHUNK
    assert blob.size == len(data)
    with default_storage.open(blob.storage_name) as stored:
        assert stored.read() == data


def test_a_temporary_uploaded_file_is_stored_and_can_still_be_read_afterwards():
    data = samples.scorm_zip() + b""
    upload = TemporaryUploadedFile("goi.zip", "application/zip", len(data), None)
    upload.write(data)
    upload.seek(0)
    blob = blob_store(upload, original_name="goi.zip", accept=ACCEPTED_TYPES["scorm"])
    assert upload.read() == data  # position back at 0, the temporary file not moved away
    assert default_storage.size(blob.storage_name) == len(data)
    upload.close()


def test_the_same_bytes_stored_twice_are_one_stored_object():
    data = samples.pdf_bytes("Phân số")
    first = blob_store(io.BytesIO(data), original_name="a.pdf")
    second = blob_store(SimpleUploadedFile("khac-ten.pdf", data), original_name="khác tên.pdf")
    assert first.storage_name == second.storage_name == blob_name(first.sha256)
    assert (first.original_name, second.original_name) == ("a.pdf", "khác tên.pdf")
    assert len(_stored_blobs()) == 1


def test_a_blob_cut_short_by_an_earlier_write_is_replaced_not_reused():
    data = samples.pdf_bytes("Phân số")
    stored = blob_store(io.BytesIO(data), original_name="a.pdf")
    default_storage.delete(stored.storage_name)
    default_storage.save(stored.storage_name, io.BytesIO(data[:100]))  # a killed worker's file
    blob_store(io.BytesIO(data), original_name="a.pdf")
    with default_storage.open(stored.storage_name, "rb") as handle:
        assert handle.read() == data


def test_a_racing_second_save_leaves_one_object(monkeypatch):
    data = samples.png_bytes()
    blob_store(io.BytesIO(data), original_name="a.png")
    # The other upload checked existence before this one finished saving: the first
    # existence check answers "not there", later ones (inside storage.save) tell the truth.
    real_exists, calls = default_storage.exists, []

    def exists_after_the_first_call(name):
        calls.append(name)
        return len(calls) > 1 and real_exists(name)

    monkeypatch.setattr(default_storage, "exists", exists_after_the_first_call)
    blob = blob_store(io.BytesIO(data), original_name="b.png")
    assert [path.name for path in _stored_blobs()] == [blob.sha256]


def test_the_original_name_is_nfc_and_without_a_client_path():
    nfd = unicodedata.normalize("NFD", "Phân số.pdf")
    blob = blob_store(io.BytesIO(samples.pdf_bytes()), original_name=f"C:\\Users\\gv\\{nfd}")
    assert blob.original_name == "Phân số.pdf"
    assert isinstance(blob, StoredBlob)


def test_blob_store_bytes_sniffs_unless_told_the_type():
    thumb = blob_store_bytes(samples.png_bytes(), original_name="thumb.png")
    assert thumb.content_type == "image/png"
    assert default_storage.exists(thumb.storage_name)
    told = blob_store_bytes(b"plain", original_name="x.txt", content_type="text/plain")
    assert told.content_type == "text/plain" and told.size == 5
    with pytest.raises(UploadRejected):
        blob_store_bytes(HTML, original_name="x.html")


# --- text ---------------------------------------------------------------------------------


def _blob(data: bytes, name: str) -> StoredBlob:
    return blob_store(io.BytesIO(data), original_name=name)


def test_the_text_of_a_pdf_keeps_its_vietnamese_in_nfc():
    text = extract_text(_blob(samples.pdf_bytes("Phân số và số thập phân", "Đường tròn"), "a.pdf"))
    assert "Phân số và số thập phân" in text and "Đường tròn" in text
    assert unicodedata.is_normalized("NFC", text)


def test_the_text_of_a_docx_is_its_paragraphs_in_nfc():
    nfd = unicodedata.normalize("NFD", "Thơ lục bát")
    text = extract_text(_blob(samples.docx_bytes(nfd, "Truyện đồng thoại"), "a.docx"))
    assert text == "Thơ lục bát\nTruyện đồng thoại"


def test_the_text_of_a_pptx_follows_slide_order():
    slides = [f"Trang {n} — phép cộng" for n in range(1, 12)]
    text = extract_text(_blob(samples.pptx_bytes(*slides), "a.pptx"))
    assert text.split("\n\n") == slides  # slide10 after slide9, not after slide1


def test_extracted_text_is_capped():
    text = extract_text(_blob(samples.docx_bytes("á" * 150_000, "b" * 150_000), "big.docx"))
    assert len(text) == files.TEXT_CAP


def test_a_broken_document_or_another_type_gives_no_text():
    broken = blob_store_bytes(b"%PDF-1.7 garbage", original_name="x.pdf")
    assert extract_text(broken) == ""
    docx_type = files.DOCX
    not_a_docx = StoredBlob("0" * 64, broken.storage_name, 16, docx_type, "x.docx")
    assert extract_text(not_a_docx) == ""
    assert extract_text(_blob(samples.png_bytes(), "a.png")) == ""
    missing = StoredBlob("f" * 64, blob_name("f" * 64), 1, files.PDF, "gone.pdf")
    assert extract_text(missing) == ""


def test_an_entity_expansion_in_a_docx_gives_no_text():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>"
    )
    data = _zip({"word/document.xml": bomb})
    assert extract_text(_blob(data, "bomb.docx")) == ""


def test_text_is_read_from_a_resource_file_row(library):
    row = library.province_pdf.current_version.files.get(role=FileRole.MAIN)
    assert "Phân số và số thập phân" in extract_text(row)


# --- thumbnails ---------------------------------------------------------------------------


def _png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.size


def test_an_image_thumbnail_is_a_png_at_most_320_wide():
    big = _blob(samples.jpeg_bytes(size=(1600, 900)), "anh.jpg")
    assert _png_size(make_thumbnail(big)) == (320, 180)
    small = _blob(samples.png_bytes(size=(64, 48)), "nho.png")
    assert _png_size(make_thumbnail(small)) == (64, 48)
    gif = _blob(_image("GIF", size=(800, 400)), "a.gif")
    assert _png_size(make_thumbnail(gif))[0] == 320


def test_a_pdf_thumbnail_is_its_first_page():
    width, height = _png_size(
        make_thumbnail(_blob(samples.pdf_bytes("Trang 1", "Trang 2"), "a.pdf"))
    )
    assert width <= 320 and height > width  # A4 portrait


def test_an_office_file_thumbnail_is_the_preview_it_carries():
    data = _zip(
        {
            "[Content_Types].xml": "<Types/>",
            "word/document.xml": "<w:document/>",
            "docProps/thumbnail.jpeg": samples.jpeg_bytes(size=(640, 480)),
        }
    )
    assert _png_size(make_thumbnail(_blob(data, "a.docx"))) == (320, 240)
    assert make_thumbnail(_blob(samples.docx_bytes("x"), "b.docx")) is None


def test_videos_broken_and_oversized_files_get_no_thumbnail(monkeypatch):
    assert make_thumbnail(_blob(samples.mp4_bytes(), "phim.mp4")) is None
    assert make_thumbnail(blob_store_bytes(b"%PDF-1.7 junk", original_name="x.pdf")) is None
    monkeypatch.setattr(files, "MAX_IMAGE_PIXELS", 1000)
    assert make_thumbnail(_blob(samples.png_bytes(size=(64, 48)), "a.png")) is None
