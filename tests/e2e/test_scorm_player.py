"""The SCORM player in a real browser: a probe SCO (tests/resources/test_views_play.py's
neighbour) checks from inside the frame that it cannot read the platform's cookies or page, that
a wrong value is refused with SCORM error 405, and that its progress is saved, resumed after a
suspend, and kept when the learner leaves half-way without LMSCommit.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from hocso.resources.models import ScormTrack
from tests.resources import samples
from tests.resources.test_tracking import make_scorm

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


PROBE_SCO = """<!doctype html><html><head><meta charset="utf-8"><title>SCO</title></head>
<body><p id="out">…</p><script>
var api = window.API, seen = {};
seen.init = api.LMSInitialize("");
seen.entry = api.LMSGetValue("cmi.core.entry");
seen.location = api.LMSGetValue("cmi.core.lesson_location");
try { seen.cookie = document.cookie; } catch (e) { seen.cookie = "blocked"; }
try { seen.parent = parent.document.title; } catch (e) { seen.parent = "blocked"; }
seen.bad = api.LMSSetValue("cmi.core.lesson_status", "done") + api.LMSGetLastError();
var half = location.pathname.slice(-9) === "half.html";
api.LMSSetValue("cmi.core.lesson_location", half ? "half-way" : "p2");
if (!half) {
  api.LMSSetValue("cmi.core.score.raw", "80");
  api.LMSSetValue("cmi.core.lesson_status", "passed");
  api.LMSSetValue("cmi.core.exit", "suspend");
  api.LMSSetValue("cmi.core.session_time", "00:01:00");
  api.LMSCommit("");
  api.LMSFinish("");
}
document.getElementById("out").textContent = JSON.stringify(seen);
</script></body></html>"""


def test_a_sco_runs_isolated_and_its_progress_is_kept(phone_page, tree, users):
    page = phone_page
    sco = make_scorm(
        tree, users, data=samples.scorm_zip(extra={"index.html": PROBE_SCO, "half.html": PROBE_SCO})
    )
    page.goto("/login/")
    page.get_by_label("Tên đăng nhập").fill("student_a")
    page.get_by_label("Mật khẩu").fill("Mat-khau-2025")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))

    page.goto(f"/library/{sco.pk}/play/")
    out = page.frame_locator("#player-frame").locator("#out")
    expect(out).to_contain_text('"init":"true"')
    seen = json.loads(out.text_content())
    assert seen["entry"] == "ab-initio"
    assert seen["cookie"] == "blocked" and seen["parent"] == "blocked"
    assert seen["bad"] == "false405"
    expect(page.locator("#player-status")).to_contain_text("Đạt")
    expect(page.locator("#player-status")).to_contain_text("80")
    box = page.locator("#player-frame").bounding_box()
    assert box["width"] <= 360 and box["height"] >= 320
    assert box["y"] + box["height"] <= 740

    page.reload()
    out = page.frame_locator("#player-frame").locator("#out")
    expect(out).to_contain_text('"init":"true"')
    seen = json.loads(out.text_content())
    assert (seen["entry"], seen["location"]) == ("resume", "p2")

    # Left half-way (no LMSCommit): the bridge sends what it holds as the page goes.
    page.locator("#player-frame").evaluate(
        "f => { f.src = f.src.replace('index.html', 'half.html') }"
    )
    expect(page.frame_locator("#player-frame").locator("#out")).to_contain_text("resume")
    page.get_by_role("link", name="Thoát").click()
    expect(page.get_by_role("heading", name=sco.title)).to_be_visible()
    track = ScormTrack.objects.get(user=users.student_a)
    for _poll in range(50):  # the beacon is sent as the page goes; wait for it to land
        if track.lesson_location == "half-way":
            break
        page.wait_for_timeout(100)
        track.refresh_from_db()
    assert track.lesson_status == "passed" and track.total_seconds == 120  # two finished runs
    assert track.lesson_location == "half-way"


FRAMESET = """<!doctype html><html><head><meta charset="utf-8"><title>Khung</title></head>
<frameset rows="20%,80%"><frame src="top.html"><frame src="lesson.html"></frameset></html>"""
INNER = """<!doctype html><html><head><meta charset="utf-8"></head>
<body><p id="inner">Trang bên trong khung</p></body></html>"""


def test_a_frameset_sco_shows_its_inner_pages(phone_page, tree, users):
    sco = make_scorm(
        tree, users,
        data=samples.scorm_zip(extra={"index.html": FRAMESET, "top.html": INNER,
                                      "lesson.html": INNER}),
    )  # fmt: skip
    page = phone_page
    page.goto("/login/")
    page.get_by_label("Tên đăng nhập").fill("student_a")
    page.get_by_label("Mật khẩu").fill("Mat-khau-2025")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.goto(f"/library/{sco.pk}/play/")
    lesson = page.frame_locator("#player-frame").frame_locator("frame >> nth=1")
    expect(lesson.locator("#inner")).to_have_text("Trang bên trong khung")
