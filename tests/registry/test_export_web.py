"""The export page: a school's lists downloaded as xlsx/csv by anyone who can read the school,
audited, re-importable; and the links to it from the school page and the import page."""

import re

import pytest
from django.urls import reverse

from hocso.accounts.models import AuditEntry
from hocso.registry.importers.columns import SPECS
from hocso.registry.models import Student

from ._spreadsheets import STUDENT_HEADERS, read_xlsx, run_import, student, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def learners(tmp_path, tree, year):
    path = write_xlsx(tmp_path / "in.xlsx", STUDENT_HEADERS, [student(1), student(2), student(3)])
    code, out, _ = run_import("students", path, tree.school_a)
    assert code == 0, out
    AuditEntry.objects.all().delete()  # only the export's own entries below


def _url(school):
    return reverse("registry:export", args=[school.code])


def _export(client, school, year, kind="students", fmt="xlsx"):
    return client.post(_url(school), {"kind": kind, "year": year.pk, "format": fmt})


def _save(response, path):
    path.write_bytes(response.getvalue())
    return path


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_downloaded_file_reimports_unchanged(client, users, tree, year, learners, tmp_path, fmt):
    client.force_login(users.admin_a)

    response = _export(client, tree.school_a, year, fmt=fmt)

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="hoc-sinh_84000001_2025-2026.{fmt}"'
    )
    assert response["Cache-Control"] == "no-store"
    path = _save(response, tmp_path / f"out.{fmt}")
    code, out, _ = run_import("students", path, tree.school_a)
    assert (code, out[-1]) == (0, "created=0 updated=0 unchanged=3 rejected=0"), out
    assert Student.objects.count() == 3


def test_xlsx_download_has_the_import_headers(client, users, tree, year, learners, tmp_path):
    client.force_login(users.admin_a)

    response = _export(client, tree.school_a, year)

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, *rows = read_xlsx(_save(response, tmp_path / "out.xlsx"))
    assert header == SPECS["students"].headers
    assert len(rows) == 3


def test_export_is_audited_with_the_user(client, users, tree, year, learners):
    client.force_login(users.admin_a)

    _export(client, tree.school_a, year, fmt="csv")

    entry = AuditEntry.objects.get(action="export")
    assert (entry.actor, entry.org_unit) == (users.admin_a, tree.school_a)
    assert entry.detail == {"kind": "students", "school": "84000001", "year": "2025-2026",
                            "format": "csv", "rows": 3}  # fmt: skip


def test_csv_download_starts_with_a_byte_order_mark(client, users, tree, year, learners):
    client.force_login(users.admin_a)

    response = _export(client, tree.school_a, year, fmt="csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.getvalue().startswith("\ufeffHọ và tên,".encode())


def test_get_shows_the_form_and_downloads_nothing(client, users, tree, year, learners):
    client.force_login(users.admin_a)

    response = client.get(_url(tree.school_a), {"kind": "students", "year": year.pk})

    assert response.status_code == 200
    assert "Content-Disposition" not in response
    body = response.content.decode()
    assert 'method="post"' in body and "csrfmiddlewaretoken" in body
    assert f'<option value="{year.pk}" selected>' in body  # the current school year by default
    assert not AuditEntry.objects.filter(action="export").exists()


@pytest.mark.parametrize("who", ["admin_c", "student_a", "guardian_a", "outsider"])
def test_school_outside_the_users_scope_is_404(client, users, tree, year, learners, who):
    client.force_login(getattr(users, who))

    assert client.get(_url(tree.school_a)).status_code == 404
    assert _export(client, tree.school_a, year).status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()


def test_unknown_school_is_404(client, users, year):
    client.force_login(users.superuser)

    assert client.get(reverse("registry:export", args=["00000000"])).status_code == 404


def test_district_officer_exports_a_school_below_it(client, users, tree, year):
    client.force_login(users.district2)

    response = _export(client, tree.school_c, year, kind="classes")

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('filename="lop_84000003_2025-2026.xlsx"')


@pytest.mark.parametrize("kind", ["students", "staff"])
def test_teacher_can_export(client, users, tree, year, learners, kind):
    client.force_login(users.teacher_a)

    response = _export(client, tree.school_a, year, kind=kind)

    assert response.status_code == 200
    assert AuditEntry.objects.get(action="export").actor == users.teacher_a


def test_staff_file_name_has_no_school_year(client, users, tree, year):
    client.force_login(users.admin_a)

    response = _export(client, tree.school_a, year, kind="staff", fmt="csv")

    assert response["Content-Disposition"] == 'attachment; filename="can-bo_84000001.csv"'
    assert AuditEntry.objects.get(action="export").detail["year"] == ""


def test_students_without_a_year_keep_the_choices_and_say_why(client, users, tree, year):
    client.force_login(users.admin_a)

    response = client.post(_url(tree.school_a), {"kind": "students", "year": "", "format": "csv"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "Hãy chọn năm học cho danh sách này" in body
    assert '<option value="students" selected>' in body
    assert re.search(r'<input type="radio" name="format" value="csv"[^>]* checked>', body)
    assert not AuditEntry.objects.filter(action="export").exists()


def test_anonymous_user_is_sent_to_log_in(client, tree, year):
    for response in (client.get(_url(tree.school_a)), _export(client, tree.school_a, year)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not AuditEntry.objects.filter(action="export").exists()


def test_school_page_offers_export_to_readers_and_import_to_writers(client, users, tree):
    export_url, import_url = _url(tree.school_a), reverse("registry:import")

    client.force_login(users.teacher_a)
    body = client.get(reverse("orgs:school", args=[tree.school_a.code])).content.decode()
    assert export_url in body and "Xuất Excel" in body
    assert import_url not in body and "Nhập Excel" not in body

    client.force_login(users.admin_a)
    body = client.get(reverse("orgs:school", args=[tree.school_a.code])).content.decode()
    assert export_url in body
    assert f"{import_url}?school=84000001" in body and "Nhập Excel" in body


def test_import_page_preselects_the_only_writable_school_and_links_its_export(client, users, tree):
    client.force_login(users.admin_a)

    body = client.get(reverse("registry:import")).content.decode()

    assert f'<option value="{tree.school_a.pk}" selected>' in body
    assert _url(tree.school_a) in body


def test_import_page_preselects_nothing_when_several_schools_are_writable(client, users, tree):
    client.force_login(users.province)

    body = client.get(reverse("registry:import")).content.decode()

    choices = body.split('name="school"')[1].split("</select>")[0]
    assert choices.count(" selected>") == 1 and '<option value="" selected>' in choices
    assert reverse("orgs:tree") in body


def test_import_page_preselects_the_school_it_was_opened_from(client, users, tree):
    client.force_login(users.province)

    body = client.get(reverse("registry:import"), {"school": tree.school_b.code}).content.decode()

    assert f'<option value="{tree.school_b.pk}" selected>' in body
