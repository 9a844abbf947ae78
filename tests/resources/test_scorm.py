"""The SCORM 1.2 data model (resources/scorm.py) and its JavaScript twin (scorm-runtime.js).

The same call scripts run through the Python `Runtime` and, when node is installed, through
the runtime the player injects into SCO pages: both must answer every call identically.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hocso.resources import scorm
from hocso.resources.scorm import Runtime

RUNTIME_JS = Path(scorm.__file__).parents[1] / "static" / "resources" / "scorm-runtime.js"


def started(state=None) -> Runtime:
    runtime = Runtime(state=dict(state or {}))
    assert runtime.LMSInitialize("") == "true"
    return runtime


def error(runtime: Runtime) -> int:
    return int(runtime.LMSGetLastError())


# --- session calls -------------------------------------------------------------------------


def test_initialize_twice_is_a_general_exception():
    runtime = started()
    assert runtime.LMSInitialize("") == "false"
    assert error(runtime) == 101


def test_initialize_with_an_argument_is_an_invalid_argument():
    runtime = Runtime()
    assert runtime.LMSInitialize("x") == "false"
    assert error(runtime) == 201


@pytest.mark.parametrize(
    "call",
    [
        lambda r: r.LMSGetValue("cmi.core.lesson_status"),
        lambda r: r.LMSSetValue("cmi.core.lesson_location", "p1"),
        lambda r: r.LMSCommit(""),
        lambda r: r.LMSFinish(""),
    ],
)
def test_calls_before_initialize_are_not_initialized(call):
    runtime = Runtime()
    assert call(runtime) in ("", "false")
    assert error(runtime) == 301


def test_after_finish_the_session_is_over():
    runtime = started()
    assert runtime.LMSFinish("") == "true"
    assert runtime.LMSGetValue("cmi.core.lesson_status") == ""
    assert error(runtime) == 301
    assert runtime.LMSSetValue("cmi.core.lesson_location", "x") == "false"
    assert error(runtime) == 301
    assert runtime.LMSInitialize("") == "false"
    assert error(runtime) == 101


def test_commit_and_finish_take_an_empty_string():
    runtime = started()
    assert runtime.LMSCommit("now") == "false"
    assert error(runtime) == 201
    assert runtime.LMSCommit("") == "true"
    assert error(runtime) == 0
    assert runtime.LMSFinish("x") == "false"
    assert error(runtime) == 201


def test_error_strings_and_diagnostics():
    runtime = started()
    runtime.LMSSetValue("cmi.core.student_id", "x")
    assert runtime.LMSGetLastError() == "403"
    assert runtime.LMSGetErrorString("403") == "Element is read only"
    assert "cmi.core.student_id" in runtime.LMSGetDiagnostic("")
    assert runtime.LMSGetErrorString("999") == ""
    assert runtime.LMSGetErrorString("abc") == ""
    assert runtime.LMSGetDiagnostic("201") == "Invalid argument error"
    for code in (0, 101, 201, 202, 203, 301, 401, 402, 403, 404, 405):
        assert runtime.LMSGetErrorString(str(code))


# --- element names and keywords ------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["", "cmi.core.nothing", "cmi.core", "cmi", "core.lesson_status", "cmi.objectives.n.id",
     "cmi.core.0.student_id", "cmi.objectives.01.id", "cmi.objectives.-1.id", "cmi..core"],
)  # fmt: skip
def test_unknown_elements_are_invalid_arguments(name):
    runtime = started()
    assert runtime.LMSGetValue(name) == ""
    assert error(runtime) == 201
    assert runtime.LMSSetValue(name, "x") == "false"
    assert error(runtime) == 201


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("cmi._children", scorm.CHILDREN["cmi"]),
        ("cmi.core._children", scorm.CHILDREN["cmi.core"]),
        ("cmi.core.score._children", "raw,min,max"),
        ("cmi.objectives._children", "id,score,status"),
        ("cmi.student_data._children", "mastery_score,max_time_allowed,time_limit_action"),
        ("cmi.student_preference._children", "audio,language,speed,text"),
        ("cmi.interactions._children", scorm.CHILDREN["cmi.interactions"]),
        ("cmi.objectives._count", "0"),
        ("cmi.interactions._count", "0"),
        ("cmi._version", "3.4"),
    ],
)
def test_keywords_answer(name, value):
    runtime = started()
    assert runtime.LMSGetValue(name) == value
    assert error(runtime) == 0


@pytest.mark.parametrize(
    "name", ["cmi.core.lesson_status._children", "cmi.suspend_data._children",
             "cmi.core.score.raw._children"],
)  # fmt: skip
def test_children_of_a_leaf_is_202(name):
    runtime = started()
    assert runtime.LMSGetValue(name) == ""
    assert error(runtime) == 202


@pytest.mark.parametrize(
    "name", ["cmi.core._count", "cmi.core.lesson_status._count", "cmi._count",
             "cmi.student_preference._count"],
)  # fmt: skip
def test_count_of_something_not_an_array_is_203(name):
    runtime = started()
    assert runtime.LMSGetValue(name) == ""
    assert error(runtime) == 203


@pytest.mark.parametrize(
    "name", ["cmi.nothing._children", "cmi.nothing._count", "_count", "cmi.core.x._children"]
)
def test_keywords_of_unknown_elements_are_201(name):
    runtime = started()
    runtime.LMSGetValue(name)
    assert error(runtime) == 201


@pytest.mark.parametrize(
    "name", ["cmi.core._children", "cmi.objectives._count", "cmi.interactions._count",
             "cmi._version", "cmi.core.lesson_status._children"],
)  # fmt: skip
def test_setting_a_keyword_is_402(name):
    runtime = started()
    assert runtime.LMSSetValue(name, "3") == "false"
    assert error(runtime) == 402


# --- access --------------------------------------------------------------------------------


READ_ONLY = [
    "cmi.core.student_id", "cmi.core.student_name", "cmi.core.credit", "cmi.core.entry",
    "cmi.core.total_time", "cmi.core.lesson_mode", "cmi.launch_data", "cmi.comments_from_lms",
    "cmi.student_data.mastery_score", "cmi.student_data.max_time_allowed",
    "cmi.student_data.time_limit_action",
]  # fmt: skip


@pytest.mark.parametrize("name", READ_ONLY)
def test_read_only_elements_refuse_set_with_403(name):
    runtime = started({name: "kept"})
    assert runtime.LMSSetValue(name, "ab-initio") == "false"
    assert error(runtime) == 403
    assert runtime.LMSGetValue(name) == "kept"


@pytest.mark.parametrize("name", ["cmi.core.exit", "cmi.core.session_time"])
def test_write_only_elements_refuse_get_with_404(name):
    runtime = started()
    value = "suspend" if name.endswith("exit") else "00:01:00"
    assert runtime.LMSSetValue(name, value) == "true"
    assert runtime.LMSGetValue(name) == ""
    assert error(runtime) == 404


def test_interactions_are_write_only_but_counted():
    runtime = started()
    assert runtime.LMSSetValue("cmi.interactions.0.id", "q1") == "true"
    assert runtime.LMSSetValue("cmi.interactions.0.type", "choice") == "true"
    assert runtime.LMSSetValue("cmi.interactions.0.result", "correct") == "true"
    assert runtime.LMSSetValue("cmi.interactions.0.objectives.0.id", "obj1") == "true"
    assert runtime.LMSSetValue("cmi.interactions.0.correct_responses.0.pattern", "a") == "true"
    assert runtime.LMSGetValue("cmi.interactions._count") == "1"
    assert runtime.LMSGetValue("cmi.interactions.0.objectives._count") == "1"
    assert runtime.LMSGetValue("cmi.interactions.0.correct_responses._count") == "1"
    assert runtime.LMSGetValue("cmi.interactions.0.id") == ""
    assert error(runtime) == 404


# --- arrays --------------------------------------------------------------------------------


def test_objectives_grow_one_index_at_a_time():
    runtime = started()
    assert runtime.LMSSetValue("cmi.objectives.1.id", "late") == "false"
    assert error(runtime) == 201
    assert runtime.LMSSetValue("cmi.objectives.0.id", "obj-a") == "true"
    assert runtime.LMSSetValue("cmi.objectives.1.id", "obj-b") == "true"
    assert runtime.LMSSetValue("cmi.objectives.1.score.raw", "80") == "true"
    assert runtime.LMSSetValue("cmi.objectives.1.status", "not attempted") == "true"
    assert runtime.LMSGetValue("cmi.objectives._count") == "2"
    assert runtime.LMSGetValue("cmi.objectives.1.score.raw") == "80"
    assert runtime.LMSGetValue("cmi.objectives.1.score._children") == "raw,min,max"
    assert runtime.LMSGetValue("cmi.objectives.0.score.raw") == ""
    assert error(runtime) == 0


def test_reading_an_index_never_set_is_201():
    runtime = started()
    assert runtime.LMSGetValue("cmi.objectives.0.id") == ""
    assert error(runtime) == 201
    assert runtime.LMSGetValue("cmi.interactions.0.objectives._count") == ""
    assert error(runtime) == 201


def test_counts_come_back_from_the_stored_state():
    runtime = started({"cmi.objectives.0.id": "a", "cmi.objectives.1.id": "b"})
    assert runtime.LMSGetValue("cmi.objectives._count") == "2"
    assert runtime.LMSSetValue("cmi.objectives.2.id", "c") == "true"


def test_arrays_are_bounded():
    runtime = started({f"cmi.interactions.{i}.id": f"q{i}" for i in range(scorm.MAX_ARRAY)})
    assert runtime.LMSSetValue(f"cmi.interactions.{scorm.MAX_ARRAY}.id", "x") == "false"
    assert error(runtime) == 101


# --- types ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("cmi.core.lesson_status", "done"),
        ("cmi.core.lesson_status", "not attempted"),
        ("cmi.core.lesson_status", "Completed"),
        ("cmi.core.exit", "quit"),
        ("cmi.core.score.raw", "abc"),
        ("cmi.core.score.raw", "101"),
        ("cmi.core.score.raw", "-1"),
        ("cmi.core.score.raw", "1e2"),
        ("cmi.core.score.raw", "85\n"),
        ("cmi.core.score.max", "100.5"),
        ("cmi.core.session_time", "1h"),
        ("cmi.core.session_time", "1:00:00"),
        ("cmi.core.session_time", "00:00:00.123"),
        ("cmi.core.session_time", "12345:00:00"),
        ("cmi.core.session_time", ""),
        ("cmi.core.lesson_location", "x" * 256),
        ("cmi.suspend_data", "x" * 4097),
        ("cmi.comments", "😀" * 2049),
        ("cmi.student_preference.audio", "101"),
        ("cmi.student_preference.audio", "-2"),
        ("cmi.student_preference.speed", "1.5"),
        ("cmi.student_preference.text", "2"),
        ("cmi.objectives.0.id", "has space"),
        ("cmi.objectives.0.id", ""),
        ("cmi.objectives.0.id", "ý"),
        ("cmi.interactions.0.type", "essay"),
        ("cmi.interactions.0.time", "24:00:00"),
        ("cmi.interactions.0.weighting", "200"),
        ("cmi.interactions.0.result", "maybe"),
        ("cmi.interactions.0.latency", "abc"),
    ],
)
def test_wrong_types_and_vocabularies_are_405(name, value):
    runtime = started()
    assert runtime.LMSSetValue(name, value) == "false"
    assert error(runtime) == 405


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("cmi.core.lesson_status", "incomplete"),
        ("cmi.core.lesson_status", "browsed"),
        ("cmi.core.exit", ""),
        ("cmi.core.exit", "time-out"),
        ("cmi.core.score.raw", ""),
        ("cmi.core.score.raw", "0"),
        ("cmi.core.score.raw", "100"),
        ("cmi.core.score.raw", "72.5"),
        ("cmi.core.score.raw", ".5"),
        ("cmi.core.session_time", "00:00:01"),
        ("cmi.core.session_time", "0001:30:00.5"),
        ("cmi.core.session_time", "9999:59:59.99"),
        ("cmi.core.lesson_location", "trang-3"),
        ("cmi.core.lesson_location", "ư" * 255),
        ("cmi.suspend_data", "x" * 4096),
        ("cmi.comments", "Bài học hay"),
        ("cmi.student_preference.audio", "-1"),
        ("cmi.student_preference.speed", "-100"),
        ("cmi.student_preference.language", "vi"),
        ("cmi.interactions.0.time", "23:59:59"),
        ("cmi.interactions.0.result", "-3.5"),
        ("cmi.interactions.0.result", "neutral"),
        ("cmi.interactions.0.latency", "00:00:05.25"),
    ],
)
def test_valid_values_are_stored(name, value):
    runtime = started()
    assert runtime.LMSSetValue(name, value) == "true"
    assert error(runtime) == 0
    assert runtime.changed[name] == value


def test_get_returns_what_was_set_and_what_was_stored():
    runtime = started({"cmi.core.lesson_location": "p2", "cmi.core.entry": "resume"})
    assert runtime.LMSGetValue("cmi.core.entry") == "resume"
    assert runtime.LMSGetValue("cmi.core.lesson_location") == "p2"
    runtime.LMSSetValue("cmi.core.lesson_location", "p3")
    assert runtime.LMSGetValue("cmi.core.lesson_location") == "p3"
    assert runtime.LMSGetValue("cmi.comments") == ""  # never set: empty, no error
    assert error(runtime) == 0


# --- time ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00:00", 0), ("00:01:30", 90), ("01:00:00.5", 3600.5), ("0100:00:00", 360000),
     ("bad", 0), ("", 0), (None, 0)],
)  # fmt: skip
def test_session_seconds(text, seconds):
    assert scorm.session_seconds(text) == pytest.approx(seconds)


def test_format_timespan():
    assert scorm.format_timespan(0) == "00:00:00.00"
    assert scorm.format_timespan(3725.25) == "01:02:05.25"
    assert scorm.format_timespan(10**9) == "9999:59:59.99"


@given(st.floats(min_value=0, max_value=9999 * 3600, allow_nan=False))
def test_timespan_round_trips(seconds):
    text = scorm.format_timespan(seconds)
    assert scorm.value_valid(scorm.ELEMENTS["cmi.core.session_time"], text)
    assert scorm.session_seconds(text) == pytest.approx(seconds, abs=0.006)


@given(st.text(max_size=300))
def test_lesson_location_accepts_exactly_what_fits(text):
    runtime = started()
    result = runtime.LMSSetValue("cmi.core.lesson_location", text)
    fits = len(text.encode("utf-16-le")) // 2 <= 255
    assert result == ("true" if fits else "false")
    if fits:
        assert runtime.LMSGetValue("cmi.core.lesson_location") == text


@given(st.text(max_size=40), st.text(max_size=40))
def test_no_input_makes_the_runtime_raise(name, value):
    runtime = started()
    runtime.LMSSetValue(name, value)
    runtime.LMSGetValue(name)
    assert runtime.LMSGetLastError() in {str(code) for code in scorm.ERROR_STRINGS}


@given(st.decimals(min_value=-1000, max_value=1000, places=2))
def test_score_range_is_0_to_100(number):
    runtime = started()
    result = runtime.LMSSetValue("cmi.core.score.raw", str(number))
    assert result == ("true" if 0 <= number <= 100 else "false")


# --- the JavaScript runtime answers like the model -----------------------------------------

SCRIPT = [
    ["LMSGetValue", "cmi.core.student_id"],
    ["LMSSetValue", "cmi.core.lesson_location", "x"],
    ["LMSCommit", ""],
    ["LMSInitialize", "x"],
    ["LMSInitialize", ""],
    ["LMSInitialize", ""],
    ["LMSGetValue", "cmi.core.student_id"],
    ["LMSGetValue", "cmi.core.entry"],
    ["LMSGetValue", "cmi.core.total_time"],
    ["LMSGetValue", "cmi._version"],
    ["LMSGetValue", ""],
    ["LMSGetValue", "cmi.nothing"],
    ["LMSGetValue", "cmi.core"],
    ["LMSGetValue", "cmi.core._children"],
    ["LMSGetValue", "cmi.core.lesson_status._children"],
    ["LMSGetValue", "cmi.core._count"],
    ["LMSGetValue", "cmi.nothing._count"],
    ["LMSGetValue", "cmi.objectives._count"],
    ["LMSGetValue", "cmi.objectives.0.id"],
    ["LMSGetValue", "cmi.core.exit"],
    ["LMSGetValue", "cmi.core.session_time"],
    ["LMSSetValue", "cmi.core.student_id", "me"],
    ["LMSSetValue", "cmi.core.total_time", "00:00:01"],
    ["LMSSetValue", "cmi.objectives._count", "1"],
    ["LMSSetValue", "cmi._version", "1"],
    ["LMSSetValue", "cmi.core.lesson_status", "done"],
    ["LMSSetValue", "cmi.core.lesson_status", "not attempted"],
    ["LMSSetValue", "cmi.core.lesson_status", "incomplete"],
    ["LMSSetValue", "cmi.core.score.raw", "abc"],
    ["LMSSetValue", "cmi.core.score.raw", "101"],
    ["LMSSetValue", "cmi.core.score.raw", ".5"],
    ["LMSSetValue", "cmi.core.score.raw", "85"],
    ["LMSSetValue", "cmi.core.score.raw", ""],
    ["LMSSetValue", "cmi.core.session_time", "1h"],
    ["LMSSetValue", "cmi.core.session_time", "0000:10:00.5"],
    ["LMSSetValue", "cmi.core.exit", "suspend"],
    ["LMSSetValue", "cmi.core.lesson_location", "ư" * 255],
    ["LMSSetValue", "cmi.core.lesson_location", "😀" * 128],
    ["LMSSetValue", "cmi.suspend_data", '{"page":3}'],
    ["LMSSetValue", "cmi.objectives.1.id", "b"],
    ["LMSSetValue", "cmi.objectives.0.id", "a b"],
    ["LMSSetValue", "cmi.objectives.0.id", "a"],
    ["LMSSetValue", "cmi.objectives.01.id", "a"],
    ["LMSSetValue", "cmi.objectives.0.status", "not attempted"],
    ["LMSGetValue", "cmi.objectives._count"],
    ["LMSGetValue", "cmi.objectives.0.score._children"],
    ["LMSGetValue", "cmi.objectives.0.score._count"],
    ["LMSSetValue", "cmi.interactions.0.objectives.0.id", "o"],
    ["LMSSetValue", "cmi.interactions.0.time", "25:00:00"],
    ["LMSSetValue", "cmi.interactions.0.result", "12.5"],
    ["LMSGetValue", "cmi.interactions.0.objectives._count"],
    ["LMSGetValue", "cmi.interactions.0.result"],
    ["LMSSetValue", "cmi.student_preference.text", "-1"],
    ["LMSSetValue", "cmi.student_preference.text", "3"],
    ["LMSGetValue", "cmi.student_preference.text"],
    ["LMSGetValue", "cmi.core.lesson_location"],
    ["LMSGetErrorString", "405"],
    ["LMSGetDiagnostic", "404"],
    ["LMSFinish", ""],
    ["LMSGetValue", "cmi.core.lesson_status"],
    ["LMSInitialize", ""],
]

NODE_HARNESS = """
const fs = require("fs");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const posted = [];
global.window = {
  HOCSO_SCORM: input.config,
  parent: { postMessage: (message, origin) => posted.push([message, origin]) },
  addEventListener: () => {},
};
require(input.runtime);
const api = global.window.API;
const answers = input.script.map(([method, ...args]) => [api[method](...args), api.LMSGetLastError()]);
process.stdout.write(JSON.stringify({ answers, posted }));
"""


def python_answers(state, script):
    runtime = Runtime(state=dict(state))
    answers = []
    for method, *args in script:
        answers.append([getattr(runtime, method)(*args), runtime.LMSGetLastError()])
    return answers


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_javascript_runtime_answers_exactly_like_the_model(tmp_path):
    state = {"cmi.core.student_id": "hs01", "cmi.core.entry": "resume",
             "cmi.core.total_time": "0001:00:00.00", "cmi.core.lesson_status": "incomplete"}  # fmt: skip
    harness = tmp_path / "harness.js"
    harness.write_text(NODE_HARNESS)
    config = {"table": scorm.ELEMENT_TABLE, "state": state, "parentOrigin": "https://hocso.test"}
    result = subprocess.run(
        ["node", str(harness)],
        input=json.dumps({"config": config, "script": SCRIPT, "runtime": str(RUNTIME_JS)}),
        capture_output=True,
        text=True,
        check=True,
    )
    output = json.loads(result.stdout)
    expected = python_answers(state, SCRIPT)
    for call, got, want in zip(SCRIPT, output["answers"], expected, strict=True):
        assert got == want, call
    # Every successful set went to the parent, addressed to the parent's origin only.
    sets = [m for m, origin in output["posted"] if m["kind"] == "set"]
    assert all(origin == "https://hocso.test" for _, origin in output["posted"])
    assert {
        "kind": "set",
        "name": "cmi.core.exit",
        "value": "suspend",
        "type": "hocso-scorm",
    } in sets
    assert not any(m["name"] == "cmi.core.student_id" for m in sets)
    assert [m["kind"] for m, _ in output["posted"]][-1] == "finish"


def test_the_element_table_json_is_what_the_runtime_reads():
    table = json.loads(scorm.ELEMENT_TABLE_JSON)
    assert table == json.loads(json.dumps(scorm.ELEMENT_TABLE))
    assert table["elements"]["cmi.core.lesson_status"]["settable"] == list(scorm.STATUSES[:-1])
    assert table["elements"]["cmi.core.exit"]["access"] == scorm.WO
