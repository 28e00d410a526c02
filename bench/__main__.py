"""Run every ``bench/*.py`` module that defines ``run()``; exit 0 regardless (benches inform)."""
from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
import traceback

import bench


def main() -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))
    # One module at a time: the benches print ratios of timings taken in the same run, and the batch
    # audit uses both cores by design; running modules side by side would skew every ratio.
    total = time.perf_counter()
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        run = getattr(module, "run", None)
        if not callable(run):
            continue
        print(f"== bench.{name} ==", flush=True)
        started = time.perf_counter()
        try:
            run()
        except Exception:  # one broken bench must not hide the others
            print(f"bench.{name} crashed:", flush=True)
            traceback.print_exc(file=sys.stdout)
        print(f"(bench.{name}: {time.perf_counter() - started:.1f} s)", flush=True)
    print(f"(all benches: {time.perf_counter() - total:.1f} s; load average {os.getloadavg()[0]:.1f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
