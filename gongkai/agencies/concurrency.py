"""No lost updates when two staff members act on the same record.

Two layers, used by every service that changes a case, a catalogue item or an appeal:

- the service locks the row (``select_for_update``) and decides on the locked, current row, so two
  requests at the same moment are serialised and the second sees what the first wrote;
- a form carries the ``version`` of the record it was loaded at (a hidden field); the service compares
  it with the locked row and refuses a stale one with ``STALE_MESSAGE``, so a page left open while a
  colleague acted never overwrites the colleague's work. Each change increments the version.
"""
from __future__ import annotations

STALE_MESSAGE = "该记录已被他人修改，请刷新后重试。"


def is_stale(current: int, expected) -> bool:
    """``expected`` is what the form carried (text from a POST, an int, or None when no form was loaded
    earlier, e.g. a command or a task). Anything that is not the current version is stale."""
    if expected is None:
        return False
    try:
        return int(str(expected).strip()) != current
    except ValueError:
        return True
