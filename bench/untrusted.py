"""Untrusted files (issue 7): the hostile files of the issue end quickly and small, and the bounded worker
costs little per file.

Goals: ``gongkai report parse`` of a 1,000-page PDF, a 20,000-page PDF and a ~0.7 MB DOCX that unpacks to
190 MB each ends within 30 s under 1 GB (refused or read); a parse in the bounded child costs at most
100 ms more than in-process (fork from the preloaded fork server, pickling the result back).
"""
from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_0e482e19bd443c5d.txt"
GOAL_SECONDS, GOAL_BYTES, GOAL_OVERHEAD = 30.0, 1024 ** 3, 0.100


def _cli(path: Path) -> tuple[float, int, str]:
    """(seconds, exit code, stderr) of ``gongkai report parse`` run in 1 GiB of address space: the CLI,
    its fork server and the bounded child all inherit the limit, so finishing at all proves the bound."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (GOAL_BYTES, GOAL_BYTES))

    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "gongkai.cli", "report", "parse", str(path)], capture_output=True,
                         cwd=ROOT, timeout=120, preexec_fn=limit)
    return time.perf_counter() - t, res.returncode, res.stderr.decode().strip()


def run() -> None:
    sys.path.insert(0, str(ROOT))
    from gongkai.report import worker
    from gongkai.report.parsers import parse_bytes
    from tests import hostile

    with tempfile.TemporaryDirectory() as tmp:
        files = {"pages-1000.pdf": hostile.pdf_pages(1000), "pages-20000.pdf": hostile.pdf_pages(20_000),
                 "bomb-190mb.docx": hostile.docx_bomb(190), "entities.docx": hostile.docx_entity_bomb()}
        for name, data in files.items():
            path = Path(tmp) / name
            path.write_bytes(data)
            seconds, code, err = _cli(path)
            ok = seconds < GOAL_SECONDS and code == 2 and "Traceback" not in err
            print(f"{name:18} {len(data) / 1024:8.0f} KB  {seconds:5.2f} s in 1 GiB  exit {code}  "
                  f"{'ok' if ok else 'MISSED GOAL'}  {err.split('：', 1)[-1][:50]}")
    data = SEED.read_bytes()
    worker.parse_bytes(data, "seed.txt")  # starts the fork server once
    n = 20
    t = time.perf_counter()
    for _ in range(n):
        parse_bytes(data, "seed.txt")
    inline = (time.perf_counter() - t) / n
    t = time.perf_counter()
    for _ in range(n):
        worker.parse_bytes(data, "seed.txt")
    bounded = (time.perf_counter() - t) / n
    over = bounded - inline
    print(f"seed report: in-process {inline * 1000:.0f} ms, bounded child {bounded * 1000:.0f} ms, "
          f"overhead {over * 1000:.0f} ms (goal ≤ {GOAL_OVERHEAD * 1000:.0f} ms) "
          f"{'ok' if over <= GOAL_OVERHEAD else 'MISSED GOAL'}; peak of this process "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    run()
