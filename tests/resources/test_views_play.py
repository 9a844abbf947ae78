"""The player page, the package files behind their signed URLs, and SCORM commits."""

import json
import re

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from hocso.resources import views_play
from hocso.resources.models import ResourceStatus, ResourceType, ScormTrack

from . import samples
from .test_tracking import make_scorm


@pytest.fixture
def sco(tree, users):
    return make_scorm(tree, users)


@pytest.fixture
def sim(tree, users):
    return make_scorm(tree, users, type=ResourceType.HTML5, title="Con lắc đơn")


@pytest.fixture(autouse=True)
def _no_usage(monkeypatch):
    from hocso.resources import usage

    monkeypatch.setattr(usage, "usage_record", lambda **kwargs: None)


def client_for(user, *, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def token_for(resource, user) -> str:
    return views_play.package_token(version=resource.current_version, user=user)


def file_url(token, path="index.html") -> str:
    return f"/library/pkg/{token}/{path}"


def injected_config(html: str) -> dict:
    match = re.search(r"window\.HOCSO_SCORM=(\{.*?\});</script>", html)
    assert match, "runtime config not injected"
    return json.loads(match.group(1))


# --- the player page -----------------------------------------------------------------------


def test_player_page_for_scorm(sco, users):
    response = client_for(users.student_a).get(reverse("resources:play", args=[sco.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert sco.title in html
    assert 'sandbox="allow-scripts allow-forms allow-popups"' in html
    assert "allow-same-origin" not in html
    assert "Thoát" in html
    assert reverse("resources:scorm-commit", args=[sco.pk]) in html
    assert "scorm-bridge.js" in html
    assert 'id="player-status"' in html and "Chưa học" in html
    src = re.search(r'id="player-frame"[^>]*src="([^"]+)"', html).group(1)
    assert src.startswith("/library/pkg/") and src.endswith("/index.html")
    track = ScormTrack.objects.get(user=users.student_a)
    assert track.attempts == 1


def test_player_page_for_an_html5_simulation(sim, users):
    response = client_for(users.student_a).get(reverse("resources:play", args=[sim.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Con lắc đơn" in html and 'data-kind="html5"' in html
    assert "scorm-commit" not in html and "player-status" not in html
    assert not ScormTrack.objects.exists()


def test_player_page_shows_progress(sco, users):
    ScormTrack.objects.create(
        user=users.student_a,
        version=sco.current_version,
        resource=sco,
        lesson_status="passed",
        score_raw=90,
        completed_at="2026-01-01T00:00Z",
    )
    html = client_for(users.student_a).get(reverse("resources:play", args=[sco.pk])).content
    assert "Đạt" in html.decode() and "Điểm: 90" in html.decode()


def test_player_is_404_outside_scope_and_for_other_types(sco, users, library):
    assert client_for(users.outsider).get(f"/library/{sco.pk}/play/").status_code == 404
    assert client_for(users.admin_c).get(f"/library/{sco.pk}/play/").status_code == 404
    pdf = library.province_pdf
    assert client_for(users.student_a).get(f"/library/{pdf.pk}/play/").status_code == 404


def test_player_needs_a_login(sco):
    response = Client().get(f"/library/{sco.pk}/play/")
    assert response.status_code == 302


# --- package files -------------------------------------------------------------------------


def test_sco_page_gets_the_runtime_and_the_learners_state(sco, users):
    users.student_a.full_name = "Trần Thị Bình"
    users.student_a.save()
    response = Client().get(file_url(token_for(sco, users.student_a)))  # no session: the token
    assert response.status_code == 200
    html = response.content.decode()
    head = html.index("<head>")
    assert html.index("window.HOCSO_SCORM") == head + len("<head>") + len("<script>")
    assert "/static/resources/scorm-runtime.js" in html
    config = injected_config(html)
    assert config["state"]["cmi.core.student_name"] == "Trần Thị Bình"
    assert config["state"]["cmi.core.entry"] == "ab-initio"
    assert config["parentOrigin"] == "http://testserver"
    assert "cmi.core.lesson_status" in config["table"]["elements"]
    assert "Bài học" in html  # the SCO itself is untouched


def test_package_responses_are_sandboxed(sco, users):
    token = token_for(sco, users.student_a)
    response = Client().get(file_url(token))
    csp = response["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-scripts allow-forms allow-popups;")
    assert "allow-same-origin" not in csp
    assert "connect-src 'none'" in csp and "form-action 'none'" in csp
    # Framesets: the package's own (opaque-origin) pages must be able to frame its pages.
    assert "frame-ancestors" not in csp and "X-Frame-Options" not in response
    assert f"script-src http://testserver/library/pkg/{token}/ " in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"


def test_only_html_members_of_scorm_packages_are_injected(tree, users):
    sco = make_scorm(
        tree,
        users,
        data=samples.scorm_zip(extra={"app.js": "var x = '<head>';", "page2.htm": "<p>2</p>"}),
    )
    token = token_for(sco, users.student_a)
    script = Client().get(file_url(token, "app.js"))
    assert script.status_code == 200
    assert b"".join(script.streaming_content) == b"var x = '<head>';"
    assert script["Content-Type"] == "text/javascript"
    page2 = Client().get(file_url(token, "page2.htm")).content.decode()
    assert page2.startswith("<script>window.HOCSO_SCORM=")


def test_package_media_can_be_fetched_in_ranges(tree, users):
    sco = make_scorm(tree, users, data=samples.scorm_zip(extra={"clip.mp4": samples.mp4_bytes()}))
    url = file_url(token_for(sco, users.student_a), "clip.mp4")
    response = Client().get(url, headers={"Range": "bytes=4-11"})
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == b"ftypisom"
    assert response["Content-Range"] == f"bytes 4-11/{len(samples.mp4_bytes())}"
    assert response["Content-Type"] == "video/mp4"
    assert Client().get(url, headers={"Range": "bytes=999999-"}).status_code == 416


def test_html5_pages_are_served_as_they_are(sim, users):
    response = Client().get(file_url(token_for(sim, users.student_a)))
    assert response.status_code == 200
    assert b"HOCSO_SCORM" not in b"".join(response.streaming_content)
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_tampered_token_is_403(sco, users):
    token = token_for(sco, users.student_a)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert Client().get(file_url(forged)).status_code == 403
    assert Client().get(file_url("garbage")).status_code == 403
    # A token signed for another purpose (same key, other salt) is refused too.
    other = signing.TimestampSigner(salt="other").sign_object({"v": 1, "u": 1})
    assert Client().get(file_url(other)).status_code == 403


def test_an_expired_token_is_403(sco, users, monkeypatch):
    token = token_for(sco, users.student_a)
    import time

    later = time.time() + views_play.TOKEN_MAX_AGE + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert Client().get(file_url(token)).status_code == 403


def test_a_token_stops_working_when_the_resource_is_no_longer_visible(sco, users):
    token = token_for(sco, users.student_a)
    sco.status = ResourceStatus.RETIRED
    sco.save(update_fields=["status"])
    assert Client().get(file_url(token)).status_code == 404


def test_a_token_of_a_deactivated_user_is_403(sco, users):
    token = token_for(sco, users.student_a)
    users.student_a.is_active = False
    users.student_a.save()
    assert Client().get(file_url(token)).status_code == 403


@pytest.mark.parametrize(
    "path",
    ["../index.html", "a/../../index.html", "%2e%2e/%2e%2e/etc/passwd", "..%2findex.html",
     "a//index.html", "./index.html", "..\\index.html", "missing.html", "imsmanifest.xml/x"],
)  # fmt: skip
def test_paths_outside_the_package_are_404(sco, users, path):
    assert Client().get(file_url(token_for(sco, users.student_a), path)).status_code == 404


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("index.html", "index.html"), ("a/b.js", "a/b.js"), ("../x", None), ("/etc/passwd", None),
     ("a/./b", None), ("a\\b", None), ("c:/x", None), ("a\x00b", None), ("", None)],
)  # fmt: skip
def test_safe_member(raw, expected):
    assert views_play.safe_member(raw) == expected


def test_inject_runtime_without_a_head_keeps_the_doctype_first():
    out = views_play.inject_runtime(b"<!DOCTYPE html><p>x", config={}, runtime_url="/r.js")
    assert out.startswith(b"<!DOCTYPE html><script>window.HOCSO_SCORM={};</script>")
    hostile = views_play.inject_runtime(b"<head>", config={"s": "</script>"}, runtime_url="/r.js")
    assert b'</script>"' not in hostile and b"\\u003c/script\\u003e" in hostile


# --- commits -------------------------------------------------------------------------------


def commit_url(resource) -> str:
    return reverse("resources:scorm-commit", args=[resource.pk])


def post_json(client, resource, body):
    return client.post(commit_url(resource), json.dumps(body), content_type="application/json")


def test_commit_stores_progress_and_resume_state_reaches_the_next_page(sco, users):
    client = client_for(users.student_a)
    token = token_for(sco, users.student_a)
    values = {
        "cmi.core.lesson_location": "trang-2",
        "cmi.suspend_data": "abc",
        "cmi.core.exit": "suspend",
        "cmi.core.score.raw": "85",
        "cmi.core.lesson_status": "passed",
    }
    response = post_json(client, sco, {"token": token, "values": values, "finish": True})
    assert response.status_code == 200
    assert response.json() == {"ok": True, "status": "passed", "score": "85", "completed": True}
    state = injected_config(Client().get(file_url(token)).content.decode())["state"]
    assert state["cmi.core.entry"] == "resume"
    assert state["cmi.core.lesson_location"] == "trang-2"
    assert state["cmi.suspend_data"] == "abc"


def test_commit_without_a_token_uses_the_current_version(sco, users):
    response = post_json(
        client_for(users.student_a), sco, {"values": {"cmi.core.lesson_location": "p"}}
    )
    assert response.status_code == 200
    assert ScormTrack.objects.get(user=users.student_a).version == sco.current_version


def test_an_invalid_value_is_400_with_the_scorm_error(sco, users):
    response = post_json(
        client_for(users.student_a),
        sco,
        {"values": {"cmi.core.lesson_status": "done"}, "finish": False},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and body["error"] == 405
    assert body["element"] == "cmi.core.lesson_status"
    assert "cmi.core.lesson_status" in body["message"]


@pytest.mark.parametrize("body", [{"values": []}, {"values": {}, "finish": "yes"}, [1, 2], "x"])
def test_malformed_commits_are_400(sco, users, body):
    assert post_json(client_for(users.student_a), sco, body).status_code == 400


def test_another_users_token_cannot_commit_as_them(sco, users):
    token = token_for(sco, users.student_a)
    response = post_json(
        client_for(users.teacher_a),
        sco,
        {"token": token, "values": {"cmi.core.lesson_location": "x"}},
    )
    assert response.status_code == 403
    assert not ScormTrack.objects.exists()


def test_a_token_for_another_resource_is_404(tree, users, sco):
    other = make_scorm(tree, users, title="Bài khác")
    token = token_for(other, users.student_a)
    response = post_json(client_for(users.student_a), sco, {"token": token, "values": {}})
    assert response.status_code == 404


def test_commit_outside_scope_is_404_and_anonymous_is_403(sco, users):
    body = {"values": {"cmi.core.lesson_location": "x"}}
    assert post_json(client_for(users.admin_c), sco, body).status_code == 404
    assert post_json(Client(), sco, body).status_code == 403


def test_commit_needs_the_csrf_token(sco, users):
    client = client_for(users.student_a, csrf=True)
    assert post_json(client, sco, {"values": {}}).status_code == 403


def test_beacon_commit_carries_the_csrf_token_in_the_body(sco, users):
    client = client_for(users.student_a, csrf=True)
    page = client.get(reverse("resources:play", args=[sco.pk]))
    csrf = re.search(r'data-csrf="([^"]+)"', page.content.decode()).group(1)
    token = re.search(r'data-token="([^"]+)"', page.content.decode()).group(1)
    payload = json.dumps({"token": token, "values": {"cmi.core.lesson_location": "p7"}})
    response = client.post(commit_url(sco), {"csrfmiddlewaretoken": csrf, "payload": payload})
    assert response.status_code == 200
    assert ScormTrack.objects.get(user=users.student_a).lesson_location == "p7"


# --- in a real browser (make e2e) ----------------------------------------------------------
