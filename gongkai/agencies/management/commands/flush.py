"""``flush`` that first lifts the audit log's append-only triggers, then restores them.

Flushing wipes the whole database (an operator's deliberate reset; also run between transactional
tests), so the audit table goes with it. Everything runs in one transaction: on failure the triggers
stay in place. The published heads of the wiped chain are kept, renamed, beside the new head file.
The cache tables (rate-limit counters, 年报体检 results) are emptied too: they live in the database.
"""
import os

from django.utils import timezone

from django.conf import settings
from django.core.cache import caches
from django.core.management.commands import flush
from django.db import connections, transaction

from gongkai.agencies import audit


class Command(flush.Command):
    def handle(self, **options):
        conn = connections[options["database"]]
        with transaction.atomic(using=conn.alias):
            audit.remove_guard(conn)
            result = super().handle(**options)
            audit.install_guard(conn)
        for alias, conf in settings.CACHES.items():
            if conf["BACKEND"].endswith(".db.DatabaseCache"):  # never a shared Redis (clear() = FLUSHDB)
                caches[alias].clear()
        path = audit.head_file()
        if path.exists() and path.stat().st_size:
            os.replace(path, path.with_name(f"{path.name}.flushed-{timezone.now():%Y%m%dT%H%M%S%f}"))
        return result
