"""Shared set-up for benchmark scripts: a Django environment on a database of their own."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"


def use_database(name: str) -> Path:
    """Point Django at var/bench/<name>.sqlite3 (or HOCSO_BENCH_DATABASE_URL) and set it up."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"{name}.sqlite3"
    os.environ["HOCSO_DATABASE_URL"] = os.environ.get(
        "HOCSO_BENCH_DATABASE_URL", f"sqlite:///{path}"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocso.settings")
    os.environ.setdefault("HOCSO_TASKS_IMMEDIATE", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return path


def hocso(*args: str) -> None:
    """Run the hocso command in a child process with the benchmark's database."""
    subprocess.run([str(ROOT / ".venv" / "bin" / "hocso"), *args], check=True)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Stopwatch:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
