"""Tasks for the multi-process worker tests: each records its run in the audit log (a database write) and
may wait (so that a test can kill its worker in the middle of its first run)."""
import time
from pathlib import Path

from django_tasks import task


@task()
def record(key: str, hold: str = "", seconds: float = 0.0) -> str:
    from gongkai.agencies import audit

    audit.record(actor=None, action="test.task", summary=f"task {key}", data={"key": key})
    if hold and not Path(hold).exists():  # first run only: a retry goes straight through
        Path(hold).write_text("started")  # tells the test the write is done and the task is mid-way
        time.sleep(seconds)
    elif seconds and not hold:
        time.sleep(seconds)
    return key
