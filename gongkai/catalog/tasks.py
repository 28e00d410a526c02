"""Background tasks (django-tasks; run by ``gongkai worker``)."""
from __future__ import annotations

from django_tasks import task


@task()
def privacy_sweep(agency_id: int | None = None) -> dict:
    """Periodic privacy sweep of published items (one agency, or all); returns the report's summary.
    Schedule it with cron, e.g. nightly: ``gongkai catalog sweep`` or enqueue this task."""
    from gongkai.agencies.models import Agency

    from .services import sweep

    agency = Agency.objects.get(pk=agency_id) if agency_id is not None else None
    report = sweep(agency)
    return {"report": report.pk, "items": report.items_scanned, "open_hits": report.hits_found,
            "new_hits": report.new_hits}
