"""``gongkai worker``: the django-tasks database worker, safe to run as many processes on many machines.

What django-tasks-db gives: a task is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and marked RUNNING
in one transaction, so two workers never take the same task. What it does not: a worker killed in the
middle of a task (SIGKILL, power loss) leaves the task RUNNING for ever, and whatever the task had written
stays half-done. This module adds:

- **Liveness**: each worker holds a lock for its whole life: on PostgreSQL a session advisory lock on a
  connection of its own (released by the server when the process dies, on whatever machine); on SQLite
  (one machine) an ``flock`` on ``var/workers/<id>.lock`` (released by the kernel).
- **Reaper**: every worker, in a background thread, looks at RUNNING tasks of gongkai workers (ids
  ``gk-…``) whose lock is free, i.e. whose worker is dead, and puts them back to READY (retried by
  whichever worker is free) or, after MAX_ATTEMPTS claims, marks them FAILED with a Chinese reason.
- **All or nothing** (PostgreSQL): the task's database writes and its SUCCESSFUL mark commit in one
  transaction; a killed or failed task leaves no writes, so the retry does the work exactly once (except
  UNWRAPPED_TASKS, whose progress must be seen while they run; they write only expiring cache entries). On
  SQLite a task is not wrapped (a long transaction would lock every other writer out); its tasks must be
  idempotent, as gongkai's are (sweeps and reminders recompute their results). E-mail sent by a task
  before it was killed is sent again by the retry (at-least-once delivery).
"""
from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

logger = logging.getLogger("gongkai.worker")
PREFIX = "gk-"
MAX_ATTEMPTS = 3
# Tasks whose writes others must see while they run (年报体检 OCR progress in the checks store).
UNWRAPPED_TASKS = frozenset({"gongkai.annual.tasks.check_scans"})
REAP_EVERY = float(os.environ.get("GONGKAI_WORKER_REAP_SECONDS", "10"))


def new_worker_id() -> str:
    host = socket.gethostname().split(".")[0][:30]
    return f"{PREFIX}{host}-{os.getpid()}-{get_random_string(6)}"


def _advisory_key(worker_id: str) -> int:
    return int.from_bytes(hashlib.sha256(b"gongkai.worker:" + worker_id.encode()).digest()[:8], "big", signed=True)


def _lock_path(worker_id: str):
    d = settings.VAR_DIR / "workers"
    d.mkdir(parents=True, exist_ok=True)
    return d / f"{''.join(c if c.isalnum() or c in '-_' else '_' for c in worker_id)}.lock"


class Liveness:
    """The lock a worker holds while alive (see module docstring)."""

    def __init__(self, worker_id: str):
        self.worker_id = worker_id
        self._conn = self._fh = None

    def acquire(self) -> None:
        if connection.vendor == "postgresql":
            import psycopg

            s = connection.settings_dict
            params = {k: v for k, v in {"host": s.get("HOST"), "port": s.get("PORT"), "user": s.get("USER"),
                                        "password": s.get("PASSWORD"), "dbname": s.get("NAME")}.items() if v}
            self._conn = psycopg.connect(autocommit=True, application_name=self.worker_id[:63], **params)
            self._conn.execute("SELECT pg_advisory_lock(%s)", [_advisory_key(self.worker_id)])
        else:
            import fcntl

            self._fh = open(_lock_path(self.worker_id), "w")
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._fh is not None:
            self._fh.close()
            _lock_path(self.worker_id).unlink(missing_ok=True)


def is_dead(worker_id: str) -> bool:
    """True when ``worker_id`` is a gongkai worker whose liveness lock is free (the process is gone)."""
    if not worker_id.startswith(PREFIX):
        return False  # a plain db_worker holds no lock: never presume it dead
    if connection.vendor == "postgresql":
        key = _advisory_key(worker_id)
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [key])
            free = cur.fetchone()[0]
            if free:
                cur.execute("SELECT pg_advisory_unlock(%s)", [key])
        return free
    import fcntl

    path = _lock_path(worker_id)
    if not path.exists():
        return True
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        path.unlink(missing_ok=True)
        return True


def reap() -> tuple[int, int]:
    """Put the tasks of dead workers back in the queue (or fail them after MAX_ATTEMPTS claims).
    Returns (requeued, failed)."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    requeued = failed = 0
    with transaction.atomic():
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).select_for_update(skip_locked=True)
        for row in running:
            last = row.worker_ids[-1] if row.worker_ids else ""
            if not is_dead(last):
                continue
            if len(row.worker_ids) >= MAX_ATTEMPTS:
                row.status = TaskResultStatus.FAILED
                row.finished_at = timezone.now()
                row.exception_class_path = "gongkai.worker.WorkerLost"
                row.traceback = f"执行任务的后台进程已 {len(row.worker_ids)} 次异常退出（{', '.join(row.worker_ids)}），不再重试。"
                row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
                failed += 1
                logger.error("task %s failed: its workers died %d times", row.pk, len(row.worker_ids))
            else:
                row.status = TaskResultStatus.READY
                row.started_at = None
                row.save(update_fields=["status", "started_at"])
                requeued += 1
                logger.warning("task %s requeued: worker %s died", row.pk, last)
    return requeued, failed


def _worker_class():
    from django_tasks_db.compat import TaskContext, task_finished, task_started
    from django_tasks_db.management.commands.db_worker import Worker as BaseWorker

    class Worker(BaseWorker):
        def run_task(self, db_task_result) -> None:
            if connection.vendor != "postgresql" or db_task_result.task_path in UNWRAPPED_TASKS:
                return super().run_task(db_task_result)
            # As upstream, but the task's writes and its success mark commit together; on failure
            # (or death) nothing the task wrote remains.
            try:
                self.running_task = True
                task = db_task_result.task
                task_result = db_task_result.task_result
                backend_type = task.get_backend()
                task_started.send(sender=backend_type, task_result=task_result)
                with transaction.atomic():
                    if task.takes_context:
                        value = task.call(TaskContext(task_result=task_result), *task_result.args,
                                          **task_result.kwargs)
                    else:
                        value = task.call(*task_result.args, **task_result.kwargs)
                    db_task_result.set_successful(value)
                task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
            except BaseException as exc:  # noqa: BLE001 - recorded on the task, as upstream does
                db_task_result.set_failed(exc)
                task_finished.send(sender=type(db_task_result.task.get_backend()),
                                   task_result=db_task_result.task_result)
            finally:
                self.running_task = False
                self._run_tasks += 1

    return Worker


def _reaper_loop(stop: threading.Event) -> None:
    while not stop.wait(REAP_EVERY):
        try:
            close_old_connections()
            reap()
        except Exception:  # noqa: BLE001 - a dropped connection must not kill the worker; try again later
            logger.exception("reaper failed")
            connection.close()
    connection.close()


def run(*, interval: float = 1.0, batch: bool = False, queue: str = "*") -> int:
    """Run one worker process until stopped (or, with ``batch``, until the queue is empty)."""
    from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS

    worker_id = new_worker_id()
    live = Liveness(worker_id)
    live.acquire()
    stop = threading.Event()
    reaper = threading.Thread(target=_reaper_loop, args=(stop,), daemon=True, name="gongkai-reaper")
    try:
        reap()  # tasks left by workers that died while nobody was running
        reaper.start()
        worker = _worker_class()(queue_names=queue.split(","), interval=interval, batch=batch,
                                 backend_name=DEFAULT_TASK_BACKEND_ALIAS, startup_delay=not batch, max_tasks=None,
                                 worker_id=worker_id, excluded_queue_names=[])
        worker.configure_signals()
        logger.info("worker %s started", worker_id)
        worker.run()
    finally:
        stop.set()
        live.release()
    return 0
