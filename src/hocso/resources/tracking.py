"""A learner's SCORM progress: what the SCO is told at launch and what its commits store.

The frame's runtime (static/resources/scorm-runtime.js) answers the SCO locally and sends the
values it set; `track_commit` replays them through the pure model (resources/scorm.py) before
storing anything, so a tampered commit is refused exactly as the SCO's own LMSSetValue would be.

Time: cmi.core.total_time is the sum of finished sessions' session_time. A session that ends
without LMSFinish (tab closed, phone locked) leaves its last committed session_time pending in
`data["_session_time"]`; `session_begin` (the next launch) adds it, so no time is lost or counted
twice.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from . import scorm
from .access import resources_visible
from .models import ResourceVersion, ScormTrack

COMPLETE_STATUSES = frozenset({"completed", "passed"})
PENDING_SESSION = "_session_time"

# Elements kept in their own columns; every other element the SCO sets goes to `data`.
_COLUMNS = {
    "cmi.core.lesson_status",
    "cmi.core.lesson_location",
    "cmi.suspend_data",
    "cmi.core.score.raw",
    "cmi.core.score.min",
    "cmi.core.score.max",
    "cmi.core.exit",
    "cmi.core.session_time",
}


class ScormCommitError(Exception):
    """A value the frame sent that the SCORM model refuses: the first one, with its error."""

    def __init__(self, *, code: int, element: str, diagnostic: str):
        super().__init__(f"{element}: {code} {diagnostic}")
        self.code = code
        self.element = element
        self.diagnostic = diagnostic


def _school_of(user):
    """The learner's school (usage by school), when they hold a role in exactly one."""
    from hocso.accounts.models import RoleAssignment
    from hocso.orgs.models import OrgKind

    schools = {
        a.org_unit
        for a in RoleAssignment.objects.filter(user=user).select_related("org_unit")
        if a.org_unit.kind == OrgKind.SCHOOL
    }
    return schools.pop() if len(schools) == 1 else None


def track_for(*, user, version: ResourceVersion) -> ScormTrack:
    track, _created = ScormTrack.objects.get_or_create(
        user=user,
        version=version,
        defaults={"resource_id": version.resource_id, "school": _school_of(user)},
    )
    return track


@transaction.atomic
def session_begin(*, track: ScormTrack) -> ScormTrack:
    """A new launch: count it, and add the time of a previous session that never finished."""
    track = ScormTrack.objects.select_for_update().get(pk=track.pk)
    pending = track.data.pop(PENDING_SESSION, None)
    if pending:
        track.total_seconds += scorm.session_seconds(pending)
    track.attempts += 1
    track.save(update_fields=["data", "total_seconds", "attempts", "updated_at"])
    return track


def score_text(value: Decimal | None) -> str:
    """A stored score as the SCO reads it: "85", "72.5", "" when none."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _manifest_value(manifest: dict, *keys: str) -> str:
    for key in keys:
        value = manifest.get(key)
        if isinstance(value, str):
            return value
    return ""


def track_state(track: ScormTrack) -> dict[str, str]:
    """The cmi values the SCO reads at launch (element name → value)."""
    user = track.user
    manifest = track.version.manifest if isinstance(track.version.manifest, dict) else {}
    if track.exit == "suspend":
        entry = "resume"
    elif track.attempts <= 1 and track.lesson_status == "not attempted":
        entry = "ab-initio"
    else:
        entry = ""
    mastery = _manifest_value(manifest, "mastery_score", "masteryscore")
    if not scorm.value_valid(scorm.ELEMENTS["cmi.student_data.mastery_score"], mastery):
        mastery = ""
    state = {
        "cmi.core.student_id": user.username,
        "cmi.core.student_name": (getattr(user, "full_name", "") or user.username)[:255],
        "cmi.core.lesson_location": track.lesson_location,
        "cmi.core.credit": "credit",
        "cmi.core.lesson_status": track.lesson_status,
        "cmi.core.entry": entry,
        "cmi.core.score.raw": score_text(track.score_raw),
        "cmi.core.score.min": score_text(track.score_min),
        "cmi.core.score.max": score_text(track.score_max),
        "cmi.core.total_time": scorm.format_timespan(track.total_seconds),
        "cmi.core.lesson_mode": "normal",
        "cmi.suspend_data": track.suspend_data,
        "cmi.launch_data": _manifest_value(manifest, "launch_data", "datafromlms")[:4096],
        "cmi.comments": "",
        "cmi.comments_from_lms": "",
        "cmi.student_data.mastery_score": mastery,
        "cmi.student_data.max_time_allowed": "",
        "cmi.student_data.time_limit_action": "",
    }
    for name, value in (track.data or {}).items():
        if name.startswith("cmi.") and isinstance(value, str):
            state[name] = value
    return state


def _natural(name: str) -> tuple:
    """Sort key putting cmi.objectives.2 before cmi.objectives.10 (arrays grow in order)."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in name.split("."))


@transaction.atomic
def track_commit(*, actor, version: ResourceVersion, values: dict, finish: bool) -> ScormTrack:
    """Store what the SCO set (re-validated), and on finish close the session."""
    if not resources_visible(actor).filter(pk=version.resource_id).exists():
        raise PermissionDenied
    track = track_for(user=actor, version=version)
    track = (
        ScormTrack.objects.select_for_update().select_related("version", "user").get(pk=track.pk)
    )
    runtime = scorm.Runtime(state=track_state(track))
    runtime.LMSInitialize("")
    for name in sorted(values, key=_natural):
        value = values[name]
        if not isinstance(value, str) or runtime.LMSSetValue(str(name), value) != "true":
            code = runtime.last_error if isinstance(value, str) else scorm.WRONG_TYPE
            raise ScormCommitError(
                code=code, element=str(name), diagnostic=runtime.LMSGetDiagnostic("")
            )
    changed = runtime.changed
    data = dict(track.data or {})
    for name, value in changed.items():
        if name not in _COLUMNS:
            data[name] = value
    if "cmi.core.lesson_location" in changed:
        track.lesson_location = changed["cmi.core.lesson_location"]
    if "cmi.suspend_data" in changed:
        track.suspend_data = changed["cmi.suspend_data"]
    if "cmi.core.lesson_status" in changed:
        track.lesson_status = changed["cmi.core.lesson_status"]
    for part in ("raw", "min", "max"):
        name = f"cmi.core.score.{part}"
        if name in changed:
            number = scorm.decimal_or_none(changed[name])
            setattr(
                track,
                f"score_{part}",
                None if number is None else number.quantize(Decimal("0.0001")),
            )
    if "cmi.core.exit" in changed:
        track.exit = changed["cmi.core.exit"]
    if "cmi.core.session_time" in changed:
        data[PENDING_SESSION] = changed["cmi.core.session_time"]
    if finish:
        _close_session(track, data)
    track.data = data
    newly_complete = track.completed_at is None and track.lesson_status in COMPLETE_STATUSES
    if newly_complete:
        track.completed_at = timezone.now()
    track.save()
    if newly_complete:
        _record_completion(track)
    return track


def _close_session(track: ScormTrack, data: dict) -> None:
    """LMSFinish: add the session's time; the LMS's own status rules (SCORM 1.2 RTE 3.4.4)."""
    pending = data.pop(PENDING_SESSION, None)
    if pending:
        track.total_seconds += scorm.session_seconds(pending)
    if track.lesson_status == "not attempted":
        # A SCO that never reports a status is complete once it has been run to its end.
        track.lesson_status = "completed"
    manifest = track.version.manifest if isinstance(track.version.manifest, dict) else {}
    mastery = scorm.decimal_or_none(_manifest_value(manifest, "mastery_score", "masteryscore"))
    if (
        mastery is not None
        and track.score_raw is not None
        and track.lesson_status in ("completed", "incomplete", "browsed", "not attempted")
    ):
        track.lesson_status = "passed" if track.score_raw >= mastery else "failed"


def _record_completion(track: ScormTrack) -> None:
    """One COMPLETION usage, the first time the track is complete (resources/usage.py)."""
    try:
        from . import usage
    except ImportError:  # the usage module lands separately
        return
    from .models import UsageKind

    usage.usage_record(resource=track.resource, user=track.user, kind=UsageKind.COMPLETION)
