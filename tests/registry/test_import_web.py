"""The import pages: upload → background job → progress → results, scope and ownership."""

from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocso.accounts.models import AuditEntry
from hocso.registry.models import ImportJob, Student

from ._spreadsheets import STUDENT_HEADERS, student, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _immediate_tasks_and_private_media(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(tmp_path, rows, name="hs.xlsx"):
    path = write_xlsx(tmp_path / name, STUDENT_HEADERS, rows)
    with open(path, "rb") as handle:
        return SimpleUploadedFile(name, handle.read())


def _post(client, tmp_path, school, year, rows, mode="all_or_nothing", capture=None):
    data = {"kind": "students", "school": school.pk, "year": year.pk, "mode": mode,
            "file": _upload(tmp_path, rows)}  # fmt: skip
    return client.post(reverse("registry:import"), data)


def test_upload_runs_the_job_and_shows_the_result(
    client, users, tree, year, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(users.admin_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, tmp_path, tree.school_a, year, [student(1), student(2)])

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:import_job", args=[job.pk])
    assert (job.status, job.created_count, job.rejected_count, job.written) == ("done", 2, 0, True)
    assert (job.created_by, job.school, job.year, job.file_name) == (
        users.admin_a,
        tree.school_a,
        year,
        "hs.xlsx",
    )
    assert Student.objects.filter(school=tree.school_a).count() == 2
    assert AuditEntry.objects.get(action="import").actor == users.admin_a
    assert not list((tmp_path / "media" / "imports").iterdir())  # the upload is not kept
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "Hoàn tất" in body and 'aria-valuenow="100"' in body
    assert "hx-trigger" not in body  # finished: the page stops polling


def test_rejected_rows_are_listed_with_a_downloadable_report(
    client, users, tree, year, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(users.admin_a)
    rows = [student(1), student(2, **{"Giới tính": "+1"}), student(3)]

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, tmp_path, tree.school_a, year, rows, mode="partial")

    job = ImportJob.objects.get()
    assert (job.created_count, job.rejected_count) == (2, 1)
    body = client.get(reverse("registry:import_job_status", args=[job.pk])).content.decode()
    assert "Giới tính «+1» không hợp lệ" in body
    assert reverse("registry:import_job_errors", args=[job.pk]) in body
    report = client.get(reverse("registry:import_job_errors", args=[job.pk]))
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(BytesIO(report.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Dòng", "Cột", "Giá trị", "Lý do", "Mức độ")
    assert rows[1][:3] == (3, "Giới tính", "'+1")  # the user's text cannot run as a formula


def test_all_or_nothing_upload_with_a_bad_row_writes_nothing(
    client, users, tree, year, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(users.admin_a)

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, tmp_path, tree.school_a, year, [student(1), student(2, **{"Giới tính": "?"})])

    job = ImportJob.objects.get()
    assert (job.status, job.written, job.created_count, job.rejected_count) == ("done", False, 0, 1)
    assert job.planned["created"] == 1
    assert Student.objects.count() == 0
    body = client.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    assert "Không có dữ liệu nào được ghi" in body


def test_dry_run_upload_writes_nothing(
    client, users, tree, year, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(users.admin_a)

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, tmp_path, tree.school_a, year, [student(1)], mode="dry_run")

    job = ImportJob.objects.get()
    assert (job.status, job.written, job.created_count) == ("done", False, 1)
    assert Student.objects.count() == 0


def test_a_file_missing_a_required_column_fails_the_job_with_the_reason(
    client, users, tree, year, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(users.admin_a)
    path = write_xlsx(tmp_path / "x.xlsx", ["Họ và tên", "Lớp"], [["An", "6A1"]])
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile("x.xlsx", handle.read())

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:import"), {"kind": "students", "school": tree.school_a.pk,
                                                 "year": year.pk, "mode": "partial", "file": upload})  # fmt: skip

    job = ImportJob.objects.get()
    assert job.status == "failed"
    body = client.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    assert "Thiếu cột bắt buộc: Giới tính" in body


def test_a_file_that_is_not_a_spreadsheet_is_refused_by_the_form(client, users, tree, year):
    client.force_login(users.admin_a)
    upload = SimpleUploadedFile("hs.xlsx", b"MZ\x90\x00\x03 this is a program")

    response = client.post(reverse("registry:import"), {"kind": "students", "school": tree.school_a.pk,
                                                        "year": year.pk, "mode": "all_or_nothing",
                                                        "file": upload})  # fmt: skip

    assert response.status_code == 400
    assert "không phải bảng tính" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_running_job_fragment_polls_every_second_with_a_progress_bar(client, users, tree, year):
    job = ImportJob.objects.create(
        kind="students", school=tree.school_a, year=year, mode="partial", file_name="hs.xlsx",
        created_by=users.admin_a, status="running", phase="checking", total_rows=4000,
        processed_rows=1000,
    )  # fmt: skip
    client.force_login(users.admin_a)

    body = client.get(reverse("registry:import_job_status", args=[job.pk])).content.decode()

    assert 'hx-trigger="every 1s"' in body
    assert f'hx-get="{reverse("registry:import_job_status", args=[job.pk])}"' in body
    assert 'role="progressbar"' in body and 'aria-valuenow="25"' in body
    assert "1000/4000" in body


def test_a_school_admin_cannot_import_into_another_school(client, users, tree, year, tmp_path):
    client.force_login(users.admin_a)

    page = client.get(reverse("registry:import")).content.decode()
    response = _post(client, tmp_path, tree.school_c, year, [student(1)])

    assert tree.school_a.name in page and tree.school_c.name not in page
    assert response.status_code == 400
    assert not ImportJob.objects.exists()
    assert Student.objects.count() == 0


def test_readers_without_write_access_get_403(client, users):
    client.force_login(users.teacher_a)

    assert client.get(reverse("registry:import")).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("registry:import"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_another_users_job_is_not_found(client, users, tree, year):
    job = ImportJob.objects.create(kind="students", school=tree.school_a, year=year, mode="partial",
                                   file_name="hs.xlsx", created_by=users.admin_a, status="done")  # fmt: skip
    client.force_login(users.province)

    for name in ("import_job", "import_job_status", "import_job_errors"):
        assert client.get(reverse(f"registry:{name}", args=[job.pk])).status_code == 404
    client.force_login(users.superuser)
    assert client.get(reverse("registry:import_job", args=[job.pk])).status_code == 200


@pytest.mark.parametrize("kind", ["students", "staff", "classes", "equipment"])
def test_templates_have_the_header_and_one_example_row(client, users, kind):
    from hocso.registry.importers.columns import SPECS

    client.force_login(users.admin_a)

    response = client.get(reverse("registry:import_template", args=[kind]))

    assert response.status_code == 200
    assert f"mau-nhap-{kind}.xlsx" in response["Content-Disposition"]
    rows = list(
        openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    assert list(rows[0]) == SPECS[kind].headers
    assert len(rows) == 2 and all(cell not in (None, "") for cell in rows[1])


def test_template_of_an_unknown_kind_is_404(client, users):
    client.force_login(users.admin_a)

    assert client.get(reverse("registry:import_template", args=["grades"])).status_code == 404


def test_the_upload_page_lists_my_recent_jobs(client, users, tree, year):
    ImportJob.objects.create(kind="staff", school=tree.school_a, mode="partial", file_name="gv-2025.xlsx",
                             created_by=users.admin_a, status="done")  # fmt: skip
    ImportJob.objects.create(kind="staff", school=tree.school_c, mode="partial", file_name="not-mine.xlsx",
                             created_by=users.admin_c, status="done")  # fmt: skip
    client.force_login(users.admin_a)

    body = client.get(reverse("registry:import")).content.decode()

    assert "gv-2025.xlsx" in body and "not-mine.xlsx" not in body
