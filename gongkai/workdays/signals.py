"""``calendar_changed`` is sent (inside the writing transaction) after a year's schedule is entered or
replaced, with ``year=<int>``. Receivers recompute deadlines that depended on it, e.g. provisional answer
deadlines that ran into a year not yet entered."""
from django.dispatch import Signal

calendar_changed = Signal()
