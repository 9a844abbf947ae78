"""Load benchmark of exam delivery: N candidates at once against gunicorn; no acknowledged answer
may be lost.

Figure: the save endpoint (POST /api/v1/attempts/{id}/responses) under an exam's load, as a phone
uses it: N candidates (`--candidates`, default 2000) start within 60 s, each answers every
question (`--questions`, default 40) after 5–30 s of thought, now and then re-sends a save whose
answer it did not see (5 %), sends one twice at once (5 %), answers an earlier question again
(15 %), or lets a newer save overtake an older one (3 %); then submits. Every save the server
acknowledges (stored seq ≥ the seq sent) is remembered by the client; at the end the database
must hold each of them — **lost** counts those it does not (row missing, lower seq, or the same
seq with another answer) and must be 0.
Floor: the same number of conditional upserts (INSERT … ON CONFLICT DO UPDATE … WHERE seq <
excluded.seq), one transaction each, straight on the database from this process — the
database's share of a save. ratio = p50 save latency / p50 floor upsert.

Server: gunicorn as scripts/serve.sh runs it (`--workers`, `--threads`; default 3 × 4 on the
2-core machine, see the report) on 127.0.0.1 and a free port, tasks inline (grading on submit).
Database: a fresh var/bench/exam_load.sqlite3, or, when HOCSO_DATABASE_URL names PostgreSQL,
a database `<its name>_exam_load` on that server, created here and dropped at the end.

Prints: exam_load: N candidates S saves; T saves/s; p50 X ms p95 Y ms p99 Z ms; errors E;
lost L; floor p50 F ms; ratio R  (and, above it, the setup, errors by kind and the load time).
The default run takes 10–15 minutes (40 questions × 17.5 s of thought on average); `--quick`
thinks 0.5–2 s for development. Exits 1 when an answer was lost.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
from pathlib import Path

from _exam_sim import (
    ROOT,
    Behaviour,
    Candidate,
    Ledger,
    Server,
    build_exam,
    drop_database,
    free_port,
    fresh_database,
    is_postgres,
    lost_answers,
)
from _setup import Stopwatch, percentile, say

BENCH_DIR = ROOT / "var" / "bench"

UPSERT = {
    "postgresql": (
        "INSERT INTO exams_response (attempt_id, question_id, school_id, seq, answer, saved_at,"
        " feedback) VALUES (%s, %s, %s, %s, %s::jsonb, %s, '') ON CONFLICT (attempt_id,"
        " question_id) DO UPDATE SET seq = excluded.seq, answer = excluded.answer, saved_at ="
        " excluded.saved_at WHERE exams_response.seq < excluded.seq"
    ),
    "sqlite": (
        "INSERT INTO exams_response (attempt_id, question_id, school_id, seq, answer, saved_at,"
        " feedback) VALUES (%s, %s, %s, %s, %s, %s, '') ON CONFLICT (attempt_id, question_id)"
        " DO UPDATE SET seq = excluded.seq, answer = excluded.answer, saved_at ="
        " excluded.saved_at WHERE exams_response.seq < excluded.seq"
    ),
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--think", default="5,30", help="MIN,MAX seconds between answers")
    parser.add_argument("--spread", type=float, default=60.0, help="every start within S s")
    parser.add_argument("--quick", action="store_true", help="think 0.5–2 s (development)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    if args.quick:
        args.think = "0.5,2"
    low, high = (float(v) for v in args.think.split(","))
    args.think = (low, high)
    return args


async def run_all(candidates: list[Candidate]) -> bool:
    """Run every candidate; False when stopped early by SIGINT/SIGTERM (what was acknowledged
    until then is still checked against the database)."""
    ledger = candidates[0].ledger
    reporter = asyncio.create_task(progress(ledger, len(candidates)))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    running = asyncio.gather(*(c.run() for c in candidates), return_exceptions=True)
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([running, stopper], return_when=asyncio.FIRST_COMPLETED)
    reporter.cancel()
    if not running.done():
        say("exam_load: stopped early; checking what was acknowledged so far")
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        return False
    stopper.cancel()
    for candidate, result in zip(candidates, running.result(), strict=True):
        if isinstance(result, BaseException):
            candidate.ledger.errors[f"candidate failed ({type(result).__name__})"] += 1
            candidate.ledger.problems.append(f"attempt {candidate.attempt}: {result!r}")
    return True


async def progress(ledger: Ledger, total: int, every: float = 60.0) -> None:
    """A line a minute on stderr: a long run shows how it goes."""
    began, seen = time.monotonic(), 0
    while True:
        await asyncio.sleep(every)
        recent = [s * 1000 for s in ledger.latencies[seen:]] or [0.0]
        seen = len(ledger.latencies)
        say(
            f"  {time.monotonic() - began:4.0f} s: {ledger.saves} saves, {len(ledger.submitted)}/"
            f"{total} submitted; last minute p50 {percentile(recent, 0.5):.0f} ms "
            f"p95 {percentile(recent, 0.95):.0f} ms; errors {sum(ledger.errors.values())}"
        )


def floor_upserts(executed: list[tuple], school_of: dict[int, int]) -> list[float]:
    """Replay every save the server answered as one autocommitted conditional upsert each, on
    emptied responses, from this process. Returns the seconds of each."""
    from django.db import connection
    from django.utils import timezone

    from hocso.exams.models import Response

    Response.objects.filter(attempt_id__in=list(school_of)).delete()
    sql = UPSERT[connection.vendor]
    timings = []
    with connection.cursor() as cursor:
        for attempt, question, seq, answer in executed:
            params = [attempt, question, school_of[attempt], seq, json.dumps(answer), timezone.now()]  # fmt: skip
            began = time.perf_counter()
            cursor.execute(sql, params)  # autocommit: one transaction each, as a request
            timings.append(time.perf_counter() - began)
    return timings


def main(argv=None) -> int:
    args = parse_args(argv)
    db_url = fresh_database(sqlite_path=BENCH_DIR / "exam_load.sqlite3", pg_suffix="exam_load")
    engine = "PostgreSQL" if is_postgres(db_url) else "SQLite"
    os.environ["HOCSO_DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocso.settings")
    os.environ["HOCSO_TASKS_IMMEDIATE"] = "1"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from hocso.exams.models import Attempt

    try:
        say(f"exam_load: {engine}; migrating and building {args.candidates} candidates…")
        with Stopwatch() as setup:
            call_command("migrate", verbosity=0)
            plan = build_exam(candidates=args.candidates, questions=args.questions)
        say(f"exam_load: setup {setup.seconds:.0f} s (attempts by {plan['how']})")
        connection.close()

        port = free_port()
        log_path = BENCH_DIR / "exam_load.gunicorn.log"
        log_path.unlink(missing_ok=True)
        server = Server(
            db_url=db_url, port=port, workers=args.workers, threads=args.threads, log_path=log_path
        )
        server.start()
        ledger = Ledger()
        behaviour = Behaviour(think=args.think, start_spread=args.spread)
        rng = random.Random(args.seed)
        candidates = [
            Candidate(
                port=port,
                attempt=c["attempt"],
                token=c["token"],
                ledger=ledger,
                behaviour=behaviour,
                seed=rng.randrange(1 << 30),
            )  # fmt: skip
            for c in plan["candidates"]
        ]
        say(
            f"exam_load: {len(candidates)} candidates × {args.questions} questions, think "
            f"{args.think[0]:g}–{args.think[1]:g} s, gunicorn {args.workers} workers × "
            f"{args.threads} threads on :{port}"
        )
        try:
            with Stopwatch() as load:
                finished = asyncio.run(run_all(candidates))
        finally:
            server.stop()

        lost = lost_answers(ledger.acks)
        statuses = dict(
            Attempt.objects.filter(session_id=plan["session"])
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        school_of = dict(
            Attempt.objects.filter(session_id=plan["session"]).values_list("pk", "school_id")
        )
        floor = floor_upserts(ledger.executed, school_of)
    finally:
        connection.close()
        if not args.keep:
            drop_database(db_url)

    latencies = [s * 1000 for s in ledger.latencies] or [0.0]
    errors = sum(ledger.errors.values())
    p50, p95, p99 = (percentile(latencies, f) for f in (0.50, 0.95, 0.99))
    floor_p50 = percentile([s * 1000 for s in floor], 0.50) if floor else 0.0
    throughput = ledger.saves / load.seconds
    if not finished:
        print("exam_load: STOPPED EARLY (signal): the figures cover the load until then")
    print(f"exam_load: {engine}; load {load.seconds:.0f} s; {len(ledger.latencies)} save requests; "
          f"{len(ledger.resumed)} resumed; submitted {len(ledger.submitted)}; attempts {statuses}")  # fmt: skip
    print(f"exam_load: throughput {throughput:.1f} saves/s (mean over the load; peak concurrency "
          f"set by think time); max save latency {max(latencies):.0f} ms")  # fmt: skip
    kinds = ", ".join(f"{kind} {n}" for kind, n in ledger.errors.most_common()) or "none"
    print(f"exam_load: errors by kind: {kinds}")
    for problem in ledger.problems[:10]:
        print(f"exam_load: problem: {problem}")
    for row in lost[:10]:
        print(f"exam_load: LOST {row}")
    print(
        f"exam_load: {args.candidates} candidates {ledger.saves} saves; {throughput:.0f} saves/s; "
        f"p50 {p50:.0f} ms p95 {p95:.0f} ms p99 {p99:.0f} ms; errors {errors}; lost {len(lost)}; "
        f"floor p50 {floor_p50:.2f} ms; ratio {p50 / floor_p50 if floor_p50 else 0:.0f}"
    )
    return 1 if lost else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
