"""Simulated exam candidates against a real gunicorn server: shared by the load benchmark
(benchmarks/exam_load.py) and the SIGKILL crash test (tests/exams/test_crash.py).

Pieces:
- databases: a fresh SQLite file, or a dedicated PostgreSQL database next to the one
  HOCSO_DATABASE_URL names (created and dropped here, nothing else touched);
- `build_exam` (needs Django set up on that database): a school, one class per 40 learners,
  learner accounts with API tokens (no password logins: argon2 × 2000 would dominate), an exam
  of single-choice, true_false_4 and short numeric questions, attempts prepared ahead;
- `Server`: gunicorn in its own process group, so a crash is SIGKILL to the master and every
  worker at once;
- `Candidate`: starts, answers with think time, re-sends some saves (a lost response), sends
  some twice at once, changes earlier answers, lets a newer save overtake an older one, and
  submits. Every acknowledged save (the stored seq returned ≥ the seq sent) goes in a `Ledger`;
- `lost_answers`: acknowledged saves the database does not hold (seq lower, row missing, or the
  same seq with another answer).

Run as a script for a child process on another database (the crash test's pytest process has its
own test database, which gunicorn cannot see):
  HOCSO_DATABASE_URL=… python benchmarks/_exam_sim.py setup --candidates 30 --questions 12 --out plan.json
  HOCSO_DATABASE_URL=… python benchmarks/_exam_sim.py verify --ledger ledger.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
CLASS_SIZE = 40


# --- databases -------------------------------------------------------------------------------


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def sibling_postgres_url(base_url: str, suffix: str) -> str:
    """The URL of database `<base name>_<suffix>` on the server `base_url` points at."""
    parts = urlsplit(base_url)
    name = parts.path.lstrip("/") or "hocso"
    return urlunsplit(parts._replace(path=f"/{name}_{suffix}"))


def _admin_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    return psycopg.connect(admin, autocommit=True)


def postgres_recreate(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with _admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def postgres_drop(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with _admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite_remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def fresh_database(*, sqlite_path: Path, pg_suffix: str) -> str:
    """A fresh, empty database: PostgreSQL `<name>_<pg_suffix>` when HOCSO_DATABASE_URL names
    a PostgreSQL database, else the SQLite file `sqlite_path`. Returns its URL."""
    base = os.environ.get("HOCSO_DATABASE_URL", "")
    if is_postgres(base):
        url = sibling_postgres_url(base, pg_suffix)
        postgres_recreate(url)
        return url
    sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    sqlite_remove(sqlite_path)
    return f"sqlite:///{sqlite_path}"


def drop_database(url: str) -> None:
    if is_postgres(url):
        postgres_drop(url)
    else:
        sqlite_remove(Path(urlsplit(url).path))


def child_env(db_url: str) -> dict[str, str]:
    """Environment of a server or setup child on `db_url`: tasks (grading on submit) inline,
    so no db_worker is needed beside gunicorn."""
    env = dict(os.environ)
    env.update(
        HOCSO_DATABASE_URL=db_url,
        HOCSO_TASKS_IMMEDIATE="1",
        HOCSO_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="hocso.settings",
    )
    return env


# --- the exam (Django must be set up on the target database) ---------------------------------

QUESTION_MIX = ("single_choice",) * 8 + ("true_false_4", "short_numeric")


def _item_data(kind: str, n: int):
    from decimal import Decimal

    from hocso.questions.interchange import (
        Choice,
        ItemData,
        ItemType,
        NumericAnswer,
        Statement,
    )

    if kind == "true_false_4":
        statements = [Statement(text=f"Ý {c} của câu {n}", is_true=c in "ac") for c in "abcd"]
        return ItemData(
            type=ItemType.TRUE_FALSE_4, stem=f"Câu {n}: xét các ý.", statements=statements
        )
    if kind == "short_numeric":
        answers = [NumericAnswer(value=Decimal(n) / 2)]
        return ItemData(
            type=ItemType.SHORT_NUMERIC, stem=f"Câu {n}: tính {n} : 2.", numeric_answers=answers
        )
    choices = [Choice(text=str(n + 1), fraction=Decimal(1))] + [
        Choice(text=str(n + k)) for k in (2, 3, 4)
    ]
    return ItemData(type=ItemType.SINGLE_CHOICE, stem=f"Câu {n}: {n} + 1 = ?", choices=choices)


def build_exam(*, candidates: int, questions: int, duration_minutes: int = 120) -> dict:
    """A school, its classes and learners with tokens, and a READY exam with one prepared
    attempt per learner. Returns the plan: {"session", "how", "candidates": [{attempt, token}]}.

    The attempts come from exams.services.session_prepare when it exists (shuffled question and
    option orders, as a real exam); otherwise they are built on the models as the test fixtures
    do (tests/exams/conftest.py)."""
    from datetime import date, timedelta

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from hocso.accounts.models import Role, RoleAssignment, User
    from hocso.accounts.services import token_create
    from hocso.core.text import fold
    from hocso.curriculum.models import Subject
    from hocso.exams.models import Attempt
    from hocso.orgs.models import OrgKind, SchoolType
    from hocso.orgs.services import orgunit_create, schoolyear_get_or_create
    from hocso.questions.models import Item, ItemStatus
    from hocso.questions.services import bank_create, item_create
    from hocso.registry.models import Enrollment, Gender, Student, StudentStatus
    from hocso.registry.services import class_create

    with transaction.atomic():
        province = orgunit_create(
            actor=None, code="84", name="Tỉnh Trà Vinh", kind=OrgKind.PROVINCE
        )
        district = orgunit_create(actor=None, code="842", name="TP Trà Vinh", kind=OrgKind.DISTRICT, parent=province)  # fmt: skip
        commune = orgunit_create(actor=None, code="28432", name="Phường 1", kind=OrgKind.COMMUNE, parent=district)  # fmt: skip
        school = orgunit_create(
            actor=None, code="84000001", name="THCS Lý Tự Trọng", kind=OrgKind.SCHOOL,
            parent=commune, school_type=SchoolType.LOWER_SECONDARY,
        )  # fmt: skip
        year = schoolyear_get_or_create(code="2025-2026")
        subject = Subject.objects.get(code="TOAN")
        classes = [
            class_create(actor=None, school=school, year=year, grade=6, name=f"6A{n + 1}")
            for n in range((candidates + CLASS_SIZE - 1) // CLASS_SIZE)
        ]
        unusable = make_password(None)
        users = User.objects.bulk_create(
            User(username=f"ts{n:05d}", full_name=f"Thí sinh {n}", password=unusable)
            for n in range(candidates)
        )
        RoleAssignment.objects.bulk_create(
            RoleAssignment(user=user, role=Role.STUDENT, org_unit=school) for user in users
        )
        students = Student.objects.bulk_create(
            Student(
                school=school,
                full_name=f"Thí sinh {n}",
                search_name=fold(f"Thí sinh {n}"),
                gender=Gender.FEMALE if n % 2 else Gender.MALE,
                date_of_birth=date(2013, 1 + n % 12, 1 + n % 28),
                ethnicity="01",
                national_id=f"084213{n:06d}",
                moet_code=f"84{n:08d}",
                status=StudentStatus.STUDYING,
                user=user,
            )
            for n, user in enumerate(users)
        )
        Enrollment.objects.bulk_create(
            Enrollment(
                student=student,
                school=school,
                year=year,
                school_class=classes[n // CLASS_SIZE],
                start_date=date(2025, 9, 5),
            )
            for n, student in enumerate(students)
        )
        tokens = {user.pk: token_create(user=user, name="exam-load") for user in users}
        bank = bank_create(actor=None, code="THI-TOAN", name="Toán 6 thi", org_unit=school, subject=subject)  # fmt: skip
        items = [
            item_create(actor=None, bank=bank, data=_item_data(QUESTION_MIX[n % len(QUESTION_MIX)], n + 1))
            for n in range(questions)
        ]  # fmt: skip
        Item.objects.filter(pk__in=[i.pk for i in items]).update(status=ItemStatus.APPROVED)
        items = list(Item.objects.filter(pk__in=[i.pk for i in items]).select_related("current_version").order_by("pk"))  # fmt: skip

    now = timezone.now()
    window = dict(
        code="KT-TAI",
        name="Kiểm tra tải",
        org_unit=school,
        year=year,
        subject=subject,
        grade=6,
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(hours=6),
        duration_minutes=duration_minutes,
    )
    try:
        from hocso.exams import services as exam_services

        session_create = exam_services.session_create
        session_prepare = exam_services.session_prepare
    except (ImportError, AttributeError):
        session, how = _session_on_models(window, items, classes, students), "models"
    else:
        # The exam's creator: a superuser (session_create refuses actor=None: created_by).
        admin = User.objects.create(username="exam-admin", is_superuser=True, password=unusable)
        session = session_create(actor=admin, items=items, classes=classes, **window)
        session_prepare(actor=admin, session=session)
        how = "session_prepare"

    by_student = dict(Attempt.objects.filter(session=session).values_list("student_id", "pk"))
    plan = []
    for student, user in zip(students, users, strict=True):
        plan.append({"attempt": by_student[student.pk], "token": tokens[user.pk]})
    if len(by_student) != candidates:
        raise RuntimeError(f"{len(by_student)} attempts prepared for {candidates} candidates")
    return {"session": session.pk, "how": how, "candidates": plan}


def _session_on_models(window, items, classes, students):
    from django.db import transaction

    from hocso.exams.models import (
        Attempt,
        ExamClass,
        ExamForm,
        ExamQuestion,
        ExamSession,
        SessionStatus,
    )

    with transaction.atomic():
        session = ExamSession.objects.create(status=SessionStatus.READY, seed="load", **window)
        ExamClass.objects.bulk_create(ExamClass(session=session, school_class=c) for c in classes)
        form = ExamForm.objects.create(session=session, code="101")
        questions = [
            ExamQuestion.objects.create(
                form=form,
                position=n,
                part="",
                number=n,
                item=item,
                item_version=item.current_version,
                points=item.current_version.points,
                option_order=list(range(len(item.current_version.content.get("choices", [])))),
            )
            for n, item in enumerate(items, start=1)
        ]
        Attempt.objects.bulk_create(
            Attempt(
                session=session,
                student=student,
                school=student.school,
                school_class=classes[n // CLASS_SIZE],
                form=form,
                question_order=[q.pk for q in questions],
                option_orders={},
            )
            for n, student in enumerate(students)
        )
    return session


def stored_responses(attempt_ids) -> dict[tuple[int, int], tuple[int, object]]:
    from hocso.exams.models import Response

    rows = Response.objects.filter(attempt_id__in=list(attempt_ids)).values_list(
        "attempt_id", "question_id", "seq", "answer"
    )
    return {(a, q): (seq, answer) for a, q, seq, answer in rows}


def lost_answers(acks: dict[tuple[int, int], tuple[int, object]]) -> list[dict]:
    """Acknowledged saves the database does not hold: for each (attempt, question) the newest
    acknowledged save; lost when the row is missing, its seq is lower, or the seq is the same
    and the answer is not."""
    stored = stored_responses({attempt for attempt, _q in acks})
    lost = []
    for (attempt, question), (seq, answer) in acks.items():
        row = stored.get((attempt, question))
        if row is None or row[0] < seq or (row[0] == seq and row[1] != answer):
            lost.append(
                {"attempt": attempt, "question": question, "acked": [seq, answer], "stored": row}
            )
    return lost


# --- the server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn (as scripts/serve.sh runs it) on 127.0.0.1:`port`, in a process group of its own."""

    def __init__(self, *, db_url: str, port: int, workers: int = 2, threads: int = 4,
                 log_path: Path | None = None, preload: bool = False):  # fmt: skip
        self.db_url, self.port, self.workers, self.threads = db_url, port, workers, threads
        self.preload = preload  # load the app once in the master: a quicker (re)start
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        command = [
            str(BIN / "gunicorn"), "hocso.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers), "--threads", str(self.threads),
            "--timeout", "120", "--backlog", "4096",
            # Several servers run side by side (tests, benchmarks): no shared control socket.
            "--no-control-socket",
        ]  # fmt: skip
        if self.preload:
            command.append("--preload")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=child_env(self.db_url), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        if log is not subprocess.DEVNULL:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                status, _ = asyncio.run(http(self.port, "GET", "/api/v1/attempts", timeout=5))
            except (TimeoutError, OSError, ServerGone):
                time.sleep(0.2)
                continue
            if status in (200, 401):
                return
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def kill(self) -> None:
        """SIGKILL to the master and every worker: a crash, nothing gets to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        # The workers were the master's children: wait until none of the group runs any more
        # (a zombie waiting for init to reap it holds no socket).
        for _ in range(200):
            if not self._group_alive():
                return
            time.sleep(0.025)

    def _group_alive(self) -> bool:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid and fields[0] != "Z":
                return True
        return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


# --- HTTP --------------------------------------------------------------------------------------


class ServerGone(Exception):
    """The connection broke before a whole response came back (the server died, or closed)."""


async def http(port: int, method: str, path: str, body=None, token: str | None = None,
               timeout: float = 60) -> tuple[int, object]:  # fmt: skip
    """One HTTP/1.1 request on a fresh connection (`Connection: close`), as a phone on a weak
    link would often make it. Returns (status, decoded JSON or None)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
                "Accept: application/json"]  # fmt: skip
        if token:
            head.append(f"Authorization: Bearer {token}")
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head_end = raw.find(b"\r\n\r\n")
    if head_end < 0:
        raise ServerGone("no response")
    lines = raw[:head_end].decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    content = raw[head_end + 4 :]
    if headers.get("transfer-encoding", "").lower() == "chunked":
        content = _dechunk(content)
    elif "content-length" in headers and len(content) < int(headers["content-length"]):
        raise ServerGone("short body")
    try:
        data = json.loads(content) if content else None
    except ValueError:
        data = None
    return status, data


def _dechunk(content: bytes) -> bytes:
    out, rest = [], content
    while True:
        size_end = rest.find(b"\r\n")
        if size_end < 0:
            raise ServerGone("short chunked body")
        size = int(rest[:size_end].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(rest[size_end + 2 : size_end + 2 + size])
        rest = rest[size_end + 2 + size + 2 :]


# --- candidates --------------------------------------------------------------------------------


@dataclass
class Behaviour:
    think: tuple[float, float] = (5.0, 30.0)  # seconds between answers
    start_spread: float = 60.0  # every candidate starts within this many seconds
    retry: float = 0.05  # a save sent again after its response (as if the response was lost)
    duplicate: float = 0.05  # a save sent twice at once
    change: float = 0.15  # after an answer, an earlier question answered again (higher seq)
    out_of_order: float = 0.03  # two quick changes whose saves arrive newest first
    crash_mode: bool = False  # on a broken connection: wait for the server, resume, go on
    gate_after: int | None = None  # crash test: wait at this question for Ledger.gate


@dataclass
class Ledger:
    """What the clients saw: acknowledged saves, latencies, errors."""

    acks: dict = field(default_factory=dict)  # (attempt, question) -> (seq, answer), newest
    executed: list = field(default_factory=list)  # every save the server answered, in order
    latencies: list = field(default_factory=list)  # seconds, per successful save request
    errors: Counter = field(default_factory=Counter)
    problems: list = field(default_factory=list)  # resume checks that failed, refusals
    started: set = field(default_factory=set)
    resumed: set = field(default_factory=set)
    submitted: set = field(default_factory=set)
    in_flight: int = 0  # save requests sent and not answered yet
    # Crash test: the server's restarts so far (a candidate that sees it grow resumes, as a
    # page reloaded after the connection came back) and the gate candidates wait at.
    epoch: int = 0
    gate: asyncio.Event | None = None

    def ack(self, attempt: int, question: int, seq: int, answer) -> None:
        key = (attempt, question)
        if key not in self.acks or self.acks[key][0] < seq:
            self.acks[key] = (seq, answer)

    @property
    def saves(self) -> int:
        return len(self.executed)

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps({
            "acks": [[a, q, seq, answer] for (a, q), (seq, answer) in self.acks.items()],
        }))  # fmt: skip


class Candidate:
    def __init__(self, *, port: int, attempt: int, token: str, ledger: Ledger,
                 behaviour: Behaviour, seed: int):  # fmt: skip
        self.port, self.attempt, self.token = port, attempt, token
        self.ledger, self.behaviour = ledger, behaviour
        self.rng = random.Random(seed)
        self.device_token = ""
        self.deadline: datetime | None = None
        self.questions: list[dict] = []
        self.next_seq: dict[int, int] = {}
        self.current: dict[int, object] = {}
        self.acked: dict[int, int] = {}  # question -> newest acknowledged seq
        self.generation = 0  # bumped by every resume, so concurrent failures resume once
        self.epoch = 0  # the server restart this candidate has resumed after
        self.lock = asyncio.Lock()

    async def run(self) -> None:
        b = self.behaviour
        await asyncio.sleep(self.rng.uniform(0, b.start_spread))
        await self.start()
        asked = []
        for number, question in enumerate(self.questions):
            if number == b.gate_after and self.ledger.gate is not None:
                await self.ledger.gate.wait()
            await asyncio.sleep(self.rng.uniform(*b.think))
            if self.epoch != self.ledger.epoch:
                await self._resume(self.generation)
            await self.answer(question)
            if asked and self.rng.random() < b.change:
                await self.answer(self.rng.choice(asked))
            asked.append(question)
        await self.submit()

    # -- requests

    async def request(self, method: str, path: str, body=None) -> tuple[int, object]:
        return await http(self.port, method, f"/api/v1/attempts/{self.attempt}{path}", body,
                          token=self.token)  # fmt: skip

    async def start(self, *, expected: dict[int, int] | None = None) -> None:
        status, data = await self._reliably("POST", "/start", {"access_code": "", "device_label": "sim"})  # fmt: skip
        if status != 200:
            raise RuntimeError(f"attempt {self.attempt}: start answered {status} {data}")
        first = self.deadline is None
        self.epoch = self.ledger.epoch
        deadline = datetime.fromisoformat(data["deadline"].replace("Z", "+00:00"))
        if first:
            self.deadline = deadline
            self.questions = data["questions"]
            self.ledger.started.add(self.attempt)
        else:
            self._check_resume(data, deadline, expected or {})
        self.device_token = data["device_token"]
        for qid, saved in (data.get("responses") or {}).items():
            qid = int(qid)
            self.next_seq[qid] = max(self.next_seq.get(qid, 1), saved["seq"] + 1)
            self.current.setdefault(qid, saved["answer"])

    def _check_resume(self, data: dict, deadline: datetime, expected: dict[int, int]) -> None:
        self.ledger.resumed.add(self.attempt)
        if deadline != self.deadline:
            self.ledger.problems.append(f"attempt {self.attempt}: deadline moved {self.deadline} → {deadline}")  # fmt: skip
        saved = {int(q): r["seq"] for q, r in (data.get("responses") or {}).items()}
        for question, seq in expected.items():
            if saved.get(question, -1) < seq:
                self.ledger.problems.append(
                    f"attempt {self.attempt}: question {question} acked seq {seq}, resumed with {saved.get(question)}"
                )  # fmt: skip

    async def _reliably(self, method: str, path: str, body=None) -> tuple[int, object]:
        """Send until a response comes back; a broken connection or a 5xx is retried (after
        resuming, in crash mode). `body` may be a function of the current device token."""
        delay = 0.2
        for _ in range(200):
            generation = self.generation
            payload = body(self.device_token) if callable(body) else body
            try:
                status, data = await self.request(method, path, payload)
            except (TimeoutError, OSError, ServerGone) as exc:
                self.ledger.errors[f"connection ({type(exc).__name__})"] += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2)
                if self.behaviour.crash_mode and path == "/responses":
                    await self._resume(generation)
                continue
            if status >= 500:
                self.ledger.errors[f"http {status}"] += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2)
                continue
            return status, data
        raise RuntimeError(f"attempt {self.attempt}: {method} {path} never answered")

    async def _resume(self, generation: int) -> None:
        """After a broken connection: once the server answers GET /state again, start again
        (a new device token); the deadline and every acknowledged answer must still be there."""
        async with self.lock:
            if generation != self.generation:
                return  # another request of this candidate resumed already
            delay = 0.2
            while True:
                try:
                    status, _data = await self.request(
                        "GET", f"/state?device_token={self.device_token}"
                    )
                except (TimeoutError, OSError, ServerGone):
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2)
                    continue
                if status < 500:
                    break
                await asyncio.sleep(delay)
            # Acknowledged before the start is sent, so the start must show them.
            await self.start(expected=dict(self.acked))
            self.generation += 1

    async def save(self, batch: list[tuple[int, int, object]]) -> None:
        def body(device_token):
            return {
                "device_token": device_token,
                "saves": [{"question": q, "seq": seq, "answer": a} for q, seq, a in batch],
            }

        for _ in range(20):
            began, token = time.perf_counter(), self.device_token
            self.ledger.in_flight += 1
            try:
                status, data = await self._reliably("POST", "/responses", body)
            finally:
                self.ledger.in_flight -= 1
            if status == 200:
                self.ledger.latencies.append(time.perf_counter() - began)
                stored = {s["question"]: s["seq"] for s in data["saved"]}
                for question, seq, answer in batch:
                    self.ledger.executed.append((self.attempt, question, seq, answer))
                    if stored.get(question, -1) >= seq:
                        self.ledger.ack(self.attempt, question, seq, answer)
                        self.acked[question] = max(self.acked.get(question, 0), seq)
                    else:
                        self.ledger.errors["not acknowledged"] += 1
                return
            code = data.get("code") if isinstance(data, dict) else None
            self.ledger.errors[f"http {status} {code or ''}".strip()] += 1
            if status == 409 and code == "device_replaced" and self.behaviour.crash_mode:
                # Sent with the token a concurrent request's resume has just replaced: again
                # with the new one (resume only when nobody did).
                if token == self.device_token:
                    await self._resume(self.generation)
                continue
            self.ledger.problems.append(f"attempt {self.attempt}: save refused {status} {data}")
            return
        self.ledger.problems.append(f"attempt {self.attempt}: save never accepted")

    async def answer(self, question: dict) -> None:
        b, qid = self.behaviour, question["id"]
        seq, answer = self._next(question)
        if self.rng.random() < b.out_of_order:
            newer_seq, newer = self._next(question)
            await self.save([(qid, newer_seq, newer)])
            await self.save([(qid, seq, answer)])  # arrives late: must change nothing
        elif self.rng.random() < b.duplicate:
            await asyncio.gather(self.save([(qid, seq, answer)]), self.save([(qid, seq, answer)]))
        else:
            await self.save([(qid, seq, answer)])
            if self.rng.random() < b.retry:
                await self.save([(qid, seq, answer)])

    def _next(self, question: dict) -> tuple[int, object]:
        qid = question["id"]
        seq = self.next_seq.get(qid, 1)
        self.next_seq[qid] = seq + 1
        previous = self.current.get(qid)
        for _ in range(10):
            answer = self._answer(question)
            if answer != previous:
                break
        self.current[qid] = answer
        return seq, answer

    def _answer(self, question: dict):
        kind = question["type"]
        if kind == "true_false_4":
            return [self.rng.random() < 0.5 for _ in range(4)]
        if kind in ("single_choice", "true_false", "multiple_response"):
            values = [o["value"] for o in question.get("options") or []]
            if kind == "true_false":
                return self.rng.random() < 0.5
            if kind == "multiple_response":
                return sorted(self.rng.sample(values, self.rng.randint(1, len(values))))
            return self.rng.choice(values)
        return f"{self.rng.randint(0, 99)}.{self.rng.randint(0, 9)}"

    async def submit(self) -> None:
        status, data = await self._reliably("POST", "/submit", lambda token: {"device_token": token})  # fmt: skip
        if status == 200 and data.get("status") == "submitted":
            self.ledger.submitted.add(self.attempt)
        else:
            self.ledger.errors[f"submit http {status}"] += 1
            self.ledger.problems.append(f"attempt {self.attempt}: submit answered {status} {data}")


# --- child-process entry points ----------------------------------------------------------------


def _django(migrate: bool) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocso.settings")
    os.environ.setdefault("HOCSO_TASKS_IMMEDIATE", "1")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    setup = commands.add_parser("setup", help="migrate and build the exam, write the plan")
    setup.add_argument("--candidates", type=int, required=True)
    setup.add_argument("--questions", type=int, required=True)
    setup.add_argument("--out", type=Path, required=True)
    verify = commands.add_parser("verify", help="compare a ledger with the database")
    verify.add_argument("--ledger", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "setup":
        _django(migrate=True)
        plan = build_exam(candidates=args.candidates, questions=args.questions)
        args.out.write_text(json.dumps(plan))
        return 0
    _django(migrate=False)
    from hocso.exams.models import Attempt

    ledger = json.loads(args.ledger.read_text())
    acks = {(a, q): (seq, answer) for a, q, seq, answer in ledger["acks"]}
    statuses = Counter(Attempt.objects.values_list("status", flat=True))
    print(json.dumps({"checked": len(acks), "lost": lost_answers(acks), "statuses": statuses}))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
