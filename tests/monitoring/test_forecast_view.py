"""The forecast page `/monitoring/forecast/?org=&level=` over `history_data`
(test_forecast_reads.build_history): three years of primary learners at school B (commune 28432), two years
of grade 6 at school A, one year at school D (commune 29161)."""

import json
import re

import pytest
from django.urls import reverse

from hocso.monitoring.models import BirthCohort

from . import test_forecast_reads as reads

URL = reverse("monitoring:forecast")


@pytest.fixture
def history_data(tree, year):
    return reads.build_history(tree, year)


def _get(client, user, **query):
    client.force_login(user)
    return client.get(URL, query)


def _chart(response) -> dict:
    match = re.search(
        r'<script id="forecast-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


def test_the_route_is_the_contracts():
    assert URL == "/monitoring/forecast/"


def test_anonymous_users_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302


@pytest.mark.parametrize("who", ["admin_a", "teacher_a"])
def test_a_unit_outside_the_actors_scope_is_404(client, users, tree, who):
    response = _get(client, getattr(users, who), org=tree.school_c.code)
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["student_a", "guardian_a", "outsider"])
def test_learners_guardians_and_users_without_a_role_reach_no_unit(client, users, tree, who):
    assert _get(client, getattr(users, who)).status_code == 404


def test_an_unknown_unit_is_404(client, users):
    assert _get(client, users.province, org="99999").status_code == 404


def test_the_primary_forecast_shows_past_and_forecast_years(client, users, history_data):
    tree = history_data.tree
    response = _get(client, users.province, org=tree.commune1.code, level="primary")
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-empty-state" not in body
    assert 'aria-current="page" href="?org=28432&amp;level=primary"' in body
    assert 'href="/monitoring/forecast/?org=28432"' in body  # the section nav keeps the unit
    chart = _chart(response)
    assert chart["years"][:3] == ["2023-2024", "2024-2025", "2025-2026"]
    assert chart["forecast"] == [False] * 3 + [True] * 5
    assert chart["totals"][:3] == [5, 7, 5]
    assert [g["grade"] for g in chart["grades"]] == [1, 2, 3, 4, 5]
    assert 'data-total="2025-2026">5<' in body
    assert 'data-ratio="1"' in body  # the ratios used are printed
    assert "Cách tính" in body
    # no births: grade 1 follows its trend, and the page says so
    assert "Chưa có số trẻ sinh theo năm" in body
    assert 'data-table="backtest"' in body
    assert "vendor/echarts-6.1.0/echarts.min.js" in body
    assert "monitoring/forecast.js" in body


def test_with_births_the_entry_ratio_is_printed(client, users, history_data):
    tree = history_data.tree
    for year, n in ((2017, 6), (2018, 8), (2019, 4), (2020, 6), (2021, 6), (2022, 6)):
        BirthCohort.objects.create(org_unit=tree.commune1, year=year, births=n)
    response = _get(client, users.province, org=tree.commune1.code, level="primary")
    body = response.content.decode()
    assert 'data-ratio="entry"' in body
    # (3 + 4 + 2) / (6 + 8 + 4) = 0.5; 2026 grade 1 = 6 × 0.5 = 3
    assert "0,500" in body
    assert _chart(response)["grades"][0]["values"][3] == 3
    assert "Chưa có số trẻ sinh theo năm" not in body


def test_the_level_tabs_switch_the_grades(client, users, history_data):
    tree = history_data.tree
    response = _get(client, users.province, org=tree.commune1.code, level="lower_secondary")
    assert response.status_code == 200
    chart = _chart(response)
    assert [g["grade"] for g in chart["grades"]] == [6, 7, 8, 9]
    assert chart["years"][:2] == ["2024-2025", "2025-2026"]
    body = response.content.decode()
    assert 'aria-current="page" href="?org=28432&amp;level=lower_secondary"' in body
    assert 'data-ratio="entry"' not in body


def test_fewer_than_two_years_shows_what_is_needed(client, users, history_data):
    response = _get(client, users.province, org=history_data.school_d.code, level="primary")
    body = response.content.decode()
    assert response.status_code == 200
    assert "data-empty-state" in body
    assert "Chưa đủ số liệu để dự báo" in body
    assert "2025-2026" in body  # the one year there is
    assert "forecast-data" not in body


def test_a_level_without_any_learner_says_so(client, users, history_data):
    response = _get(
        client, users.province, org=history_data.tree.commune1.code, level="upper_secondary"
    )
    body = response.content.decode()
    assert "data-empty-state" in body
    assert "chưa có năm học nào" in body


def test_an_unknown_level_falls_back_to_the_schools_own(client, users, history_data):
    school_a = history_data.tree.school_a
    response = _get(client, users.admin_a, org=school_a.code, level="nursery")
    assert response.status_code == 200
    assert response.context["level"] == "lower_secondary"
    # the school admin reads their own school by default
    assert _get(client, users.admin_a).context["unit"] == school_a


def test_teacher_demand_is_shown_against_todays_teachers(client, users, history_data):
    from ..factories import StaffFactory

    tree = history_data.tree
    StaffFactory(school=tree.school_b, position="teacher")
    response = _get(client, users.province, org=tree.commune1.code, level="primary")
    body = response.content.decode()
    assert 'data-table="demand"' in body
    assert response.context["teachers_today"] == 1
    # 2025-2026: grades 1 and 2 have learners → 2 classes × 1.5 = 3 teachers, 2 short
    row = response.context["demand"][0]
    assert (row["code"], row["classes"], row["teachers"], row["balance"]) == (
        "2025-2026",
        2,
        3,
        "−2",
    )


def test_the_page_reads_in_a_fixed_number_of_queries(
    client, users, history_data, django_assert_max_num_queries
):
    client.force_login(users.province)
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"org": history_data.tree.province.code})
    assert response.status_code == 200
