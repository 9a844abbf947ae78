"""Primary transcripts (học bạ, Circular 27): the snapshot of a grade 1–5 year, refusal while the
end of the year is incomplete, the page, the PDF and the public verify page."""

import pytest
from django.core.exceptions import ValidationError

from hocso.assessment import services
from hocso.assessment import transcripts as tx
from hocso.assessment.compute_primary import primary_results_compute
from hocso.assessment.models import PrimarySubjectAssessment, ShareLevel, Stage
from hocso.assessment.transcript_pdf import render_pdf
from hocso.curriculum.models import Subject

from .primary_setup import make_primary, put_year_end
from .test_transcripts_pages import pdf_text


@pytest.fixture
def p(tree, users, year):
    primary = make_primary(tree, users, year)
    learner = primary.learners[0]
    put_year_end(primary.school_class, learner, traits={"the_chat": "D"}, tests={"TOAN": 8})
    PrimarySubjectAssessment.objects.filter(
        student=learner, subject__code="TOAN", term=2, stage=Stage.END
    ).update(comment="Tính nhẩm nhanh, trình bày sạch")
    services.scores_save(
        actor=None, school_class=primary.school_class, subject=Subject.objects.get(code="TOAN"),
        term=1, entries=[(learner.pk, "final", 1, "9")],
    )  # fmt: skip
    primary_results_compute(school_class=primary.school_class)
    return primary


def issue(p, learner=None):
    return tx.transcript_issue(actor=p.admin, student=learner or p.learners[0], year=p.year)


def test_the_snapshot_holds_levels_tests_comments_traits_and_the_result(p):
    content = issue(p).content
    assert content["programme"] == "primary"
    assert (content["class"]["grade"], content["class"]["name"]) == (3, "3A")
    toan = next(s for s in content["subjects"] if s["code"] == "TOAN")
    assert toan == {
        "code": "TOAN", "name": "Toán", "level": "T", "comment": "Tính nhẩm nhanh, trình bày sạch",
        "tests": {"cuoi_hk1": 9, "cuoi_nam": 8},
    }  # fmt: skip
    assert {s["code"] for s in content["subjects"]} >= {"TV", "TOAN", "DD", "HDTN"}
    traits = {t["code"]: t["level"] for t in content["traits"]}
    assert len(traits) == 15 and traits["the_chat"] == "D"
    assert (content["result"], content["promoted"], content["award"]) == ("hoan_thanh", True, "")
    assert tx.hash_matches(issue(p))  # issuing again without a change keeps the same transcript


def test_an_incomplete_year_is_refused_naming_what_is_missing(p):
    learner = p.learners[1]
    put_year_end(p.school_class, learner, skip={"DD", "test:TV", "nhan_ai"})
    primary_results_compute(school_class=p.school_class)
    with pytest.raises(ValidationError) as excinfo:
        issue(p, learner)
    text = " ".join(excinfo.value.messages)
    assert "Mức đạt được môn Đạo đức" in text
    assert "Bài kiểm tra định kì môn Tiếng Việt" in text and "Nhân ái" in text


def test_a_change_after_issuing_makes_a_new_version(p):
    first = issue(p)
    services.primary_traits_save(actor=p.admin, school_class=p.school_class, term=2,
                                 stage="end", entries=[(p.learners[0].pk, "the_chat", "T")])  # fmt: skip
    second = issue(p)
    assert second.version == 2 and second.content["result"] == "tot"  # Toán's test is 8
    assert second.content["award"] == ""
    first.refresh_from_db()
    assert not first.is_current


def test_the_page_shows_the_primary_transcript(client, p):
    transcript = issue(p)
    client.force_login(p.admin)
    page = client.get(f"/students/{p.learners[0].pk}/transcripts/2025-2026/").content.decode()
    assert tx.format_code(transcript.code) in page
    assert "Mức đạt được cuối năm" in page and "Tính nhẩm nhanh, trình bày sạch" in page
    assert "Phẩm chất chủ yếu" in page and "Thể chất" in page
    assert "Hoàn thành chương trình lớp 3" in page
    assert "HKII" not in page  # not the secondary table


def test_the_page_previews_a_primary_year_before_it_is_issued(client, p):
    client.force_login(p.admin)
    page = client.get(f"/students/{p.learners[0].pk}/transcripts/2025-2026/").content.decode()
    assert "Kết quả hiện có (chưa được cấp)" in page
    assert "Hoàn thành" in page and "Cấp học bạ" in page
    index = client.get(f"/students/{p.learners[0].pk}/transcripts/").content.decode()
    assert "2025-2026" in index and "Kết quả cả năm:" in index


def test_the_pdf_of_a_primary_transcript(p):
    transcript = issue(p)
    data = render_pdf(
        transcript.content, verify_url=f"https://hocso.example/verify/{transcript.code}",
        verify_home="https://hocso.example/verify/", compress=False,
    )  # fmt: skip
    text = pdf_text(data)
    assert p.learners[0].full_name in text and "HỌC BẠ" in text
    assert "Mức đạt được" in text and "Hoàn thành tốt" in text
    assert "KTĐK cuối năm" in text and "KTĐK cuối HKI" in text
    assert "Toán: Tính nhẩm nhanh, trình bày sạch" in text
    assert "Phẩm chất chủ yếu" in text and "Giải quyết vấn đề và sáng tạo" in text
    assert "Kết quả giáo dục:" in text and "Hoàn thành chương trình lớp 3" in text
    assert tx.format_code(transcript.code) in text
    assert f"/URI (https://hocso.example/verify/{transcript.code})".encode() in data


def test_the_verify_page_shows_the_primary_result_and_with_consent_the_subjects(client, p):
    transcript = issue(p)
    page = client.get(f"/verify/{transcript.code}").content.decode()
    assert "Hợp lệ." in page and "Kết quả cả năm" in page and "Hoàn thành" in page
    assert "Toán" not in page
    transcript.share_level = ShareLevel.FULL
    transcript.save(update_fields=["share_level"])
    page = client.get(f"/verify/{transcript.code}").content.decode()
    assert "Toán" in page and "Điểm KTĐK cuối năm" in page and "Hoàn thành tốt" in page
