"""The annual report's pages (monitoring/views_annual.py): reading in scope, the narrative form
(who may edit, POST only, CSRF, a save by someone else in between), the draft, the downloads."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from hocso.accounts.models import AuditEntry
from hocso.monitoring.models import AnnualReport

PAGE = "/monitoring/annual/"


@pytest.fixture
def data(school_data, indicators, users):
    return school_data


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _download(org, year, fmt):
    return reverse(
        "monitoring:annual_download", kwargs={"org_code": org, "year_code": year, "fmt": fmt}
    )


def test_urls_are_the_contract(data):
    assert reverse("monitoring:annual") == PAGE
    assert _download("28432", "2025-2026", "xlsx") == "/monitoring/annual/28432/2025-2026.xlsx"


def test_province_officer_sees_figures_with_decimal_comma_and_the_form(data, users):
    response = _client(users.province).get(PAGE, {"org": "28432", "year": "2025-2026"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Báo cáo năm học 2025-2026" in body
    assert "66,67%" in body and "66.67" not in body
    assert 'name="narrative"' in body
    assert 'href="/monitoring/annual/28432/2025-2026.pdf?public=1"' in body
    assert "monitoring/_nav.html" in [t.name for t in response.templates]
    assert "Chưa có nguồn dữ liệu" in body


def test_without_org_the_actor_home_unit_is_shown(data, users):
    response = _client(users.admin_a).get(PAGE, {"year": "2025-2026"})
    assert response.status_code == 200
    assert response.context["unit"] == data.tree.school_a


def test_teacher_reads_the_narrative_but_has_no_form(data, users):
    AnnualReport.objects.create(
        org_unit=data.tree.school_a, year=data.year, narrative="Nhận định của trường."
    )
    response = _client(users.teacher_a).get(PAGE, {"org": "84000001", "year": "2025-2026"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nhận định của trường." in body
    assert 'name="narrative"' not in body


@pytest.mark.parametrize("who", ["admin_c", "district2", "student_a", "guardian_a", "outsider"])
def test_a_unit_out_of_scope_is_not_found(data, users, who):
    client = _client(getattr(users, who))
    assert client.get(PAGE, {"org": "84000001", "year": "2025-2026"}).status_code == 404
    assert client.get(_download("84000001", "2025-2026", "pdf")).status_code == 404
    assert client.get(_download("84000001", "2025-2026", "xlsx")).status_code == 404


def test_unknown_unit_or_year_is_not_found(data, users):
    client = _client(users.province)
    assert client.get(PAGE, {"org": "99999", "year": "2025-2026"}).status_code == 404
    assert client.get(PAGE, {"org": "84", "year": "2019-2020"}).status_code == 404
    assert client.get(PAGE, {"org": "84", "year": "2025"}).status_code == 404


def test_anonymous_is_sent_to_log_in(data):
    response = Client().get(PAGE, {"org": "84"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_province_officer_saves_the_narrative(data, users):
    client = _client(users.province)
    response = client.post(
        PAGE, {"org": "28432", "year": "2025-2026", "narrative": "  Nhận định mới.\r\n ",
               "version": ""},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?org=28432&year=2025-2026"
    report = AnnualReport.objects.get(org_unit=data.tree.commune1, year=data.year)
    assert report.narrative == "Nhận định mới."
    assert report.updated_by == users.province
    assert AuditEntry.objects.filter(action="monitoring.annual.save").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Cập nhật lần cuối" in page and "Đã lưu phần nhận định" in page


def test_school_admin_edits_own_school_only(data, users):
    client = _client(users.admin_a)
    ok = client.post(PAGE, {"org": "84000001", "year": "2025-2026", "narrative": "Trường A."})
    assert ok.status_code == 302
    assert client.post(
        PAGE, {"org": "84000003", "year": "2025-2026", "narrative": "Trường C."}
    ).status_code == 404  # fmt: skip
    assert client.post(
        PAGE, {"org": "28432", "year": "2025-2026", "narrative": "Phường."}
    ).status_code == 404  # fmt: skip
    assert not AnnualReport.objects.exclude(org_unit=data.tree.school_a).exists()


def test_teacher_may_not_save(data, users):
    response = _client(users.teacher_a).post(
        PAGE, {"org": "84000001", "year": "2025-2026", "narrative": "Giáo viên viết."}
    )
    assert response.status_code == 403
    assert not AnnualReport.objects.exists()


def test_saving_needs_the_csrf_token(data, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users.province)
    response = client.post(PAGE, {"org": "84", "year": "2025-2026", "narrative": "Không token."})
    assert response.status_code == 403
    assert not AnnualReport.objects.exists()


def test_a_get_never_saves(data, users):
    client = _client(users.province)
    client.get(PAGE, {"org": "84", "year": "2025-2026", "narrative": "Qua GET."})
    assert not AnnualReport.objects.exists()
    assert client.put(PAGE, {"org": "84"}).status_code == 405


def test_a_save_made_in_between_is_not_overwritten(data, users):
    client = _client(users.province)
    form = client.get(PAGE, {"org": "84", "year": "2025-2026"}).context["form"]
    other = _client(users.superuser)
    other.post(PAGE, {"org": "84", "year": "2025-2026", "narrative": "Bản của người khác.",
                      "version": form.initial["version"]})  # fmt: skip
    response = client.post(
        PAGE, {"org": "84", "year": "2025-2026", "narrative": "Bản của tôi.",
               "version": form.initial["version"]},
    )  # fmt: skip
    assert response.status_code == 200
    body = response.content.decode()
    assert "sau khi bạn mở trang" in body
    assert "Bản của tôi." in body  # what they typed is kept
    assert "Bản của người khác." in body  # and what is saved, beside it
    assert AnnualReport.objects.get().narrative == "Bản của người khác."
    # Having seen it, saving again (the form now carries the newer version) goes through.
    again = client.post(
        PAGE, {"org": "84", "year": "2025-2026", "narrative": "Bản của tôi.",
               "version": response.context["form"]["version"].value()},
    )  # fmt: skip
    assert again.status_code == 302
    assert AnnualReport.objects.get().narrative == "Bản của tôi."


def test_two_first_saves_at_once_refuse_the_second_instead_of_failing(data, users, monkeypatch):
    """Two officers save the unit's first narrative at the same moment: both read "no report
    yet", the other one's row is written before ours. Ours is refused like any save made in
    between (a form error, their text kept), never a database error."""
    full_clean = AnnualReport.full_clean
    state = {"raced": False}

    def other_saves_first(report, *args, **kwargs):
        if not state["raced"] and report.pk is None:
            state["raced"] = True  # after our read, before our insert
            AnnualReport.objects.create(
                org_unit=report.org_unit, year=report.year, narrative="Bản của người khác.",
                updated_by=users.superuser,
            )  # fmt: skip
        return full_clean(report, *args, **kwargs)

    monkeypatch.setattr(AnnualReport, "full_clean", other_saves_first)
    response = _client(users.province).post(
        PAGE, {"org": "84", "year": "2025-2026", "narrative": "Bản của tôi.", "version": ""}
    )
    assert state["raced"]
    assert response.status_code == 200
    body = response.content.decode()
    assert "sau khi bạn mở trang" in body and users.superuser.username in body
    assert "Bản của tôi." in body  # what they typed is kept
    # (The other save, simulated inside our transaction, is undone with it here; for real it
    # is committed by the other request.)


def test_too_long_a_narrative_is_refused_with_the_text_kept(data, users):
    text = "x" * 20001
    response = _client(users.province).post(
        PAGE, {"org": "84", "year": "2025-2026", "narrative": text}
    )
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not AnnualReport.objects.exists()


def test_draft_fills_the_box_without_saving(data, users):
    response = _client(users.province).get(
        PAGE, {"org": "28432", "year": "2025-2026", "draft": "1"}
    )
    assert response.status_code == 200
    assert (
        "còn thiếu 25 điểm phần trăm so với mục tiêu 100% năm 2025"
        in (response.context["form"].initial["narrative"])
    )
    assert "Đã điền bản nháp" in response.content.decode()
    assert "được in nguyên văn trong bản công khai" in response.content.decode()
    assert not AnnualReport.objects.exists()
    # Someone who may not edit gets no draft.
    teacher = _client(users.teacher_a).get(
        PAGE, {"org": "84000001", "year": "2025-2026", "draft": "1"}
    )
    assert "Đã điền bản nháp" not in teacher.content.decode()


def test_downloads_are_files_and_audited(data, users):
    client = _client(users.teacher_a)
    xlsx = client.get(_download("84000001", "2025-2026", "xlsx"))
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="bao-cao-nam-84000001-2025-2026.xlsx"' in xlsx["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book["Bìa"]["A2"].value == "THCS Lý Tự Trọng (84000001)"
    pdf = client.get(_download("84000001", "2025-2026", "pdf"), {"public": "1"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "cong-khai.pdf" in pdf["Content-Disposition"]
    entries = AuditEntry.objects.filter(action="monitoring.annual.export")
    assert sorted((e.detail["format"], e.detail["public"]) for e in entries) == [
        ("pdf", True), ("xlsx", False),
    ]  # fmt: skip


def test_a_bad_format_is_not_a_route(data, users):
    response = _client(users.province).get("/monitoring/annual/84/2025-2026.csv")
    assert response.status_code == 404


def test_without_a_year_the_last_school_year_that_has_ended_is_shown(data, users):
    from ..factories import make_year

    make_year("2099-2100")
    response = _client(users.province).get(PAGE, {"org": "28432"})
    assert response.context["year"] == data.year  # 2025-2026 has ended; 2099-2100 has not
    assert 'data-testid="year-in-progress"' not in response.content.decode()


def test_a_year_in_progress_says_so_and_links_to_the_last_ended_year(data, users):
    from datetime import timedelta

    from django.utils import timezone

    from hocso.orgs.models import SchoolYear

    today = timezone.localdate()
    SchoolYear.objects.create(
        code="2999-3000",
        start_date=today - timedelta(days=60),
        term1_end=today,
        term2_start=today + timedelta(days=1),
        end_date=today + timedelta(days=200),
    )
    response = _client(users.province).get(PAGE, {"org": "28432", "year": "2999-3000"})
    body = response.content.decode()
    assert 'data-testid="year-in-progress"' in body
    assert "year=2025-2026" in body
