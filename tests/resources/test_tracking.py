"""A learner's SCORM track (resources/tracking.py): launch state, commits, resume, time, usage."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from hocso.resources import tracking
from hocso.resources.models import ResourceStatus, ResourceType, ScormTrack, Sharing

from . import samples
from .conftest import make_resource


def attach_package(resource, data: bytes, *, kind: str):
    """Unpack `data` for the resource's current version (packages.py when it is there)."""
    version = resource.current_version
    try:
        from hocso.resources.packages import package_unpack
    except ImportError:
        package_unpack = None
    if package_unpack is not None:
        unpacked = package_unpack(io.BytesIO(data), kind=kind)
        root, launch, manifest = unpacked.root, unpacked.launch_path, unpacked.manifest
    else:  # pragma: no cover - before packages.py landed
        import hashlib
        import zipfile

        root = f"resources/packages/{hashlib.sha256(data).hexdigest()}/"
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                default_storage.save(root + name, ContentFile(archive.read(name)))
        launch, manifest = "index.html", {}
    version.package_root = root
    version.launch_path = launch
    version.manifest = manifest
    version.save(update_fields=["package_root", "launch_path", "manifest"])
    return version


def make_scorm(tree, users, *, type=ResourceType.SCORM, data=None, **kwargs):
    resource = make_resource(
        title=kwargs.pop("title", "Phân số — bài học SCORM"),
        type=type,
        org_unit=kwargs.pop("org_unit", tree.school_a),
        status=kwargs.pop("status", ResourceStatus.PUBLISHED),
        sharing=kwargs.pop("sharing", Sharing.SCHOOL),
        created_by=kwargs.pop("created_by", users.teacher_a),
        **kwargs,
    )
    if data is None:
        data = samples.scorm_zip() if type == ResourceType.SCORM else samples.html5_zip()
    attach_package(resource, data, kind="scorm" if type == ResourceType.SCORM else "html5")
    return resource


@pytest.fixture
def sco(tree, users):
    return make_scorm(tree, users)


@pytest.fixture
def completions(monkeypatch):
    """Every usage_record call (the usage module's own behaviour is tested in test_usage)."""
    calls = []
    from hocso.resources import usage

    monkeypatch.setattr(usage, "usage_record", lambda **kwargs: calls.append(kwargs))
    return calls


def launch(user, resource) -> dict[str, str]:
    track = tracking.track_for(user=user, version=resource.current_version)
    track = tracking.session_begin(track=track)
    return tracking.track_state(track)


def commit(user, resource, values, finish=False):
    return tracking.track_commit(
        actor=user, version=resource.current_version, values=values, finish=finish
    )


def test_first_launch_state(sco, users):
    users.student_a.full_name = "Nguyễn Văn An"
    users.student_a.save()
    state = launch(users.student_a, sco)
    assert state["cmi.core.entry"] == "ab-initio"
    assert state["cmi.core.lesson_status"] == "not attempted"
    assert state["cmi.core.student_id"] == "student_a"
    assert state["cmi.core.student_name"] == "Nguyễn Văn An"
    assert state["cmi.core.total_time"] == "00:00:00.00"
    assert state["cmi.core.credit"] == "credit"
    assert state["cmi.core.lesson_mode"] == "normal"
    assert state["cmi.core.score.raw"] == ""


def test_suspend_then_resume(sco, users, completions):
    launch(users.student_a, sco)
    commit(
        users.student_a,
        sco,
        {
            "cmi.core.lesson_location": "trang-3",
            "cmi.suspend_data": '{"answers":[1,2]}',
            "cmi.core.lesson_status": "incomplete",
            "cmi.core.exit": "suspend",
            "cmi.core.session_time": "00:05:00",
        },
        finish=True,
    )
    state = launch(users.student_a, sco)
    assert state["cmi.core.entry"] == "resume"
    assert state["cmi.core.lesson_location"] == "trang-3"
    assert state["cmi.suspend_data"] == '{"answers":[1,2]}'
    assert state["cmi.core.lesson_status"] == "incomplete"
    assert state["cmi.core.total_time"] == "00:05:00.00"
    assert completions == []


def test_an_exit_other_than_suspend_gives_an_empty_entry(sco, users, completions):
    launch(users.student_a, sco)
    commit(users.student_a, sco, {"cmi.core.lesson_status": "incomplete"}, finish=True)
    assert launch(users.student_a, sco)["cmi.core.entry"] == ""


def test_total_time_sums_finished_sessions(sco, users, completions):
    for session_time in ("00:10:00", "01:00:30.5", "00:00:10"):
        launch(users.student_a, sco)
        commit(users.student_a, sco, {"cmi.core.session_time": session_time}, finish=True)
    track = ScormTrack.objects.get(user=users.student_a)
    assert track.total_seconds == pytest.approx(600 + 3630.5 + 10)
    assert tracking.track_state(track)["cmi.core.total_time"] == "01:10:40.50"


def test_a_session_left_without_finish_is_counted_at_the_next_launch(sco, users, completions):
    launch(users.student_a, sco)
    commit(users.student_a, sco, {"cmi.core.session_time": "00:01:00"})
    commit(users.student_a, sco, {"cmi.core.session_time": "00:02:00"})  # the later value wins
    assert ScormTrack.objects.get(user=users.student_a).total_seconds == 0
    state = launch(users.student_a, sco)
    assert state["cmi.core.total_time"] == "00:02:00.00"
    launch(users.student_a, sco)  # counted once
    assert ScormTrack.objects.get(user=users.student_a).total_seconds == 120


def test_completion_is_recorded_once(sco, users, completions):
    launch(users.student_a, sco)
    commit(users.student_a, sco, {"cmi.core.lesson_status": "completed"})
    commit(users.student_a, sco, {"cmi.core.lesson_status": "passed"}, finish=True)
    launch(users.student_a, sco)
    commit(users.student_a, sco, {"cmi.core.lesson_status": "completed"}, finish=True)
    assert len(completions) == 1
    assert completions[0]["resource"] == sco
    assert completions[0]["user"] == users.student_a
    assert completions[0]["kind"] == "completion"
    assert ScormTrack.objects.get(user=users.student_a).completed_at is not None


def test_failed_and_incomplete_are_not_completions(sco, users, completions):
    launch(users.student_a, sco)
    commit(users.student_a, sco, {"cmi.core.lesson_status": "failed"}, finish=True)
    commit(users.student_a, sco, {"cmi.core.lesson_status": "incomplete"})
    assert completions == []


def test_a_sco_that_never_reports_a_status_is_completed_on_finish(sco, users, completions):
    launch(users.student_a, sco)
    track = commit(users.student_a, sco, {}, finish=True)
    assert track.lesson_status == "completed"
    assert len(completions) == 1


def test_scores_are_stored_and_read_back(sco, users, completions):
    launch(users.student_a, sco)
    commit(
        users.student_a,
        sco,
        {"cmi.core.score.raw": "72.5", "cmi.core.score.min": "0", "cmi.core.score.max": "100"},
    )
    track = ScormTrack.objects.get(user=users.student_a)
    assert track.score_raw == Decimal("72.5")
    state = tracking.track_state(track)
    assert (state["cmi.core.score.raw"], state["cmi.core.score.max"]) == ("72.5", "100")
    commit(users.student_a, sco, {"cmi.core.score.raw": ""})
    assert ScormTrack.objects.get(user=users.student_a).score_raw is None


def test_objectives_interactions_and_preferences_persist(sco, users, completions):
    launch(users.student_a, sco)
    values = {f"cmi.objectives.{i}.id": f"obj-{i}" for i in reversed(range(12))}  # any order
    values.update(
        {
            "cmi.interactions.0.id": "q1",
            "cmi.student_preference.language": "vi",
            "cmi.comments": "Hay",
        }
    )
    commit(users.student_a, sco, values)
    state = launch(users.student_a, sco)
    assert state["cmi.objectives.0.id"] == "obj-0"
    assert state["cmi.objectives.11.id"] == "obj-11"
    assert state["cmi.student_preference.language"] == "vi"
    assert state["cmi.comments"] == "Hay"
    commit(users.student_a, sco, {"cmi.objectives.12.id": "obj-12"})  # the count goes on
    assert "cmi.objectives.12.id" in ScormTrack.objects.get(user=users.student_a).data


@pytest.mark.parametrize(
    ("values", "code", "element"),
    [
        ({"cmi.core.lesson_status": "done"}, 405, "cmi.core.lesson_status"),
        ({"cmi.core.student_id": "someone"}, 403, "cmi.core.student_id"),
        ({"cmi.core.total_time": "9999:00:00"}, 403, "cmi.core.total_time"),
        ({"cmi.core.score.raw": "150"}, 405, "cmi.core.score.raw"),
        ({"cmi.objectives._count": "3"}, 402, "cmi.objectives._count"),
        ({"cmi.objectives.4.id": "x"}, 201, "cmi.objectives.4.id"),
        ({"cmi.hack": "x"}, 201, "cmi.hack"),
        ({"cmi.core.lesson_location": 5}, 405, "cmi.core.lesson_location"),
    ],
)
def test_a_tampered_commit_is_refused_whole(sco, users, values, code, element):
    launch(users.student_a, sco)
    values = {"cmi.core.lesson_location": "p9", **values}
    with pytest.raises(tracking.ScormCommitError) as caught:
        commit(users.student_a, sco, values)
    assert (caught.value.code, caught.value.element) == (code, element)
    assert ScormTrack.objects.get(user=users.student_a).lesson_location == ""


def test_only_someone_who_sees_the_resource_can_commit(sco, users):
    with pytest.raises(PermissionDenied):
        commit(users.outsider, sco, {"cmi.core.lesson_location": "p1"})
    with pytest.raises(PermissionDenied):
        commit(users.admin_c, sco, {"cmi.core.lesson_location": "p1"})
    assert not ScormTrack.objects.exists()


def test_tracks_are_per_learner(sco, users, completions):
    launch(users.student_a, sco)
    commit(users.student_a, sco, {"cmi.core.lesson_location": "p5"})
    assert launch(users.teacher_a, sco)["cmi.core.lesson_location"] == ""
    assert ScormTrack.objects.get(user=users.student_a).school == sco.org_unit
