"""Blueprint services and selectors (questions/blueprints.py)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hocso.curriculum.models import GradeSubject, Subject, Topic
from hocso.questions import blueprints
from hocso.questions.blueprints import (
    CellInput,
    blueprint_check,
    blueprints_visible,
    exam_versions_generate,
)
from hocso.questions.interchange import ItemType
from hocso.questions.models import Blueprint, BlueprintCell
from hocso.questions.services import item_create

from .blueprint_setup import approved, math_2025_blueprint, small_blueprint
from .items import single_choice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _sc(n):
    return single_choice(stem=f"Câu số {n}", right=f"đúng {n}")


# --- writing ----------------------------------------------------------------------------------


def test_a_teacher_creates_a_blueprint_for_their_school(users, tree, qworld):
    blueprint = blueprints.blueprint_create(
        actor=users.teacher_a, org_unit=tree.school_a, code="GK1-TOAN6", name="Giữa kì I",
        subject=qworld.math, grade=6, duration_minutes=45, total_points=Decimal(10),
        cells=[CellInput(part="I", item_type=ItemType.SINGLE_CHOICE, count=8,
                         points_per_item=Decimal("0.5"), topic=qworld.topic, level="biet"),
               CellInput(part="II", item_type=ItemType.ESSAY, count=2,
                         points_per_item=Decimal(3))],
    )  # fmt: skip
    assert blueprint.created_by == users.teacher_a
    assert [p["code"] for p in blueprint.parts] == ["I", "II"]
    assert [(c.part, c.count) for c in blueprint.cells.all()] == [("I", 8), ("II", 2)]


@pytest.mark.parametrize("unit", ["school_c", "province"])
def test_a_teacher_cannot_create_for_another_unit(users, tree, qworld, unit):
    with pytest.raises(PermissionDenied):
        blueprints.blueprint_create(
            actor=users.teacher_a, org_unit=getattr(tree, unit), code="X", name="X",
            subject=qworld.math, grade=6, duration_minutes=15, total_points=Decimal(1),
            cells=[CellInput(part="I", item_type=ItemType.SINGLE_CHOICE, count=1,
                             points_per_item=Decimal(1))],
        )  # fmt: skip


def test_cells_must_add_up_to_the_total_points(tree, qworld):
    with pytest.raises(ValidationError, match="Tổng điểm các ô là 2,5, khác tổng điểm của đề 10"):
        blueprints.blueprint_create(
            actor=None, org_unit=tree.school_a, code="X", name="X", subject=qworld.math, grade=6,
            duration_minutes=15, total_points=Decimal(10),
            cells=[CellInput(part="I", item_type=ItemType.SINGLE_CHOICE, count=10,
                             points_per_item=Decimal("0.25"))],
        )  # fmt: skip
    assert not Blueprint.objects.exists()


def test_a_topic_of_another_grade_is_refused(tree, qworld):
    math7 = GradeSubject.objects.get(grade=7, subject=qworld.math)
    topic7 = Topic.objects.create(grade_subject=math7, code="T7.1", name="Số hữu tỉ", order=1)
    with pytest.raises(ValidationError, match="chủ đề phải thuộc"):
        small_blueprint(tree.school_a, qworld.math, topic=topic7)


def test_a_code_is_unique_within_its_unit(tree, qworld):
    small_blueprint(tree.school_a, qworld.math)
    with pytest.raises(ValidationError):
        small_blueprint(tree.school_a, qworld.math)
    small_blueprint(tree.school_c, qworld.math)  # another unit may use the same code


def test_update_replaces_the_cells_and_checks_the_points(users, tree, qworld):
    blueprint = small_blueprint(tree.school_a, qworld.math, count=2)
    updated = blueprints.blueprint_update(
        actor=users.teacher_a, blueprint=blueprint, name="Kiểm tra 15 phút (sửa)",
        cells=[CellInput(part="I", item_type=ItemType.SHORT_NUMERIC, count=4,
                         points_per_item=Decimal("0.5"))],
    )  # fmt: skip
    assert updated.name == "Kiểm tra 15 phút (sửa)"
    assert [(c.item_type, c.count) for c in updated.cells.all()] == [("short_numeric", 4)]
    with pytest.raises(ValidationError):
        blueprints.blueprint_update(actor=None, blueprint=updated, total_points=Decimal(3))
    with pytest.raises(PermissionDenied):
        blueprints.blueprint_update(actor=qworld.teacher_c, blueprint=updated, name="X")


def test_delete_is_for_the_owner_units_staff(users, tree, qworld):
    blueprint = small_blueprint(tree.school_a, qworld.math)
    with pytest.raises(PermissionDenied):
        blueprints.blueprint_delete(actor=qworld.teacher_c, blueprint=blueprint)
    blueprints.blueprint_delete(actor=users.teacher_a, blueprint=blueprint)
    assert not Blueprint.objects.exists() and not BlueprintCell.objects.exists()


# --- reading ----------------------------------------------------------------------------------


def test_staff_see_their_units_blueprints_and_those_above_not_other_schools(users, tree, qworld):
    mine = small_blueprint(tree.school_a, qworld.math, code="A")
    province = small_blueprint(tree.province, qworld.math, code="P")
    small_blueprint(tree.school_c, qworld.math, code="C")
    assert set(blueprints_visible(actor=users.teacher_a)) == {mine, province}
    assert blueprints.blueprint_get(actor=users.teacher_a, pk=province.pk) == province
    assert not blueprints_visible(actor=users.student_a).exists()
    assert not blueprints_visible(actor=users.guardian_a).exists()
    assert blueprints_visible(actor=None).count() == 3


# --- availability -----------------------------------------------------------------------------


def test_the_check_counts_only_approved_items_the_actor_may_see(users, tree, qworld):
    blueprint = small_blueprint(tree.school_a, qworld.math, count=3)
    approved(qworld.bank_a, _sc(1), grade=6)
    approved(qworld.bank_a, _sc(2), grade=6)
    item_create(actor=None, bank=qworld.bank_a, data=_sc(3))  # a draft: not counted
    approved(qworld.bank_c, _sc(4), grade=6)  # school C's, shared in school C only
    approved(qworld.bank_a, _sc(5), grade=7)  # another grade
    [short] = blueprint_check(actor=users.teacher_a, blueprint=blueprint)
    assert (short.need, short.available) == (3, 2)
    assert blueprint_check(actor=None, blueprint=blueprint) == []  # the system sees school C's


def test_a_specific_cell_takes_its_items_before_a_general_one(tree, qworld):
    blueprint = blueprints.blueprint_create(
        actor=None, org_unit=tree.school_a, code="X", name="X", subject=qworld.math, grade=6,
        duration_minutes=15, total_points=Decimal(4),
        cells=[CellInput(part="I", item_type=ItemType.SINGLE_CHOICE, count=2,
                         points_per_item=Decimal(1)),
               CellInput(part="I", item_type=ItemType.SINGLE_CHOICE, count=2,
                         points_per_item=Decimal(1), topic=qworld.topic, level="biet")],
    )  # fmt: skip
    for n in range(3):
        approved(qworld.bank_a, _sc(n), grade=6, topic=qworld.topic, level="biet")
    approved(qworld.bank_a, _sc(9), grade=6, level="hieu")
    rows = blueprints.blueprint_availability(actor=None, blueprint=blueprint)
    # The specific cell takes 2 of its 3; the general one takes the third and the other one,
    # and nothing is left over.
    assert [(r.need, r.available, r.short) for r in rows] == [(2, 2, False), (2, 2, False)]
    approved(qworld.bank_a, _sc(10), grade=6, level="biet")
    rows = blueprints.blueprint_availability(actor=None, blueprint=blueprint)
    # The new item fits only the general cell, which frees a topic item: spare for both.
    assert [r.available for r in rows] == [3, 3]


def test_availability_is_one_grouped_query_whatever_the_cells(
    tree, qworld, django_assert_num_queries
):
    blueprint = blueprints.blueprint_create(
        actor=None, org_unit=tree.school_a, code="X", name="X", subject=qworld.math, grade=6,
        duration_minutes=15, total_points=Decimal(6),
        cells=[CellInput(part="I", item_type=kind, count=2, points_per_item=Decimal(1))
               for kind in (ItemType.SINGLE_CHOICE, ItemType.TRUE_FALSE_4,
                            ItemType.SHORT_NUMERIC)],
    )  # fmt: skip
    for n in range(5):
        approved(qworld.bank_a, _sc(n), grade=6)
    with django_assert_num_queries(2):  # the cells, then the grouped count
        rows = blueprints.blueprint_availability(actor=None, blueprint=blueprint)
    assert [r.available for r in rows] == [5, 0, 0]


# --- the 2025 blueprints ----------------------------------------------------------------------


def test_the_2025_mathematics_blueprint(tree, qworld):
    blueprint = math_2025_blueprint(tree.province, qworld.math)
    cells = [(c.part, c.item_type, c.count, c.points_per_item) for c in blueprint.cells.all()]
    assert cells == [
        ("I", "single_choice", 12, Decimal("0.25")),
        ("II", "true_false_4", 4, Decimal(1)),
        ("III", "short_numeric", 6, Decimal("0.5")),
    ]
    assert blueprint.duration_minutes == 90 and blueprint.total_points == 10
    assert blueprint.grade == 12 and blueprint.code == "TN2025-TOAN-12"
    assert [p["title"] for p in blueprint.parts] == ["PHẦN I", "PHẦN II", "PHẦN III"]
    assert "từ câu 1 đến câu 12" in blueprint.parts[0]["instructions"]
    assert "a), b), c), d)" in blueprint.parts[1]["instructions"]


@pytest.mark.parametrize("code", ["VL", "HH", "SH"])
def test_the_2025_science_blueprints(tree, code):
    subject = Subject.objects.get(code=code)
    blueprint = math_2025_blueprint(tree.province, subject)
    cells = [(c.count, c.points_per_item) for c in blueprint.cells.all()]
    assert cells == [(18, Decimal("0.25")), (4, Decimal(1)), (6, Decimal("0.25"))]
    assert blueprint.duration_minutes == 50 and blueprint.total_points == 10
    assert "từ câu 1 đến câu 18" in blueprint.parts[0]["instructions"]


def test_there_is_no_2025_blueprint_for_other_subjects(tree):
    with pytest.raises(ValidationError, match="Ngữ văn"):
        math_2025_blueprint(tree.province, Subject.objects.get(code="NV"))


def test_generating_needs_a_blueprint_the_actor_may_see(users, tree, qworld):
    for n in range(2):
        approved(qworld.bank_a, _sc(n), grade=6)
    blueprint = small_blueprint(tree.school_a, qworld.math)
    with pytest.raises(PermissionDenied):
        exam_versions_generate(actor=qworld.teacher_c, blueprint=blueprint, versions=1, seed=1)
    [version] = exam_versions_generate(
        actor=users.teacher_a, blueprint=blueprint, versions=1, seed=1
    )
    assert len(version.questions) == 2
