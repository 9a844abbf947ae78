"""A bank's import and export page: a dry run that writes nothing and lists every problem, a
confirmation that imports exactly the checked file, downloads in each format that read back,
and the xlsx template."""

import io
import os
import zipfile

import pytest
from django.urls import reverse

from hocso.questions import services
from hocso.questions.formats import gift, moodle_xml, qti, xlsx
from hocso.questions.interchange import ItemData, ItemType
from hocso.questions.models import Item

from .items import short_numeric, single_choice, true_false_4

GOOD_GIFT = "::Q1:: 2 + 2 = ? {=4 ~3 ~5}\n\n::Q2:: Thủ đô của Việt Nam? {=Hà Nội}\n"
BAD_GIFT = "::Q1:: 2 + 2 = ? {=4 ~3 ~5}\n\n::Q2:: Trống {=a ~}\n"


@pytest.fixture(autouse=True)
def _staging(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def _page(bank):
    return reverse("questions:bank_exchange", args=[bank.code])


def _upload(text: str | bytes, name="cau-hoi.txt"):
    handle = io.BytesIO(text.encode("utf-8") if isinstance(text, str) else text)
    handle.name = name
    return handle


def _check(client, bank, text, fmt="gift", name="cau-hoi.txt"):
    return client.post(_page(bank), {"step": "check", "format": fmt, "file": _upload(text, name)})


def test_a_dry_run_shows_the_counts_and_writes_nothing(client, users, qworld):
    client.force_login(users.teacher_a)
    response = _check(client, qworld.bank_a, GOOD_GIFT)
    summary = response.context["summary"]
    assert (summary.created, summary.rejected, summary.written) == (2, 0, False)
    assert response.context["dry_run"] and response.context["token"]
    assert "Xác nhận nhập" in response.content.decode()
    assert Item.objects.count() == 0


def test_confirming_imports_the_checked_file_once(client, users, qworld):
    client.force_login(users.teacher_a)
    token = _check(client, qworld.bank_a, GOOD_GIFT).context["token"]
    response = client.post(_page(qworld.bank_a), {"step": "confirm", "token": token})
    summary = response.context["summary"]
    assert (summary.created, summary.written) == (2, True)
    assert sorted(Item.objects.filter(bank=qworld.bank_a).values_list("name", flat=True)) == [
        "Q1", "Q2",
    ]  # fmt: skip
    # The staged file is gone: confirming again imports nothing more.
    again = client.post(_page(qworld.bank_a), {"step": "confirm", "token": token})
    assert again.context["stale"] and Item.objects.count() == 2


def test_importing_the_same_file_again_reports_it_unchanged(client, users, qworld):
    client.force_login(users.teacher_a)
    token = _check(client, qworld.bank_a, GOOD_GIFT).context["token"]
    client.post(_page(qworld.bank_a), {"step": "confirm", "token": token})
    summary = _check(client, qworld.bank_a, GOOD_GIFT).context["summary"]
    assert (summary.created, summary.unchanged) == (0, 2)


def test_problems_are_listed_with_where_and_nothing_can_be_confirmed(client, users, qworld):
    client.force_login(users.teacher_a)
    response = _check(client, qworld.bank_a, BAD_GIFT)
    assert response.context["summary"].rejected == 1
    assert response.context["problems"] == [
        {"where": "dòng 3", "kind": "invalid", "message": "Phương án trống."}
    ]
    page = response.content.decode()
    assert "dòng 3" in page and "Xác nhận nhập" not in page
    assert "token" not in response.context
    assert Item.objects.count() == 0


def test_files_checked_but_never_confirmed_are_forgotten_after_a_day(
    client, users, qworld, tmp_path
):
    client.force_login(users.teacher_a)
    first = _check(client, qworld.bank_a, GOOD_GIFT).context["token"]
    staged = tmp_path / "question-imports" / first
    day_old = staged.stat().st_mtime - 24 * 3600 - 60
    os.utime(staged, (day_old, day_old))
    client.force_login(qworld.teacher_a2)  # another user's check sweeps the old file
    _check(client, qworld.bank_a, GOOD_GIFT)
    assert not staged.exists()


def test_a_token_from_another_session_is_refused(client, users, qworld):
    client.force_login(users.teacher_a)
    token = _check(client, qworld.bank_a, GOOD_GIFT).context["token"]
    client.force_login(qworld.teacher_a2)
    response = client.post(_page(qworld.bank_a), {"step": "confirm", "token": token})
    assert response.context["stale"] and Item.objects.count() == 0


def test_a_file_that_is_not_of_the_format_is_reported_and_nothing_is_written(client, users, qworld):
    client.force_login(users.teacher_a)
    response = _check(client, qworld.bank_a, b"not a zip", fmt="qti", name="x.zip")
    assert response.context["summary"].rejected == 1
    assert response.context["problems"][0]["kind"] == "malformed"
    assert "token" not in response.context and Item.objects.count() == 0


def test_a_teacher_cannot_import_into_the_provinces_bank(client, users, qworld):
    client.force_login(users.teacher_a)
    page = client.get(_page(qworld.province_bank))
    assert page.status_code == 200 and not page.context["can_import"]
    assert _check(client, qworld.province_bank, GOOD_GIFT).status_code == 403
    assert Item.objects.count() == 0


def test_another_schools_bank_is_404(client, users, qworld):
    client.force_login(users.teacher_a)
    assert client.get(_page(qworld.bank_c)).status_code == 404
    assert _check(client, qworld.bank_c, GOOD_GIFT).status_code == 404


# --- export ----------------------------------------------------------------------------------


@pytest.fixture
def filled_bank(users, qworld):
    for data in (
        single_choice(name="MC", stem="Tính \\(2+2\\)"),
        short_numeric(name="SN"),
        true_false_4(name="TF4"),
    ):
        services.item_create(actor=users.teacher_a, bank=qworld.bank_a, data=data)
    return qworld.bank_a


def _download(client, bank, fmt, **params):
    return client.get(reverse("questions:bank_export", args=[bank.code, fmt]), params)


def _names(items) -> set[str]:
    return {item.name for item in items}


@pytest.mark.parametrize(
    ("fmt", "module"),
    [("gift", gift), ("moodle-xml", moodle_xml), ("qti", qti), ("xlsx", xlsx)],
)
def test_each_export_downloads_and_reads_back(client, users, filled_bank, fmt, module):
    client.force_login(users.teacher_a)
    response = _download(client, filled_bank, fmt)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="A-TOAN')
    result = module.read(response.content)
    assert not result.problems
    assert _names(result.items) == {"MC", "SN", "TF4"}
    stems = {item.name: item.stem for item in result.items}
    assert "\\(2+2\\)" in stems["MC"]


def test_items_a_format_cannot_hold_are_listed_before_downloading(client, users, qworld):
    services.item_create(actor=users.teacher_a, bank=qworld.bank_a, data=single_choice(name="MC"))
    services.item_create(
        actor=users.teacher_a,
        bank=qworld.bank_a,
        data=ItemData(type=ItemType.ORDERING, stem="Sắp xếp", name="ORD", order=["a", "b"]),
    )
    client.force_login(users.teacher_a)
    response = _download(client, qworld.bank_a, "gift")
    assert response.status_code == 200 and "Content-Disposition" not in response
    assert [item.name for item, _reason in response.context["skipped"]] == ["ORD"]
    file = _download(client, qworld.bank_a, "gift", confirm="1")
    assert _names(gift.read(file.content.decode("utf-8")).items) == {"MC"}


def test_export_of_an_invisible_bank_is_404(client, users, qworld):
    client.force_login(users.teacher_a)
    assert _download(client, qworld.bank_c, "gift").status_code == 404
    assert _download(client, qworld.bank_a, "pdf").status_code == 404


def test_the_xlsx_template_downloads(client, users, qworld):
    client.force_login(users.teacher_a)
    response = client.get(reverse("questions:xlsx_template"))
    assert response.status_code == 200
    assert zipfile.is_zipfile(io.BytesIO(response.content))
    assert xlsx.read(response.content).items == []
