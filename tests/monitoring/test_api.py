"""GET /api/v1/indicators (the catalog) and GET /api/v1/indicators/{code}/values."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hocso.accounts.services import token_create
from hocso.monitoring.compute import recompute
from hocso.monitoring.models import Indicator, IndicatorValue
from hocso.orgs.models import OrgKind, SchoolType
from hocso.registry import services as registry

from ..factories import make_school, make_unit, make_year

CATALOG = "/api/v1/indicators"


def values_url(code: str) -> str:
    return f"/api/v1/indicators/{code}/values"


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {token_create(user=user)}"}


def _store(code: str, unit, year, numerator, denominator=None, breakdown: str = ""):
    return IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code=code), org_unit=unit, year=year,
        breakdown=breakdown, numerator=Decimal(numerator),
        denominator=None if denominator is None else Decimal(denominator),
        computed_at=timezone.now(),
    )  # fmt: skip


def _store_tree(code: str, tree, year, per_school: dict[str, tuple]):
    """Stored rows for the three schools and every unit above them, summed by hand."""
    schools = {"a": tree.school_a, "b": tree.school_b, "c": tree.school_c}
    for tag, (num, den) in per_school.items():
        _store(code, schools[tag], year, num, den)

    def total(*tags):
        nums = sum(per_school[t][0] for t in tags)
        dens = [per_school[t][1] for t in tags]
        return nums, None if None in dens else sum(dens)

    _store(code, tree.commune1, year, *total("a", "b"))
    _store(code, tree.district1, year, *total("a", "b"))
    _store(code, tree.commune2, year, *total("c"))
    _store(code, tree.district2, year, *total("c"))
    _store(code, tree.province, year, *total("a", "b", "c"))


def _learners(school, year, grade: int, with_id: int, without_id: int = 0):
    """Learners enrolled in one class of `school`: `with_id` with a valid national ID, the
    others identified by their MOET code only."""
    school_class = registry.class_create(
        actor=None, school=school, year=year, grade=grade, name=f"{grade}A"
    )
    for i in range(with_id + without_id):
        born = date(2019 - grade, 1 + i % 12, 1 + i // 12)
        serial = f"{school.pk % 1000:03d}{i:03d}"  # pks run past 999 on PostgreSQL
        if i < with_id:
            values = {"national_id": f"0842{born.year % 100:02d}{serial}"}
        else:
            values = {"moet_code": f"8400{serial}"}
        student = registry.student_create(
            actor=None, school=school, full_name=f"Học sinh {school.code} {i}", gender="M",
            date_of_birth=born, **values,
        )  # fmt: skip
        registry.student_enroll(
            actor=None, student=student, school_class=school_class, start_date=year.start_date
        )


# --- the catalog --------------------------------------------------------------------------------


def test_the_catalog_needs_a_signed_in_user(client, db):
    assert client.get(CATALOG).status_code == 401


@pytest.mark.parametrize("role", ["student_a", "guardian_a", "outsider", "province"])
def test_any_signed_in_user_reads_the_whole_catalog(client, users, role):
    response = client.get(CATALOG, {"page_size": 100}, headers=_auth(getattr(users, role)))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == Indicator.objects.count() == len(body["items"])
    assert [item["code"] for item in body["items"]] == list(
        Indicator.objects.order_by("order", "code").values_list("code", flat=True)
    )


def test_the_catalog_shows_units_targets_and_which_indicators_have_no_data_source(client, users):
    body = client.get(CATALOG, {"page_size": 100}, headers=_auth(users.teacher_a)).json()
    items = {item["code"]: item for item in body["items"]}
    facilities = items["facilities_managed"]
    assert set(facilities) == {
        "code", "name", "name_en", "definition", "unit", "source", "lowest_level",
        "disaggregations", "in_plan", "higher_is_better", "targets",
    }  # fmt: skip
    assert facilities["unit"] == "percent"
    assert facilities["source"] == "live"
    assert facilities["in_plan"] is True
    assert facilities["targets"] == [{"year": 2025, "value": 80.0}, {"year": 2030, "value": 100.0}]
    assert items["learners_online_ready"]["disaggregations"] == [
        "school_level", "ownership", "area", "gender", "ethnicity",
    ]  # fmt: skip
    for code in ("online_curriculum_share", "eservices_online"):
        assert items[code]["source"] == "none"
    assert items["enrollment"]["targets"] == []
    assert items["dropout_rate"]["higher_is_better"] is False


def test_the_catalog_reads_targets_in_a_fixed_number_of_queries(
    client, users, django_assert_max_num_queries
):
    headers = _auth(users.province)
    with django_assert_max_num_queries(8):
        assert client.get(CATALOG, {"page_size": 100}, headers=headers).status_code == 200


# --- values from stored rows --------------------------------------------------------------------


def test_the_province_value_comes_from_its_row_and_children_from_theirs(client, tree, users, year):
    _store_tree("learners_valid_id", tree, year, {"a": (3, 4), "b": (1, 1), "c": (0, 5)})
    response = client.get(
        values_url("learners_valid_id"), {"org": "84", "year": "2025-2026"},
        headers=_auth(users.province),
    )  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "code": "learners_valid_id",
        "org": "84",
        "year": "2025-2026",
        "numerator": 4.0,
        "denominator": 10.0,
        "value": 40.0,
        # 2025-2026 ends in 2026; the only target is 2025's ("100% by 2025"), still in force.
        "target": 100.0,
        "children": [
            # by name: "Huyện Trà Cú" before "Thành phố Trà Vinh"
            {"org": "847", "name": "Huyện Trà Cú", "numerator": 0.0, "denominator": 5.0,
             "value": 0.0},
            {"org": "842", "name": "Thành phố Trà Vinh", "numerator": 4.0, "denominator": 5.0,
             "value": 80.0},
        ],
    }  # fmt: skip


def test_a_commune_lists_its_schools_by_name_with_values_in_the_indicators_unit(
    client, tree, users, year
):
    _store_tree("learners_valid_id", tree, year, {"a": (2, 3), "b": (1, 1), "c": (0, 5)})
    body = client.get(
        values_url("learners_valid_id"), {"org": "28432", "year": "2025-2026"},
        headers=_auth(users.province),
    ).json()  # fmt: skip
    assert [(c["org"], c["name"]) for c in body["children"]] == [
        ("84000001", "THCS Lý Tự Trọng"),
        ("84000002", "Tiểu học Phường 1"),
    ]
    assert body["value"] == 75.0
    assert body["children"][0]["value"] == 66.67  # 2/3 as a percent, two decimals
    assert body["children"][1]["value"] == 100.0


def test_the_target_is_that_of_the_end_year_or_the_next_target_year(client, tree, users):
    headers = _auth(users.province)
    for school_year, expected in (("2024-2025", 80.0), ("2025-2026", 100.0)):
        year = make_year(school_year)
        _store_tree("facilities_managed", tree, year, {"a": (1, 1), "b": (0, 1), "c": (1, 1)})
        body = client.get(
            values_url("facilities_managed"), {"org": "84", "year": school_year}, headers=headers
        ).json()
        assert body["target"] == expected
        assert body["value"] == 66.67


def test_a_count_has_no_denominator_and_its_value_is_the_count(client, tree, users, year):
    _store_tree("enrollment", tree, year, {"a": (120, None), "b": (80, None), "c": (45, None)})
    body = client.get(
        values_url("enrollment"), {"org": "847", "year": year.code}, headers=_auth(users.district2)
    ).json()
    assert (body["numerator"], body["denominator"], body["value"]) == (45.0, None, 45.0)
    assert body["children"] == [
        {"org": "29161", "name": "Xã Phước Hưng", "numerator": 45.0, "denominator": None,
         "value": 45.0},
    ]  # fmt: skip


def test_a_zero_denominator_gives_a_null_value_not_zero(client, tree, users, year):
    _store("dropout_rate", tree.school_b, year, 0, 0)
    body = client.get(
        values_url("dropout_rate"), {"org": tree.school_b.code, "year": year.code},
        headers=_auth(users.province),
    ).json()  # fmt: skip
    assert (body["numerator"], body["denominator"], body["value"]) == (0.0, 0.0, None)
    assert body["children"] == []


def test_breakdown_rows_are_not_taken_for_the_whole(client, tree, users, year):
    _store("enrollment", tree.school_a, year, 10)
    _store("enrollment", tree.school_a, year, 4, breakdown="gender:F")
    body = client.get(
        values_url("enrollment"), {"org": tree.school_a.code, "year": year.code},
        headers=_auth(users.admin_a),
    ).json()  # fmt: skip
    assert body["value"] == 10.0


def test_an_indicator_without_a_data_source_answers_null_figures(client, tree, users, year):
    body = client.get(
        values_url("online_curriculum_share"), {"org": "842", "year": year.code},
        headers=_auth(users.province),
    ).json()  # fmt: skip
    assert (body["numerator"], body["denominator"], body["value"]) == (None, None, None)
    assert body["target"] is None
    assert body["children"] == [
        {"org": "28432", "name": "Phường 1", "numerator": None, "denominator": None,
         "value": None},
    ]  # fmt: skip


def test_a_child_closed_before_the_school_year_is_not_listed(client, tree, users, year):
    closed = make_school("84000009", tree.commune1, SchoolType.PRIMARY, "Tiểu học Cũ")
    closed.valid_to = year.start_date - timedelta(days=1)
    closed.save(update_fields=["valid_to"])
    closing = make_school("84000010", tree.commune1, SchoolType.PRIMARY, "Tiểu học Đang Đóng")
    closing.valid_to = year.start_date + timedelta(days=30)
    closing.save(update_fields=["valid_to"])
    body = client.get(
        values_url("online_curriculum_share"), {"org": "28432", "year": year.code},
        headers=_auth(users.province),
    ).json()  # fmt: skip
    # "Đ" sorts with "D" (diacritics folded), before "P"; the school closed before: absent.
    assert [c["org"] for c in body["children"]] == ["84000001", "84000010", "84000002"]


# --- values computed on demand ------------------------------------------------------------------


def test_a_unit_without_a_stored_row_is_computed_on_demand_and_not_stored(
    client, tree, users, year
):
    _learners(tree.school_a, year, 6, with_id=2, without_id=1)
    _learners(tree.school_b, year, 1, with_id=1)
    body = client.get(
        values_url("learners_valid_id"), {"org": "28432", "year": year.code},
        headers=_auth(users.province),
    ).json()  # fmt: skip
    assert (body["numerator"], body["denominator"], body["value"]) == (3.0, 4.0, 75.0)
    assert [(c["numerator"], c["denominator"], c["value"]) for c in body["children"]] == [
        (2.0, 3.0, 66.67),
        (1.0, 1.0, 100.0),
    ]
    assert not IndicatorValue.objects.exists()


def test_stored_rows_win_over_live_data_until_recomputed(client, tree, users, year):
    _learners(tree.school_a, year, 6, with_id=2)
    _store("enrollment", tree.school_a, year, 7)  # as of the last recompute
    body = client.get(
        values_url("enrollment"), {"org": "28432", "year": year.code},
        headers=_auth(users.province),
    ).json()  # fmt: skip
    assert [(c["org"], c["value"]) for c in body["children"]] == [
        ("84000001", 7.0),  # stored
        ("84000002", 0.0),  # computed now: no learners
    ]
    assert body["value"] == 2.0  # the commune has no row: computed from the live data


def test_values_after_a_recompute_equal_those_computed_on_demand(client, tree, users, year):
    _learners(tree.school_a, year, 6, with_id=2, without_id=1)
    _learners(tree.school_c, year, 10, with_id=1, without_id=1)
    headers = _auth(users.province)
    query = {"org": "84", "year": year.code}
    live = client.get(values_url("learners_valid_id"), query, headers=headers).json()
    recompute(year=year, indicators=[Indicator.objects.get(code="learners_valid_id")])
    assert IndicatorValue.objects.filter(org_unit=tree.province, breakdown="").exists()
    stored = client.get(values_url("learners_valid_id"), query, headers=headers).json()
    assert stored == live
    assert (live["numerator"], live["denominator"], live["value"]) == (3.0, 5.0, 60.0)


def test_stored_values_are_read_in_a_fixed_number_of_queries_whatever_the_children(
    client, tree, users, year, django_assert_max_num_queries
):
    headers = _auth(users.province)
    indicator = "teachers_with_record"
    for n in range(6):
        commune = make_unit(f"2999{n}", f"Xã {n}", OrgKind.COMMUNE, tree.district2)
        _store(indicator, commune, year, n, 6)
    _store_tree(indicator, tree, year, {"a": (1, 2), "b": (1, 1), "c": (0, 1)})
    with django_assert_max_num_queries(10):
        body = client.get(
            values_url(indicator), {"org": "847", "year": year.code}, headers=headers
        ).json()
    assert len(body["children"]) == 7


# --- defaults, scope and bad input --------------------------------------------------------------


def test_without_org_and_year_the_callers_unit_and_the_current_year(client, tree, users, year):
    make_year("2023-2024")
    body = client.get(values_url("online_curriculum_share"), headers=_auth(users.admin_a)).json()
    assert (body["org"], body["year"]) == (tree.school_a.code, year.code)
    body = client.get(values_url("online_curriculum_share"), headers=_auth(users.district2)).json()
    assert body["org"] == tree.district2.code


def test_a_unit_outside_the_callers_scope_is_not_found(client, tree, users, year):
    headers = _auth(users.district2)
    for org in ("84", "842", "28432", tree.school_a.code, "nonexistent"):
        response = client.get(values_url("enrollment"), {"org": org}, headers=headers)
        assert response.status_code == 404, org
    assert client.get(values_url("enrollment"), {"org": "29161"}, headers=headers).status_code == (
        200
    )


@pytest.mark.parametrize("role", ["student_a", "guardian_a", "outsider"])
def test_learners_guardians_and_citizens_reach_no_values(client, tree, users, year, role):
    headers = _auth(getattr(users, role))
    for query in ({}, {"org": tree.school_a.code}):
        response = client.get(values_url("enrollment"), query, headers=headers)
        assert response.status_code == 404


def test_anonymous_callers_must_sign_in(client, tree, year):
    assert client.get(values_url("enrollment"), {"org": "84"}).status_code == 401


def test_an_unknown_indicator_is_not_found(client, tree, users, year):
    response = client.get(values_url("no_such_thing"), {"org": "84"}, headers=_auth(users.province))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("value", "message"),
    [("2025", "không đúng định dạng YYYY-YYYY"), ("2031-2032", "Không có năm học “2031-2032”")],
)
def test_a_bad_year_is_refused_naming_the_field_and_value(
    client, tree, users, year, value, message
):
    response = client.get(
        values_url("enrollment"), {"org": "84", "year": value}, headers=_auth(users.province)
    )
    assert response.status_code == 422
    [text] = response.json()["detail"]["year"]
    assert message in text and value in text
