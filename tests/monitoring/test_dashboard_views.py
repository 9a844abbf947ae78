"""The dashboard pages: /monitoring/ (overview), /monitoring/indicators/<code>/ and
/monitoring/table/ — who may open them, what they show, and the drill-down links."""

import re

import pytest
from django.urls import reverse

from hocso.monitoring.compute import recompute

from ..factories import make_year

OVERVIEW = "/monitoring/"
TABLE = "/monitoring/table/"


def indicator_url(code: str) -> str:
    return f"/monitoring/indicators/{code}/"


@pytest.fixture
def stored(school_data):
    recompute(year=school_data.year)
    return school_data


def _text(response) -> str:
    """The visible text of a page's main part, spaces collapsed."""
    html = response.content.decode()
    main = html[html.index("<main") :]
    main = re.sub(r"<script.*?</script>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


# --- who may open them --------------------------------------------------------------------------


@pytest.mark.parametrize("url", [OVERVIEW, TABLE, indicator_url("enrollment")])
def test_anonymous_visitors_are_sent_to_sign_in(client, tree, year, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("role", ["student_a", "guardian_a", "outsider"])
@pytest.mark.parametrize("url", [OVERVIEW, TABLE, indicator_url("enrollment")])
def test_learners_guardians_and_people_without_a_role_are_refused(client, users, year, role, url):
    client.force_login(getattr(users, role))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    ("role", "org"),
    [("admin_a", "84000003"), ("admin_a", "84"), ("teacher_a", "28432"), ("district2", "842")],
)
@pytest.mark.parametrize("url", [OVERVIEW, TABLE, indicator_url("enrollment")])
def test_a_unit_outside_the_actors_scope_is_not_found(client, users, year, role, org, url):
    client.force_login(getattr(users, role))
    assert client.get(url, {"org": org}).status_code == 404
    # The exports of it too.
    assert client.get(url, {"org": org, "format": "xlsx"}).status_code == 404


def test_a_teacher_opens_their_own_school(client, users, stored):
    client.force_login(users.teacher_a)
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    text = _text(response)
    assert "THCS Lý Tự Trọng" in text
    assert response.context["frame"].unit == stored.tree.school_a
    card = next(c for c in response.context["overview"].cards if c.indicator.code == "enrollment")
    assert card.value == 4


def test_the_province_officer_opens_the_province_by_default(client, users, stored):
    client.force_login(users.province)
    response = client.get(OVERVIEW)
    assert response.context["frame"].unit == stored.tree.province


# --- the overview -------------------------------------------------------------------------------


def test_the_overview_writes_out_each_plan_indicator_against_its_target(client, users, stored):
    client.force_login(users.province)
    response = client.get(OVERVIEW, {"org": "84", "year": stored.year.code})
    html = response.content.decode()
    text = _text(response)
    card = re.search(r'<article[^>]*data-indicator="learners_valid_id".*?</article>', html, re.S)
    card_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card.group(0)))
    assert "66,7%" in card_text
    assert "Chưa đạt" in card_text
    assert "100%" in card_text  # the target
    assert "−33,3 điểm %" in card_text  # the gap
    assert "4 / 6" in card_text
    assert 'data-chart="bullet"' in card.group(0) and "aria-label=" in card.group(0)
    # Plan first, then the statistics; each card links to its indicator page.
    assert text.index("Chỉ tiêu của kế hoạch") < text.index("Thống kê giáo dục")
    assert f'href="{indicator_url("learners_valid_id")}?org=84&amp;year=2025-2026"' in html
    # ECharts only on monitoring pages, deferred.
    assert re.search(r'<script src="[^"]*echarts-6\.1\.0/echarts\.min\.js" defer>', html)


def test_an_indicator_without_a_source_shows_no_figure(client, users, stored):
    client.force_login(users.province)
    html = client.get(OVERVIEW).content.decode()
    card = re.search(r'<article[^>]*data-indicator="eservices_online".*?</article>', html, re.S)
    assert "Chưa có nguồn dữ liệu" in card.group(0)
    assert 'data-chart="bullet"' not in card.group(0)
    assert not re.search(r"\b0(,0)?%", re.sub(r"<[^>]+>", " ", card.group(0)))


def test_the_overview_says_when_nothing_is_stored_yet(client, users, school_data):
    client.force_login(users.province)
    text = _text(client.get(OVERVIEW))
    assert "hocso monitoring recompute" in text
    recompute(year=school_data.year)
    assert "hocso monitoring recompute" not in _text(client.get(OVERVIEW))


def test_the_header_has_the_breadcrumb_picker_and_years(client, users, stored):
    make_year("2024-2025")
    client.force_login(users.province)
    response = client.get(OVERVIEW, {"org": "28432"})
    html = response.content.decode()
    crumbs = re.search(r'<ol class="breadcrumb.*?</ol>', html, re.S).group(0)
    assert '<a href="/monitoring/?org=84&amp;year=2025-2026">Tỉnh Trà Vinh</a>' in crumbs
    assert '<a href="/monitoring/?org=842&amp;year=2025-2026">Thành phố Trà Vinh</a>' in crumbs
    assert 'aria-current="page">Phường 1<' in crumbs
    picker = re.search(r'<select id="monitoring-org".*?</select>', html, re.S).group(0)
    assert 'value="84000001"' in picker and 'value="84000002"' in picker
    assert 'value="84000003"' not in picker  # another commune's school
    years = re.search(r'<select id="monitoring-year".*?</select>', html, re.S).group(0)
    assert 'value="2024-2025"' in years and 'value="2025-2026" selected' in years


def test_a_malformed_year_is_reported_and_the_current_year_shown(client, users, stored):
    client.force_login(users.province)
    response = client.get(OVERVIEW, {"year": "2025"})
    assert response.status_code == 200
    assert "không đúng định dạng" in _text(response)
    assert response.context["frame"].year == stored.year


def test_without_any_school_year_the_page_says_what_to_do(client, users):
    client.force_login(users.province)
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    assert "Chưa có năm học nào" in _text(response)


def test_the_top_navigation_shows_the_centre_to_staff_only(client, users, year):
    link = f'href="{reverse("monitoring:dashboard")}">Giám sát<'
    client.force_login(users.teacher_a)
    assert link in client.get("/", follow=True).content.decode()
    client.force_login(users.student_a)
    assert link not in client.get("/", follow=True).content.decode()


# --- one indicator ------------------------------------------------------------------------------


def test_the_indicator_page_ranks_children_and_links_each_to_its_own_page(client, users, stored):
    client.force_login(users.province)
    response = client.get(indicator_url("learners_valid_id"), {"org": "28432"})
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r'<tr data-unit="(\d+)">', html)
    assert rows == ["84000002", "84000001"]  # 100% (2/2) before 50% (2/4)
    link = f"{indicator_url('learners_valid_id')}?org=84000001&amp;year=2025-2026"
    assert f'<a href="{link}">THCS Lý Tự Trọng</a>' in html
    chart = response.context["chart"]
    assert [r["code"] for r in chart["ranking"]] == ["84000002", "84000001"]
    assert chart["ranking"][1]["url"] == link.replace("&amp;", "&")
    text = _text(response)
    assert "Định nghĩa" in text and "mã định danh cá nhân 12 chữ số" in text
    assert "Nữ" in text and "Tiểu học" in text  # the breakdowns


def test_the_drill_down_reaches_a_school(client, users, stored):
    client.force_login(users.province)
    response = client.get(indicator_url("enrollment"), {"org": "84000001"})
    assert response.status_code == 200
    assert response.context["card"].value == 4
    assert "không có đơn vị trực thuộc" in _text(response)


def test_an_unknown_indicator_is_not_found(client, users, stored):
    client.force_login(users.province)
    assert client.get(indicator_url("nope")).status_code == 404


def test_the_trend_table_lists_the_years(client, users, stored):
    client.force_login(users.province)
    response = client.get(indicator_url("enrollment"))
    assert re.findall(r'<tr data-year="([\d-]+)">', response.content.decode()) == ["2025-2026"]


# --- the table ----------------------------------------------------------------------------------


def test_the_table_has_every_indicator_for_the_unit_and_each_child(client, users, stored):
    client.force_login(users.province)
    response = client.get(TABLE, {"org": "842"})
    html = response.content.decode()
    assert re.findall(r'<tr data-unit="(\d+)"', html) == ["842", "28432"]
    assert len(re.findall(r'<th scope="col" aria-sort="[a-z]+" data-indicator=', html)) == 15
    assert 'href="?org=28432&amp;year=2025-2026">Phường 1</a>' in html


def test_the_table_sorts_by_a_header(client, users, stored):
    client.force_login(users.province)
    response = client.get(TABLE, {"org": "28432", "sort": "enrollment", "order": "asc"})
    html = response.content.decode()
    assert re.findall(r'<tr data-unit="(\d+)"', html) == ["28432", "84000002", "84000001"]
    assert 'aria-sort="ascending" data-indicator="enrollment"' in html
    response = client.get(TABLE, {"org": "28432", "sort": "enrollment", "order": "desc"})
    assert re.findall(r'<tr data-unit="(\d+)"', response.content.decode()) == [
        "28432", "84000001", "84000002",
    ]  # fmt: skip
