"""Batch audit scheduling on real files: largest first, a bounded number in flight, output in input order,
a dying worker fails only its file (also across worker replacement), first file in input order wins."""
from __future__ import annotations

import copy
import io
import json
import os
from pathlib import Path

import openpyxl
import pytest

from gongkai.report import audit
from gongkai.report.audit import run_audit
from gongkai.report.model import Report
from gongkai.report.render import render


def sheets(path):
    wb = openpyxl.load_workbook(path, read_only=True)
    return [[list(r) for r in ws.iter_rows(min_row=2, values_only=True)] for ws in wb.worksheets]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, shared):
    """Twelve reports of three agencies over years, small JSON and large HTML interleaved, two with a
    broken total, and two junk files of different sizes."""
    root = tmp_path_factory.mktemp("mixed")
    fixture = json.loads((shared / "fixtures" / "seed-2024.json").read_text(encoding="utf-8"))
    for i in range(12):
        report = Report.from_dict(copy.deepcopy(fixture))
        report.agency = f"测试市第{i % 3}局"
        report.year = 2021 + i // 3
        if i in (4, 9):
            report.set("applications.total_processed.total", 99)
        fmt = "html" if i % 2 else "json"
        (root / f"r{i:02d}.{fmt}").write_bytes(render(report, fmt))
    (root / "x-junk-small.txt").write_text("不是年度报告", encoding="utf-8")
    (root / "y-junk-big.txt").write_text("不是年度报告。" * 4000, encoding="utf-8")
    return root


def test_output_in_input_order_whatever_the_workers(mixed, tmp_path):
    outputs = []
    for workers in (1, 2, 3):
        out = tmp_path / f"w{workers}.xlsx"
        s = run_audit([str(mixed)], out, progress=None, workers=workers)
        assert (s.files, s.parsed, s.failed) == (14, 12, 2)
        outputs.append(sheets(out))
    summary, findings = outputs[0]
    assert [Path(r[0]).name for r in summary] == sorted(os.listdir(mixed))
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]
    # Findings follow the files' order: each file's own, then its cross-year ones.
    places = {r[0]: i for i, r in enumerate(summary)}
    assert [places[f[0]] for f in findings] == sorted(places[f[0]] for f in findings)
    assert {Path(f[0]).name for f in findings} >= {"r04.json", "r09.html"}


def test_largest_files_are_read_first(mixed, tmp_path):
    """One worker reads in the order it is given: the bigger junk file fails before the smaller one,
    though it comes after it in the input."""
    progress = io.StringIO()
    run_audit([str(mixed)], tmp_path / "o.html", progress=progress, workers=1)
    failed = [line for line in progress.getvalue().splitlines() if line.startswith("无法读取 ")]
    assert [Path(line.split("：")[0][5:]).name for line in failed] == ["y-junk-big.txt", "x-junk-small.txt"]
    sizes = sorted(((p.stat().st_size, p.name) for p in mixed.iterdir()), reverse=True)
    assert sizes[0][1] == "y-junk-big.txt"


def test_files_in_flight_are_bounded(mixed, monkeypatch):
    files = sorted(str(p) for p in mixed.iterdir()) * 3
    sent = []
    real_send = audit._Worker.send

    def send(self, task):
        if task is not None:
            sent.append(task[0])
        return real_send(self, task)

    monkeypatch.setattr(audit._Worker, "send", send)
    in_flight, seen = [], []
    for idx, result in audit._results(files, list(range(len(files))), workers=2, depth=2, files_per_worker=5):
        in_flight.append(len(sent) - len(seen))
        seen.append(idx)
        assert result["file"] == files[idx]
    assert sorted(seen) == list(range(len(files)))  # every file once, workers replaced every 5 files
    assert max(in_flight) <= 4 and max(in_flight) >= 2  # 2 workers × 2 files each, both kept busy


def test_a_dying_file_fails_alone_across_worker_replacement(mixed, tmp_path, monkeypatch):
    """The parser kills its process on one file, with workers replaced every 3 files: the file each
    dying worker held next goes back to the queue and is read by another worker."""
    import gongkai.report.parsers as parsers

    real = parsers.parse_file

    def dying(path):
        if str(path).endswith(("r03.html", "r08.json")):
            os._exit(9)
        return real(path)

    monkeypatch.setattr(parsers, "parse_file", dying)  # workers are forked: they inherit the patch
    monkeypatch.setattr(audit, "FILES_PER_WORKER", 3)
    out = tmp_path / "out.xlsx"
    s = run_audit([str(mixed)], out, progress=None, workers=2)
    assert (s.files, s.parsed, s.failed) == (14, 10, 4)
    summary, _ = sheets(out)
    failed = {Path(r[0]).name: r[7] for r in summary if r[4] == "否"}
    assert set(failed) == {"r03.html", "r08.json", "x-junk-small.txt", "y-junk-big.txt"}
    assert failed["r03.html"] == failed["r08.json"] == "文件过大或过于复杂，已停止解析"
    assert [Path(r[0]).name for r in summary] == sorted(os.listdir(mixed))


def test_first_file_in_input_order_wins_for_an_agency_year(tmp_path, shared):
    """Two reports of the same agency and year: the earlier one in the input is last year's for the
    cross-year rules, though the later one is larger and so read first."""
    fixture = json.loads((shared / "fixtures" / "seed-2024.json").read_text(encoding="utf-8"))
    (tmp_path / "c-2024.txt").write_bytes((shared / "seeds" / "000_0e482e19bd443c5d.txt").read_bytes())
    prev = copy.deepcopy(fixture)
    prev["year"] = 2023
    consistent = Report.from_dict(copy.deepcopy(prev))
    for col in ("natural_person", "total"):  # one application more, carried into 2024 but not seen there
        prev["applications"]["new_received"][col] = 3
        prev["applications"]["carried_forward"][col] = 1
    (tmp_path / "a-2023.json").write_text(json.dumps(prev, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "b-2023.html").write_bytes(render(consistent, "html"))
    assert (tmp_path / "b-2023.html").stat().st_size > (tmp_path / "a-2023.json").stat().st_size
    out = tmp_path / "out.xlsx"
    run_audit([str(tmp_path)], out, progress=None, workers=2)
    _, findings = sheets(out)
    carry = [f for f in findings if f[1] == "carry_over"]
    assert len(carry) == 2 and all(Path(f[0]).name == "c-2024.txt" for f in carry)
    assert all("a-2023.json" in f[4] for f in carry)
