"""The promise of docs/decisions/0004: an answer acknowledged as saved survives a server crash.

A real gunicorn (master and workers in a process group of their own) serves a fresh database —
a temporary SQLite file, or a PostgreSQL database of its own next to HOCSO_DATABASE_URL's — that
a child process migrates and fills (benchmarks/_exam_sim.py setup): the test's own database is
not visible to gunicorn. Thirty simulated candidates answer with retried, duplicated, changed and
out-of-order saves; once a third of the answers are acknowledged and saves are in flight, the
whole process group gets SIGKILL. The server is started again on the same database and port;
the candidates notice (broken connections, or the restart), check the state, start again
(resume: a new device token, the same deadline, every acknowledged answer shown), finish and
submit. Then a child process compares what the clients saw acknowledged with the database.

No timing assertions: the crash point is a count of acknowledged saves, and candidates wait at
a gate (question 6) until the server is back, so every one of them resumes.
"""

import asyncio
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIM_PATH = ROOT / "benchmarks" / "_exam_sim.py"


def _load_sim():
    spec = importlib.util.spec_from_file_location("_exam_sim", SIM_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_exam_sim", module)
    spec.loader.exec_module(module)
    return sys.modules["_exam_sim"]


sim = _load_sim()

CANDIDATES = 30
QUESTIONS = 10
GATE = 6  # candidates wait before question 6 until the server is back
KILL_AFTER = CANDIDATES * 3  # acknowledged answers before the crash


@pytest.fixture
def server_database(tmp_path):
    """A fresh database for the server, migrated and filled by a child process."""
    url = sim.fresh_database(sqlite_path=tmp_path / "crash.sqlite3", pg_suffix="crash")
    plan = tmp_path / "plan.json"
    try:
        subprocess.run(
            [sys.executable, str(SIM_PATH), "setup", "--candidates", str(CANDIDATES),
             "--questions", str(QUESTIONS), "--out", str(plan)],
            cwd=ROOT, env=sim.child_env(url), check=True, timeout=300,
        )  # fmt: skip
        yield url, json.loads(plan.read_text())
    finally:
        sim.drop_database(url)


async def _exam_with_crash(server, plan) -> dict:
    ledger = sim.Ledger(gate=asyncio.Event())
    behaviour = sim.Behaviour(
        think=(0.5, 1.5), start_spread=1.0, retry=0.1, duplicate=0.1, change=0.2,
        out_of_order=0.1, crash_mode=True, gate_after=GATE,
    )  # fmt: skip
    candidates = [
        sim.Candidate(
            port=server.port,
            attempt=c["attempt"],
            token=c["token"],
            ledger=ledger,
            behaviour=behaviour,
            seed=n,
        )  # fmt: skip
        for n, c in enumerate(plan["candidates"])
    ]
    began = time.monotonic()
    running = asyncio.gather(*(c.run() for c in candidates))
    # Crash once everyone has started, a third of the answers are in, and saves are in flight.
    while not (
        len(ledger.started) == len(candidates)
        and len(ledger.acks) >= KILL_AFTER
        and ledger.in_flight > 0
    ):
        if running.done():
            break  # a candidate failed: the gather raises below
        await asyncio.sleep(0.005)
    in_flight, crashed_at = ledger.in_flight, time.monotonic() - began
    await asyncio.to_thread(server.kill)
    ledger.epoch += 1
    acked_before_crash = len(ledger.acks)
    # Candidates meet a dead server: keep it down until one of them has (not a fixed pause,
    # which a loaded machine can sleep through with every candidate still thinking).
    for _ in range(400):
        if any(kind.startswith("connection") for kind in ledger.errors):
            break
        await asyncio.sleep(0.025)
    await asyncio.to_thread(server.start)
    restarted_at = time.monotonic() - began
    ledger.gate.set()
    await running
    return dict(
        ledger=ledger, in_flight=in_flight, acked_before_crash=acked_before_crash,
        timeline=(crashed_at, restarted_at, time.monotonic() - began),
    )  # fmt: skip


def _verify(url: str, ledger, tmp_path: Path) -> dict:
    path = tmp_path / "ledger.json"
    ledger.dump(path)
    done = subprocess.run(
        [sys.executable, str(SIM_PATH), "verify", "--ledger", str(path)],
        cwd=ROOT, env=sim.child_env(url), check=True, timeout=120, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_sigkill_mid_exam_loses_no_acknowledged_answer_and_everyone_resumes(
    server_database, tmp_path
):
    url, plan = server_database
    attempts = {c["attempt"] for c in plan["candidates"]}
    server = sim.Server(
        db_url=url, port=sim.free_port(), workers=2, threads=4, preload=True,
        log_path=tmp_path / "gunicorn.log",
    )  # fmt: skip
    server.start()
    try:
        outcome = asyncio.run(_exam_with_crash(server, plan))
    finally:
        server.stop()
    ledger = outcome["ledger"]
    assert outcome["acked_before_crash"] >= KILL_AFTER
    # The crash broke requests: connections refused or cut while the server was down.
    assert any(kind.startswith("connection") for kind in ledger.errors), ledger.errors

    # Every candidate resumed after the crash with the same deadline and every answer the
    # server had acknowledged, then finished and submitted.
    assert ledger.problems == []
    assert ledger.resumed == attempts
    assert ledger.submitted == attempts

    result = _verify(url, ledger, tmp_path)
    assert result["checked"] == len(ledger.acks) > KILL_AFTER
    assert result["lost"] == []
    assert result["statuses"] == {"submitted": CANDIDATES}
