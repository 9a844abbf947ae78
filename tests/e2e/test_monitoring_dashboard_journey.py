"""The monitoring dashboard in a real browser (issue 7): the province's Department officer opens
the centre from the top navigation, reads the plan's indicators against their targets, opens one
indicator, drills down by clicking a commune's bar in the ranking chart and then a school's link,
and exports the school's view as a spreadsheet. On a 360 px phone the overview fits the screen.
"""

import importlib
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant
from hocso.monitoring.compute import recompute
from hocso.monitoring.models import Indicator
from hocso.orgs.models import OrgKind, SchoolType
from hocso.orgs.selectors import current_school_year
from hocso.registry.models import Gender
from hocso.registry.services import class_create
from tests.factories import UserFactory, make_school, make_unit, make_year
from tests.monitoring.conftest import add_learner

pytestmark = pytest.mark.e2e

PASSWORD = "Mat-khau-2025"  # tests/factories.py
INDICATOR = "Tỉ lệ người học có hồ sơ số với mã định danh cá nhân hợp lệ"


@pytest.fixture(autouse=True)
def _tasks_run_inline(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _seed_catalog() -> None:
    """The indicator catalog of migration 0002: a live-server test's database is flushed after
    each test, seeded rows with it."""
    from django.apps import apps

    seed = importlib.import_module("hocso.monitoring.migrations.0002_seed_indicators")
    if not Indicator.objects.exists():
        seed.seed_indicators(apps, None)


def _nid(n: int) -> str:
    """A valid 12-digit personal ID of a boy born in 2012 (the learners' birth year, tests/
    factories.py) in province 086."""
    return f"086212{n:06d}"


@pytest.fixture
def province(transactional_db):
    """86 Vĩnh Long → Phường 1 (two schools), Xã Long Hồ (one school); learners with and
    without a personal ID; the figures recomputed and stored."""
    _seed_catalog()
    make_year("2025-2026")
    year = make_year("2026-2027")
    assert current_school_year() == year
    top = make_unit("86", "Tỉnh Vĩnh Long", OrgKind.PROVINCE)
    ward = make_unit("86001", "Phường 1", OrgKind.COMMUNE, top)
    commune = make_unit("86002", "Xã Long Hồ", OrgKind.COMMUNE, top)
    lytutrong = make_school("86000001", ward, SchoolType.LOWER_SECONDARY, "THCS Lý Tự Trọng")
    phuong1 = make_school("86000002", ward, SchoolType.PRIMARY, "Tiểu học Phường 1")
    longho = make_school("86000003", commune, SchoolType.PRIMARY, "Tiểu học Long Hồ")
    start = year.start_date + timedelta(days=1)
    serial = iter(range(1, 1000))
    # (school, grade, learners with an ID, learners without)
    for school, grade, with_id, without_id in [
        (lytutrong, 6, 3, 1), (phuong1, 1, 2, 0), (longho, 1, 1, 3),
    ]:  # fmt: skip
        school_class = class_create(
            actor=None, school=school, year=year, grade=grade, name=f"{grade}A"
        )
        for i in range(with_id + without_id):
            add_learner(
                school_class,
                start=start,
                gender=Gender.MALE,
                national_id=_nid(next(serial)) if i < with_id else None,
            )
    recompute(year=year)
    officer = UserFactory(username="so.gddt")
    role_grant(actor=None, user=officer, role=Role.PROVINCE_OFFICER, org_unit=top)
    return officer


def _log_in(page, username):
    page.goto("/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def _click_bar(page, name: str) -> None:
    """Click the middle of a unit's bar in the ranking chart (ECharts, SVG renderer)."""
    page.locator("#ranking-chart").scroll_into_view_if_needed()
    expect(page.locator("#ranking-chart svg")).to_be_visible()
    point = page.evaluate(
        """(name) => {
            const el = document.getElementById("ranking-chart");
            const chart = echarts.getInstanceByDom(el);
            const option = chart.getOption();
            const index = option.yAxis[0].data.indexOf(name);
            const value = option.series[0].data[index].value;
            const [x, y] = chart.convertToPixel({seriesIndex: 0}, [value / 2, index]);
            const box = el.getBoundingClientRect();
            return {x: box.left + x, y: box.top + y};
        }""",
        name,
    )
    page.mouse.click(point["x"], point["y"])


def test_the_officer_drills_down_from_the_province_to_a_school_and_exports_it(page, province):
    _log_in(page, province.username)
    page.get_by_role("link", name="Giám sát").click()

    # The overview of the province: the plan's indicators written out against their targets.
    expect(page.get_by_role("heading", level=1)).to_have_text("Tổng quan giám sát")
    card = page.locator('article[data-indicator="learners_valid_id"]')
    expect(card).to_contain_text("60%")  # 6 of 10 learners
    expect(card).to_contain_text("Chưa đạt")
    expect(card.locator('[data-chart="bullet"] svg')).to_be_visible()  # the bullet is drawn
    expect(page.locator("main")).to_contain_text("Tỉnh Vĩnh Long")

    # One indicator: the ranking of the communes; a click on Phường 1's bar opens Phường 1.
    card.get_by_role("link", name=INDICATOR).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(INDICATOR)
    ranking = page.get_by_test_id("ranking-table")
    expect(ranking.locator("tbody tr").first).to_contain_text("Phường 1")  # 5/6 before 1/4
    _click_bar(page, "Phường 1")
    expect(page).to_have_url(re.compile(r"org=86001"))
    expect(page.get_by_test_id("breadcrumb")).to_contain_text("Tỉnh Vĩnh Long")
    expect(page.locator("section[data-indicator]")).to_contain_text("83,3%")

    # Then a school, through the plain link under the chart.
    page.get_by_test_id("ranking-table").get_by_role("link", name="THCS Lý Tự Trọng").click()
    expect(page).to_have_url(re.compile(r"org=86000001"))
    expect(page.locator("section[data-indicator]")).to_contain_text("75%")
    breadcrumb = page.get_by_test_id("breadcrumb")
    expect(breadcrumb.get_by_role("link", name="Phường 1")).to_be_visible()

    # The export of this view.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Xuất Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-86000001-2026-2027.xlsx")
    book = load_workbook(io.BytesIO(open(download.path(), "rb").read()))  # noqa: SIM115
    trend = book["Xu hướng"]
    assert trend["A1"].value == INDICATOR
    assert trend["B2"].value == "THCS Lý Tự Trọng (86000001)"
    assert trend["B3"].value == "2026-2027"
    assert list(trend.iter_rows(min_row=7, values_only=True)) == [("2026-2027", 75, 3, 4, 100)]

    # Back up through the breadcrumb: the province again.
    page.get_by_test_id("breadcrumb").get_by_role("link", name="Tỉnh Vĩnh Long").click()
    expect(page).to_have_url(re.compile(r"org=86\&"))


def test_on_a_phone_the_overview_fits_and_the_table_scrolls_inside_its_box(
    browser, live_server, province
):
    context = browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    _log_in(page, province.username)
    page.goto("/monitoring/")
    expect(page.locator('article[data-indicator="learners_valid_id"] svg')).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The charts follow the screen when it turns.
    page.set_viewport_size({"width": 640, "height": 360})
    chart = page.locator('article[data-indicator="learners_valid_id"] [data-chart]')
    expect(chart.locator("svg")).to_have_attribute(
        "width", str(round(chart.bounding_box()["width"]))
    )
    page.goto("/monitoring/table/")
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.locator(".monitoring-table-box")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # the wide table scrolls
    context.close()
