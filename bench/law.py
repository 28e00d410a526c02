"""Deadline benchmark: answer deadlines (Art. 33, with derivation text) for 20,000 cases.

Goal: at least 20,000 cases/second on one core, so recomputing every open case when a year's schedule
is entered (gongkai.workdays.signals.calendar_changed) stays well under a few seconds.
Cases are generated reproducibly: receipt dates 2019-05-15 … 2026-12-31, a fifth with a supplement,
a tenth with a consultation, a tenth with an extension; plus bare add_working_days for comparison.
"""
from __future__ import annotations

import random
import time
from datetime import date, timedelta

from gongkai.law.calendar import WorkCalendar, add_working_days
from gongkai.law.periods import Pause, answer_due

CASES = 20_000  # a rate: 20,000 cases take about a second at the goal, enough to average out
GOAL = 20_000  # cases per second


def _cases(n: int, seed: int = 20241028) -> list[dict]:
    rng = random.Random(seed)
    first = date(2019, 5, 15)
    span = (date(2026, 12, 31) - first).days
    out = []
    for _ in range(n):
        received = first + timedelta(days=rng.randrange(span + 1))
        case = {"received": received}
        r = rng.random()
        if r < 0.2:
            case["supplement_received"] = received + timedelta(days=rng.randrange(1, 15))
        elif r < 0.3:
            sent = received + timedelta(days=rng.randrange(1, 10))
            case["pauses"] = [Pause("third_party", sent, sent + timedelta(days=rng.randrange(1, 21)))]
        elif r < 0.4:
            case["extension_days"] = rng.randrange(1, 21)
        out.append(case)
    return out


def run() -> None:
    cal = WorkCalendar.from_chinese_calendar()
    cases = _cases(CASES)

    started = time.perf_counter()
    provisional = 0
    for case in cases:
        provisional += answer_due(cal, **case).provisional
    elapsed = time.perf_counter() - started
    rate = CASES / elapsed
    verdict = "OK" if rate >= GOAL else "FAIL"
    print(f"{'answer_due (with derivation)':<34} {rate:11,.0f} cases/s  goal ≥ {GOAL:,}  {verdict}   "
          f"{CASES:,} cases in {elapsed:.2f} s, {provisional:,} provisional", flush=True)

    started = time.perf_counter()
    for case in cases:
        add_working_days(cal, case["received"], 20)
    elapsed = time.perf_counter() - started
    print(f"{'add_working_days (20 days)':<34} {CASES / elapsed:11,.0f} cases/s  (reference)", flush=True)


if __name__ == "__main__":
    run()
