"""Transcript pages, PDF and API: who may see and download what, the share form, and the
public verify page."""

import re

import pytest

from hocso.accounts.models import AuditEntry
from hocso.accounts.services import token_create
from hocso.assessment import services
from hocso.assessment import transcripts as tx
from hocso.assessment.models import ScoreKind, ShareLevel, Transcript
from hocso.assessment.transcript_pdf import render_pdf

from .conftest import subject
from .test_transcripts import issue, make_family


@pytest.fixture
def family(people, users):
    return make_family(people, users)


def page_url(transcript_or_student, year="2025-2026", suffix="/"):
    pk = getattr(transcript_or_student, "student_id", None) or transcript_or_student.pk
    return f"/students/{pk}/transcripts/{year}{suffix}"


def pdf_text(data: bytes) -> str:
    """The text an uncompressed fpdf2 PDF shows, read back through each font's ToUnicode map
    (enough of a PDF reader for these tests; pypdf is not a dependency)."""
    objects = {int(n): body for n, body in re.findall(rb"(\d+) 0 obj(.*?)endobj", data, re.S)}
    cmaps = {}
    for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", data):
        unicode_ref = re.search(rb"/ToUnicode (\d+) 0 R", objects[int(ref)])
        cmap = objects[int(unicode_ref.group(1))]
        cmaps[name] = {
            int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
            for code, text in re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>", cmap)
        }
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
    text, font = [], None
    for match in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", data, re.S):
        if match.group(1):
            font = match.group(1)
            continue
        raw = re.sub(
            rb"\\([0-7]{1,3}|.)",
            lambda m: bytes([int(m.group(1), 8)]) if m.group(1).isdigit()
            else escapes.get(m.group(1), m.group(1)),
            match.group(2), flags=re.S,
        )  # fmt: skip
        codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
        text.append("".join(cmaps[font].get(code, "?") for code in codes))
    return "\n".join(text)


def bearer(user):
    return {"Authorization": f"Bearer {token_create(user=user)}"}


# --- the PDF -----------------------------------------------------------------------------------


def test_the_pdf_sets_the_vietnamese_text_in_the_bundled_font(family):
    transcript = issue(family)
    data = render_pdf(
        transcript.content, verify_url=f"https://hocso.example/verify/{transcript.code}",
        verify_home="https://hocso.example/verify/", compress=False,
    )  # fmt: skip
    assert data.startswith(b"%PDF-")
    assert b"+DejaVuSans" in data  # the embedded (subset) font
    text = pdf_text(data)
    assert family.own.full_name in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "HỌC BẠ" in text and "Năm học 2025-2026" in text
    assert "Giáo dục thể chất" in text and "8,7" in text  # Toán's year average
    assert tx.format_code(transcript.code) in text
    assert "Học sinh Giỏi" in text and "Được lên lớp" in text
    assert f"/URI (https://hocso.example/verify/{transcript.code})".encode() in data


def test_a_guardian_downloads_their_childs_pdf(client, family):
    transcript = issue(family)
    client.force_login(family.users.guardian_a)
    response = client.get(page_url(transcript, suffix=".pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert b"DejaVuSans" in response.content
    assert f"/URI (http://testserver/verify/{transcript.code})".encode() in response.content
    assert "hoc-ba-2025-2026-" in response["Content-Disposition"]
    entry = AuditEntry.objects.get(action="transcript.download")
    assert entry.actor == family.users.guardian_a and entry.detail["reader"] == "guardian"


def test_a_staff_download_is_audited(client, family):
    transcript = issue(family)
    client.force_login(family.users.admin_a)
    assert client.get(page_url(transcript, suffix=".pdf")).status_code == 200
    entry = AuditEntry.objects.get(action="transcript.download")
    assert entry.actor == family.users.admin_a
    assert entry.detail["reader"] == "staff" and entry.detail["via"] == "web"
    assert entry.object_id == str(transcript.pk)


@pytest.mark.parametrize("who", ["admin_c", "district2", "outsider", "other_guardian"])
def test_the_pdf_is_not_found_outside_the_readers_scope(client, family, who):
    transcript = issue(family)
    user = family.other_guardian if who == "other_guardian" else getattr(family.users, who)
    client.force_login(user)
    assert client.get(page_url(transcript, suffix=".pdf")).status_code == 404
    assert client.get(page_url(transcript)).status_code == 404
    assert not AuditEntry.objects.filter(action="transcript.download").exists()


def test_no_pdf_before_a_transcript_is_issued(client, family):
    client.force_login(family.users.admin_a)
    assert client.get(page_url(family.own, suffix=".pdf")).status_code == 404
    assert client.get(page_url(family.own, year="1999-2000", suffix=".pdf")).status_code == 404


# --- the pages ---------------------------------------------------------------------------------


def test_the_school_admin_issues_from_the_page(client, family):
    client.force_login(family.users.admin_a)
    page = client.get(page_url(family.own)).content.decode()
    assert "Nhà trường chưa cấp học bạ số cho năm học này" in page
    assert "Kết quả hiện có (chưa được cấp)" in page

    response = client.post(page_url(family.own, suffix="/issue/"), follow=True)

    transcript = Transcript.objects.get(student=family.own)
    body = response.content.decode()
    assert "Đã cấp học bạ số" in body
    assert tx.format_code(transcript.code) in body
    assert "<svg" in body  # the QR code


def test_the_page_says_what_is_missing_before_issuing(client, people, users):
    client.force_login(users.admin_a)
    body = client.get(page_url(people.learners[0])).content.decode()
    assert "Chưa thể cấp học bạ" in body and "còn thiếu điểm" in body
    response = client.post(page_url(people.learners[0], suffix="/issue/"), follow=True)
    assert "Chưa đủ kết quả" in response.content.decode()
    assert not Transcript.objects.exists()


def test_reissuing_from_the_page_needs_the_confirmation(client, family):
    issue(family)
    client.force_login(family.users.admin_a)
    client.post(page_url(family.own, suffix="/issue/"))
    assert Transcript.objects.filter(student=family.own).count() == 1
    response = client.post(page_url(family.own, suffix="/issue/"), {"confirm": "1"}, follow=True)
    assert "không thay đổi" in response.content.decode()


def test_a_teacher_reads_the_transcript_but_cannot_issue(client, family):
    client.force_login(family.users.teacher_a)
    assert client.get(page_url(family.own)).status_code == 200
    assert client.post(page_url(family.own, suffix="/issue/")).status_code == 403
    assert not Transcript.objects.exists()


def test_a_guardian_chooses_the_share_level_from_the_page(client, family):
    transcript = issue(family)
    client.force_login(family.users.guardian_a)
    body = client.get(page_url(transcript)).content.decode()
    assert 'name="level"' in body and "cả học sinh và phụ huynh" in body

    client.post(page_url(transcript, suffix="/share/"), {"level": "full"})

    transcript.refresh_from_db()
    assert transcript.guardian_share == ShareLevel.FULL
    assert AuditEntry.objects.filter(
        action="transcript.share", actor=family.users.guardian_a
    ).exists()


def test_another_guardian_cannot_choose_the_share_level(client, family):
    transcript = issue(family)
    client.force_login(family.other_guardian)
    response = client.post(page_url(transcript, suffix="/share/"), {"level": "full"})
    assert response.status_code == 404
    transcript.refresh_from_db()
    assert transcript.guardian_share == ShareLevel.MINIMAL


def test_staff_see_no_share_form(client, family):
    transcript = issue(family)
    client.force_login(family.users.admin_a)
    body = client.get(page_url(transcript)).content.decode()
    assert 'name="level"' not in body
    assert client.post(page_url(transcript, suffix="/share/"), {"level": "full"}).status_code == 403


def test_my_transcripts_lists_the_childs_transcripts(client, family):
    transcript = issue(family)
    issue(family, family.other)
    client.force_login(family.users.guardian_a)
    body = client.get("/my/transcripts/").content.decode()
    assert family.own.full_name in body and family.other.full_name not in body
    assert f"/students/{family.own.pk}/transcripts/2025-2026.pdf" in body
    assert f'id="share-full-{transcript.pk}"' in body


def test_my_transcripts_without_linked_learners_says_so(client, users, db):
    client.force_login(users.outsider)
    body = client.get("/my/transcripts/").content.decode()
    assert "chưa được liên kết" in body


def test_the_transcript_index_lists_years(client, family):
    issue(family)
    client.force_login(family.users.student_a)
    body = client.get(f"/students/{family.own.pk}/transcripts/").content.decode()
    assert "2025-2026" in body and "Đã cấp bản số 1" in body


# --- the public verify page --------------------------------------------------------------------


def test_the_verify_page_shows_minimal_data_by_default(client, family):
    transcript = issue(family)
    response = client.get(f"/verify/{transcript.code}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Hợp lệ" in body and "THCS Lý Tự Trọng" in body and "2012" in body
    assert tx.initials(family.own.full_name) in body
    assert family.own.full_name not in body
    assert "Ngữ văn" not in body  # no subject table
    assert response["X-Robots-Tag"].startswith("noindex")


def test_the_verify_page_shows_the_subjects_when_shared_fully(client, family):
    transcript = issue(family)
    for actor in (family.users.student_a, family.users.guardian_a):
        transcript = tx.transcript_set_share(actor=actor, transcript=transcript, level="full")
    body = client.get(f"/verify/{tx.format_code(transcript.code)}").content.decode()
    assert "Ngữ văn" in body and "8,7" in body
    assert family.own.full_name not in body


def test_an_old_code_says_it_was_replaced(client, family):
    old = issue(family)
    services.scores_save(
        actor=None, school_class=family.people.school_class, subject=subject("NV"), term=1,
        entries=[(family.own.pk, ScoreKind.FINAL, 1, "5")],
    )  # fmt: skip
    new = issue(family)
    assert new.code != old.code
    body = client.get(f"/verify/{old.code}").content.decode()
    assert "Đã được thay thế bởi bản mới" in body
    assert "Hợp lệ" not in body
    assert "THCS Lý Tự Trọng" in body and "Kết quả học tập cả năm" not in body


def test_an_unknown_code_gets_a_neutral_not_found_page(client, db):
    response = client.get("/verify/ABCDEFGHJKLM")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Không tìm thấy học bạ nào có mã này" in body
    assert 'name="code"' in body


def test_a_tampered_snapshot_is_reported_invalid(client, family):
    transcript = issue(family)
    Transcript.objects.filter(pk=transcript.pk).update(
        content={**transcript.content, "award": "xuat_sac"}
    )
    body = client.get(f"/verify/{transcript.code}").content.decode()
    assert "Không hợp lệ" in body and "THCS Lý Tự Trọng" not in body


def test_the_verify_form_goes_to_the_typed_code(client, db):
    assert client.get("/verify/").status_code == 200
    response = client.get("/verify/", {"code": " abcd-efgh-jklm "})
    assert response.status_code == 302 and response["Location"] == "/verify/ABCDEFGHJKLM"


# --- the API -----------------------------------------------------------------------------------


def test_the_api_serves_the_pdf_in_scope_and_audits_it(client, family):
    transcript = issue(family)
    url = f"/api/v1/students/{family.own.pk}/transcripts/2025-2026.pdf"
    response = client.get(url, headers=bearer(family.users.province))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert AuditEntry.objects.get(action="transcript.download").detail["via"] == "api"
    assert client.get(url, headers=bearer(family.users.admin_c)).status_code == 404
    assert client.get(url, headers=bearer(family.other_guardian)).status_code == 404
    assert client.get(url).status_code == 401
    assert transcript.code


def test_the_api_answers_404_for_a_year_without_transcript(client, family):
    url = f"/api/v1/students/{family.own.pk}/transcripts/2025-2026.pdf"
    assert client.get(url, headers=bearer(family.users.admin_a)).status_code == 404


def test_the_api_gives_a_learners_results_of_a_year(client, family):
    url = f"/api/v1/students/{family.own.pk}/results"
    response = client.get(url, {"year": "2025-2026"}, headers=bearer(family.users.guardian_a))
    assert response.status_code == 200
    body = response.json()
    assert [p["period"] for p in body["periods"]] == [1, 2, 0]
    year = body["periods"][2]
    assert year["learning"] == "tot" and year["conduct"] == "tot" and year["days_absent"] == 3
    assert year["promoted"] is True and year["award"] == "gioi"
    toan = next(s for s in year["subjects"] if s["code"] == "TOAN")
    assert toan == {
        "code": "TOAN",
        "name": "Toán",
        "average": "8.7",
        "passed": None,
        "complete": True,
    }
    other = client.get(url, {"year": "2025-2026"}, headers=bearer(family.users.admin_c))
    assert other.status_code == 404


def test_reissue_is_offered_once_the_results_changed(client, family):
    issue(family)
    client.force_login(family.users.admin_a)
    body = client.get(page_url(family.own)).content.decode()
    assert "confirm-reissue" not in body and "đã thay đổi sau khi cấp" not in body

    services.scores_save(
        actor=None, school_class=family.people.school_class, subject=subject("TIN"), term=1,
        entries=[(family.own.pk, ScoreKind.FINAL, 1, "6")],
    )  # fmt: skip

    body = client.get(page_url(family.own)).content.decode()
    assert "đã thay đổi sau khi cấp" in body and "confirm-reissue" in body
