"""Stored files sent back to browsers (resources/serving.py): headers, ranges, revalidation.

The view under test is defined here (the app's own views check access first, then call
`blob_response`), and reached through Django's test client with the project's middleware.
"""

import pytest
from django.core.files.storage import default_storage
from django.core.signals import request_finished
from django.db import close_old_connections
from django.urls import include, path

from hocso.resources import serving
from hocso.resources.models import FileRole, ResourceFile
from hocso.resources.serving import blob_response, content_disposition, parse_range

from . import samples
from .conftest import make_resource


def _serve(request, pk):
    file = ResourceFile.objects.get(pk=pk)
    return blob_response(request, file, download=request.GET.get("download") == "1")


# The project's own routes too: the 404 page links to them.
urlpatterns = [path("blob/<int:pk>/", _serve), path("", include("hocso.urls"))]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def _main(resource) -> ResourceFile:
    return resource.current_version.files.get(role=FileRole.MAIN)


def _url(file: ResourceFile, **query) -> str:
    suffix = "?download=1" if query.get("download") else ""
    return f"/blob/{file.pk}/{suffix}"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def pdf(library):
    return _main(library.province_pdf)


@pytest.fixture
def data(pdf):
    # Read back rather than rebuilt: fpdf2 stamps the creation time into every PDF.
    with default_storage.open(pdf.storage_name) as stored:
        return stored.read()


# --- headers ------------------------------------------------------------------------------


def test_a_pdf_is_shown_inline_with_its_sniffed_type(client, pdf, data):
    response = client.get(_url(pdf))
    assert response.status_code == 200
    assert _body(response) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(data))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == f'"{pdf.sha256}"'
    assert response["Cache-Control"].startswith("private")
    assert response["Content-Disposition"] == 'inline; filename="tai-lieu.pdf"'
    assert "Content-Security-Policy" not in response
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # the detail page frames it


def test_an_office_file_is_an_attachment_in_a_sandbox_with_its_vietnamese_name(
    client, tree, library
):
    resource = make_resource(
        title="Phiếu",
        org_unit=tree.school_a,
        data=samples.docx_bytes("Thơ"),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        original_name="Phiếu học tập Đề 1.docx",
    )
    response = client.get(_url(_main(resource)))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        'attachment; filename="Phieu hoc tap De 1.docx"; '
        "filename*=UTF-8''Phi%E1%BA%BFu%20h%E1%BB%8Dc%20t%E1%BA%ADp%20%C4%90%E1%BB%81%201.docx"
    )
    _body(response)


def test_a_download_of_a_pdf_is_an_attachment_in_a_sandbox(client, pdf):
    response = client.get(_url(pdf, download=True))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox"
    _body(response)  # read to the end: the test client closes the file then


def test_video_and_images_play_inline(client, library):
    for resource in (library.school_c_video, library.submitted_a):
        response = client.get(_url(_main(resource)))
        assert response["Content-Disposition"].startswith("inline;")
        assert "Content-Security-Policy" not in response
        _body(response)


@pytest.mark.parametrize(
    "content_type",
    ["image/svg+xml", "text/html", "application/zip", "application/epub+zip"],
)
def test_types_a_browser_could_run_or_that_we_do_not_display_are_attachments(content_type):
    assert not serving.is_inline(content_type)


def test_a_file_without_a_name_gets_one_from_its_hash_and_type():
    file = ResourceFile(sha256="ab" * 32, content_type="video/mp4", original_name="")
    assert serving._download_name(file) == f"hoc-lieu-{'ab' * 6}.mp4"


def test_quotes_and_control_characters_cannot_break_the_disposition_header():
    header = content_disposition('a"b\r\nSet-Cookie: x.pdf', attachment=True)
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="abSet-Cookie: x.pdf"')


# --- ranges -------------------------------------------------------------------------------


def test_a_range_gives_206_with_just_those_bytes(client, pdf, data):
    response = client.get(_url(pdf), HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206
    assert _body(response) == data[:100]
    assert response["Content-Range"] == f"bytes 0-99/{len(data)}"
    assert response["Content-Length"] == "100"


def test_open_ended_and_suffix_ranges(client, pdf, data):
    response = client.get(_url(pdf), HTTP_RANGE="bytes=100-")
    assert response.status_code == 206
    assert _body(response) == data[100:]
    response = client.get(_url(pdf), HTTP_RANGE="bytes=-50")
    assert _body(response) == data[-50:]
    assert response["Content-Range"] == f"bytes {len(data) - 50}-{len(data) - 1}/{len(data)}"


def test_a_range_past_the_end_is_cut_to_the_file(client, pdf, data):
    response = client.get(_url(pdf), HTTP_RANGE=f"bytes=10-{len(data) * 2}")
    assert response.status_code == 206
    assert _body(response) == data[10:]


def test_a_range_starting_after_the_end_is_416(client, pdf, data):
    response = client.get(_url(pdf), HTTP_RANGE=f"bytes={len(data)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"


@pytest.mark.parametrize(
    "header", ["bytes=abc", "bytes=5-2", "items=0-5", "bytes=0-5,10-20", "bytes=-", "bytes"]
)
def test_a_malformed_or_multiple_range_is_ignored(client, pdf, data, header):
    response = client.get(_url(pdf), HTTP_RANGE=header)
    assert response.status_code == 200
    assert _body(response) == data


def test_if_range_with_another_etag_sends_the_whole_file(client, pdf, data):
    response = client.get(_url(pdf), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"old"')
    assert response.status_code == 200
    assert _body(response) == data
    response = client.get(_url(pdf), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=f'"{pdf.sha256}"')
    assert response.status_code == 206
    assert _body(response) == data[:10]


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-0", 10, (0, 0)),
        ("bytes=9-", 10, (9, 9)),
        ("bytes=-20", 10, (0, 9)),
        ("bytes=-0", 10, False),
        ("bytes=10-", 10, False),
        ("bytes=0-", 0, False),
        ("BYTES = 2 - 3", 10, (2, 3)),
        (None, 10, None),
        ("bytes=1-2, 4-5", 10, None),
    ],
)
def test_parse_range(header, size, expected):
    assert parse_range(header, size) == expected


# --- revalidation, HEAD, missing ----------------------------------------------------------


def test_a_known_etag_is_answered_304_without_a_body_or_a_type(client, pdf):
    for tag in (f'"{pdf.sha256}"', f'W/"{pdf.sha256}"', f'"x", "{pdf.sha256}"', "*"):
        response = client.get(_url(pdf), HTTP_IF_NONE_MATCH=tag)
        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == f'"{pdf.sha256}"'
        assert "Content-Type" not in response
    response = client.get(_url(pdf), HTTP_IF_NONE_MATCH='"other"')
    assert response.status_code == 200
    _body(response)


def test_head_gives_the_headers_and_no_body(client, pdf, data):
    response = client.head(_url(pdf))
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(data))
    assert response.content == b""


def test_a_blob_missing_from_storage_is_404(client, pdf):
    default_storage.delete(pdf.storage_name)
    assert client.get(_url(pdf)).status_code == 404


# --- S3 -----------------------------------------------------------------------------------


def test_on_s3_only_the_requested_range_is_fetched(rf, pdf, monkeypatch):
    asked = []

    class Body:
        closed = False

        def iter_chunks(self, size):
            yield b"0123456789"

        def close(self):
            Body.closed = True

    class S3Object:
        def get(self, Range):
            asked.append(Range)
            return {"Body": Body()}

    class S3File:
        obj = S3Object()

        def close(self):
            pass

    class Storage:
        def size(self, name):
            return 1000

        def open(self, name, mode):
            return S3File()

    monkeypatch.setattr(serving, "default_storage", Storage())
    response = blob_response(rf.get("/", HTTP_RANGE="bytes=10-19"), pdf)
    assert response.status_code == 206
    assert _body(response) == b"0123456789"
    # Closed as a WSGI server closes it (without the signal that would drop the test's database
    # connection).
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert asked == ["bytes=10-19"]
    assert Body.closed
