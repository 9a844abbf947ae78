"""The blueprint pages: the list, the editor with its cell table and availability counts,
deletion, the 2025 ready blueprints, and generating versions with the zip of their papers."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from hocso.curriculum.models import Subject
from hocso.questions.blueprints import blueprint_cells
from hocso.questions.models import Blueprint

from .blueprint_setup import approved, small_blueprint
from .items import single_choice

pytestmark = pytest.mark.django_db

LIST = reverse("questions:blueprint_list")
NEW = reverse("questions:blueprint_new")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _url(name, blueprint):
    url = reverse(f"questions:{name}", args=[blueprint.pk])
    return url


def _key_rows(archive) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(archive.read("dap_an.xlsx")))
    return list(workbook.active.iter_rows(values_only=True))


def _pool(bank, n, *, topic=None, level=""):
    return [
        approved(bank, single_choice(stem=f"Câu {n}-{i} {level}"), grade=6, topic=topic,
                 level=level)
        for i in range(n)
    ]  # fmt: skip


def _form(qworld, tree=None, *, cells, total="2", code="KT1", **extra):
    data = {
        "code": code, "name": "Kiểm tra 15 phút", "subject": qworld.math.pk, "grade": "6",
        "duration_minutes": "15", "total_points": total,
        "part_code": ["I"], "part_title": ["PHẦN I"], "part_instructions": ["Chọn một."],
        "cell_part": [], "cell_topic": [], "cell_level": [], "cell_item_type": [],
        "cell_count": [], "cell_points": [],
    }  # fmt: skip
    if tree is not None:
        data["org_unit"] = tree.school_a.pk
    for cell in cells:
        for key, value in zip(
            ("cell_part", "cell_topic", "cell_level", "cell_item_type", "cell_count",
             "cell_points"), cell, strict=True,
        ):  # fmt: skip
            data[key].append(value)
    data.update(extra)
    return data


# --- list ---------------------------------------------------------------------------------------


def test_the_list_shows_the_actors_and_the_provinces_blueprints_not_another_schools(
    client, users, tree, qworld
):
    own = small_blueprint(tree.school_a, qworld.math, code="A1")
    province = small_blueprint(tree.province, qworld.math, code="SO1")
    small_blueprint(tree.school_c, qworld.math, code="C1")
    client.force_login(users.teacher_a)
    response = client.get(LIST)
    assert response.status_code == 200
    shown = {b.pk for b in response.context["page_obj"].object_list}
    assert shown == {own.pk, province.pk}


def test_the_list_search_ignores_diacritics(client, users, tree, qworld):
    small_blueprint(tree.school_a, qworld.math, code="A1")
    client.force_login(users.teacher_a)
    assert client.get(LIST, {"q": "KIEM TRA"}).context["page_obj"].paginator.count == 1
    assert client.get(LIST, {"q": "hoa hoc"}).context["page_obj"].paginator.count == 0


def test_an_empty_list_offers_the_2025_blueprint(client, users):
    client.force_login(users.teacher_a)
    response = client.get(LIST)
    body = response.content.decode()
    assert "Chưa có ma trận đề nào" in body
    assert reverse("questions:blueprint_2025") in body


def test_a_learner_may_not_open_the_blueprint_pages(client, users):
    client.force_login(users.student_a)
    assert client.get(LIST).status_code == 403


def test_creating_the_2025_blueprint_of_a_subject(client, users, tree):
    client.force_login(users.teacher_a)
    math = Subject.objects.get(code="TOAN")
    response = client.post(
        reverse("questions:blueprint_2025"), {"subject": math.pk, "org_unit": tree.school_a.pk}
    )
    blueprint = Blueprint.objects.get(org_unit=tree.school_a)
    assert response.status_code == 302
    assert response["Location"] == _url("blueprint_edit", blueprint)
    assert [c.count for c in blueprint_cells(blueprint)] == [12, 4, 6]


def test_the_2025_blueprint_cannot_be_owned_by_another_school(client, users, tree):
    client.force_login(users.teacher_a)
    math = Subject.objects.get(code="TOAN")
    client.post(
        reverse("questions:blueprint_2025"), {"subject": math.pk, "org_unit": tree.school_c.pk}
    )
    assert not Blueprint.objects.exists()


# --- editor -------------------------------------------------------------------------------------


def test_a_teacher_creates_a_blueprint_with_its_cells(client, users, tree, qworld):
    client.force_login(users.teacher_a)
    data = _form(
        qworld, tree, total="3",
        cells=[("I", str(qworld.topic.pk), "biet", "single_choice", "2", "1"),
               ("I", "", "", "single_choice", "1", "1")],
    )  # fmt: skip
    response = client.post(NEW, data)
    blueprint = Blueprint.objects.get()
    assert response.status_code == 302
    assert blueprint.org_unit == tree.school_a
    cells = blueprint_cells(blueprint)
    assert [(c.topic, c.level, c.count) for c in cells] == [
        (qworld.topic, "biet", 2),
        (None, "", 1),
    ]


def test_cells_that_do_not_add_up_keep_what_was_typed_and_say_why(client, users, tree, qworld):
    client.force_login(users.teacher_a)
    data = _form(qworld, tree, total="10", cells=[("I", "", "", "single_choice", "2", "0,5")])
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert not Blueprint.objects.exists()
    assert any("Tổng điểm các ô là 1" in e for e in response.context["cell_errors"])
    row = response.context["rows"][0]
    assert (row.count, row.points) == ("2", "0,5")
    assert 'value="0,5"' in response.content.decode()


def test_a_bad_row_is_named_next_to_it(client, users, tree, qworld):
    client.force_login(users.teacher_a)
    data = _form(
        qworld, tree,
        cells=[("I", "", "", "single_choice", "1", "1"), ("I", "", "", "", "abc", "-1")],
    )  # fmt: skip
    response = client.post(NEW, data)
    errors = response.context["rows"][1].errors
    assert any("Ô 2: chưa chọn dạng câu hỏi" in e for e in errors)
    assert any("Ô 2: số câu phải là số nguyên" in e and "abc" in e for e in errors)
    assert any("Ô 2: điểm mỗi câu" in e for e in errors)
    assert response.context["rows"][0].errors == []
    assert not Blueprint.objects.exists()


def test_a_header_field_error_lands_on_its_field(client, users, tree, qworld):
    client.force_login(users.teacher_a)
    data = _form(qworld, tree, code="mã có dấu", cells=[("I", "", "", "single_choice", "2", "1")])
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert response.context["form"].errors["code"]


def test_a_duplicate_code_is_reported(client, users, tree, qworld):
    small_blueprint(tree.school_a, qworld.math, code="KT1")
    client.force_login(users.teacher_a)
    response = client.post(
        NEW, _form(qworld, tree, cells=[("I", "", "", "single_choice", "2", "1")])
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Blueprint.objects.count() == 1


def test_the_editor_shows_the_available_items_per_cell(client, users, tree, qworld):
    _pool(qworld.bank_a, 3, topic=qworld.topic, level="biet")
    blueprint = small_blueprint(tree.school_a, qworld.math, topic=qworld.topic, level="biet",
                                count=5)  # fmt: skip
    client.force_login(users.teacher_a)
    response = client.get(_url("blueprint_edit", blueprint))
    row = response.context["rows"][0]
    assert (row.need, row.available, row.short) == (5, 3, True)
    body = response.content.decode()
    assert "có 3/5" in body and "text-bg-danger" in body


def test_editing_replaces_the_cells(client, users, tree, qworld):
    blueprint = small_blueprint(tree.school_a, qworld.math, count=2)
    client.force_login(users.teacher_a)
    data = _form(qworld, total="4", cells=[("I", "", "", "single_choice", "4", "1")])
    response = client.post(_url("blueprint_edit", blueprint), data)
    assert response.status_code == 302
    assert [c.count for c in blueprint_cells(blueprint)] == [4]


def test_another_schools_teacher_gets_404(client, qworld, tree):
    blueprint = small_blueprint(tree.school_a, qworld.math)
    client.force_login(qworld.teacher_c)
    for name in ("blueprint_edit", "blueprint_generate", "blueprint_download"):
        assert client.get(_url(name, blueprint)).status_code == 404
    assert client.post(_url("blueprint_delete", blueprint)).status_code == 404
    assert Blueprint.objects.filter(pk=blueprint.pk).exists()


def test_a_school_sees_the_provinces_blueprint_read_only(client, users, tree, qworld):
    blueprint = small_blueprint(tree.province, qworld.math)
    client.force_login(users.teacher_a)
    response = client.get(_url("blueprint_edit", blueprint))
    assert response.templates[0].name == "questions/blueprint_detail.html"
    assert client.post(_url("blueprint_delete", blueprint)).status_code == 403
    assert client.post(_url("blueprint_edit", blueprint), {"code": "X"}).status_code == 403


def test_the_owner_units_teacher_deletes_a_blueprint_after_a_confirmation(
    client, users, tree, qworld
):
    blueprint = small_blueprint(tree.school_a, qworld.math)
    client.force_login(users.teacher_a)
    page = client.get(_url("blueprint_edit", blueprint)).content.decode()
    assert f'action="{_url("blueprint_delete", blueprint)}"' in page
    assert 'data-confirm="Xoá ma trận đề KT15?' in page
    response = client.post(_url("blueprint_delete", blueprint))
    assert response.status_code == 302
    assert not Blueprint.objects.exists()


# --- generation -------------------------------------------------------------------------------


def test_generating_links_a_zip_of_every_paper_and_both_keys(client, users, tree, qworld):
    _pool(qworld.bank_a, 4)
    blueprint = small_blueprint(tree.school_a, qworld.math, count=3)
    client.force_login(users.teacher_a)
    response = client.post(_url("blueprint_generate", blueprint), {"versions": "3", "seed": "42"})
    assert response.status_code == 200
    assert [v.code for v in response.context["generated"]] == ["101", "102", "103"]
    download = client.get(response.context["download_url"])
    assert download["Content-Type"] == "application/zip"
    assert 'filename="de_thi_KT15_42.zip"' in download["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    names = archive.namelist()
    assert names == ["de_101.pdf", "de_102.pdf", "de_103.pdf", "dap_an.pdf", "dap_an.xlsx"]
    assert all(archive.read(n).startswith(b"%PDF-") for n in names if n.endswith(".pdf"))


def test_the_same_seed_downloads_the_same_papers(client, users, tree, qworld):
    _pool(qworld.bank_a, 6)
    blueprint = small_blueprint(tree.school_a, qworld.math, count=2)
    client.force_login(users.teacher_a)
    url = reverse("questions:blueprint_download", args=[blueprint.pk])
    query = {"versions": "2", "seed": "7", "codes": "A1, B2"}
    first = zipfile.ZipFile(io.BytesIO(client.get(url, query).content))
    second = zipfile.ZipFile(io.BytesIO(client.get(url, query).content))
    assert first.namelist()[:2] == ["de_A1.pdf", "de_B2.pdf"]
    # The key's rows (the workbook file itself carries the time it was written).
    assert _key_rows(first) == _key_rows(second)
    assert len(_key_rows(first)) == 1 + 2 * 2


def test_a_short_bank_lists_the_cells_instead_of_generating(client, users, tree, qworld):
    _pool(qworld.bank_a, 1)
    blueprint = small_blueprint(tree.school_a, qworld.math, count=3)
    client.force_login(users.teacher_a)
    response = client.post(_url("blueprint_generate", blueprint), {"versions": "2", "seed": "1"})
    assert response.context["generated"] is None
    body = response.content.decode()
    assert "cần 3 câu, có 1" in body
    assert "Phần I, Trắc nghiệm một lựa chọn" in body


def test_the_number_of_versions_is_1_to_24_and_codes_must_match_it(client, users, tree, qworld):
    _pool(qworld.bank_a, 2)
    blueprint = small_blueprint(tree.school_a, qworld.math, count=2)
    client.force_login(users.teacher_a)
    url = _url("blueprint_generate", blueprint)
    assert client.post(url, {"versions": "25", "seed": "1"}).context["form"].errors["versions"]
    response = client.post(url, {"versions": "2", "seed": "1", "codes": "101"})
    assert response.context["form"].errors["codes"]
    assert response.context["generated"] is None


def test_the_generation_form_offers_a_random_seed(client, users, tree, qworld):
    blueprint = small_blueprint(tree.school_a, qworld.math, count=2)
    client.force_login(users.teacher_a)
    form = client.get(_url("blueprint_generate", blueprint)).context["form"]
    assert form["seed"].value().isdigit()
    assert Decimal(form["versions"].value()) >= 1


def test_the_new_blueprint_page_starts_with_one_part_and_one_empty_cell(client, users, tree):
    client.force_login(users.teacher_a)
    response = client.get(NEW)
    assert response.status_code == 200
    assert [p["code"] for p in response.context["parts"]] == ["I"]
    assert len(response.context["rows"]) == 1
    assert response.context["form"]["org_unit"].value() == tree.school_a.pk
    body = response.content.decode()
    assert 'data-row-template="cells"' in body and 'id="cell-count-__i__"' in body


def test_points_may_be_typed_with_a_decimal_comma(client, users, tree, qworld):
    client.force_login(users.teacher_a)
    data = _form(qworld, tree, total="1,5", cells=[("I", "", "", "single_choice", "6", "0,25")])
    response = client.post(NEW, data)
    blueprint = Blueprint.objects.get()
    assert response.status_code == 302
    assert blueprint.total_points == Decimal("1.5")
    page = client.get(_url("blueprint_edit", blueprint)).content.decode()
    assert 'name="total_points" value="1,5"' in page
    assert 'value="0,25"' in page
