"""``gongkai report audit`` over a folder of good, broken and junk files → .xlsx and .html."""
import copy
import io
import json
import subprocess
import sys
from pathlib import Path

import lxml.html
import openpyxl
import pytest

from gongkai.report.audit import FINDING_HEADER, SUMMARY_HEADER, collect_files, run_audit
from gongkai.report.model import Report
from gongkai.report.render import render

ROOT = Path(__file__).resolve().parents[2]
AGENCY = "淄博市临淄区行政审批服务局"


def gongkai(*args):
    return subprocess.run([sys.executable, "-m", "gongkai.cli", "report", *map(str, args)],
                          capture_output=True, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, shared):
    """seed (text) · seed 2023 with a mismatching carry-over (JSON, nested) · broken (HTML, other agency)
    · empty and junk files · a file of another kind that audit must ignore."""
    root = tmp_path_factory.mktemp("reports")
    fixture = json.loads((shared / "fixtures" / "seed-2024.json").read_text(encoding="utf-8"))
    (root / "a-seed.txt").write_bytes((shared / "seeds" / "000_0e482e19bd443c5d.txt").read_bytes())
    broken = Report.from_dict(copy.deepcopy(fixture))
    broken.agency = "某县人民政府办公室"
    broken.set("applications.total_processed.total", 3)
    (root / "b-broken.html").write_bytes(render(broken, "html"))
    (root / "c-empty.txt").write_bytes(b"")
    (root / "d-junk.txt").write_bytes(bytes(range(256)) * 50)
    (root / "notes.csv").write_text("not,a,report\n", encoding="utf-8")
    (root / "older").mkdir()
    prev = copy.deepcopy(fixture)
    prev["year"] = 2023
    for col in ("natural_person", "total"):  # one more application, not concluded by 31 December
        prev["applications"]["new_received"][col] = 3
        prev["applications"]["carried_forward"][col] = 1
    (root / "older" / "e-2023.json").write_text(json.dumps(prev, ensure_ascii=False), encoding="utf-8")
    return root


def rows_by_file(rows, root):
    return {Path(r[0]).relative_to(root).as_posix(): r for r in rows}


def check_results(summary, findings, root):
    by_file = rows_by_file(summary, root)
    assert set(by_file) == {"a-seed.txt", "b-broken.html", "c-empty.txt", "d-junk.txt", "older/e-2023.json"}
    seed = by_file["a-seed.txt"]
    assert seed[1:5] == [AGENCY, 2024, "2021年版", "是"]
    assert seed[5] == 2  # carry_over against the 2023 report: 自然人 and 总计 columns
    broken = by_file["b-broken.html"]
    assert broken[4] == "是" and broken[5] >= 3
    for name in ("c-empty.txt", "d-junk.txt"):
        assert by_file[name][4] == "否" and by_file[name][7], by_file[name]
    assert by_file["older/e-2023.json"][5] == 0

    rules = {}
    for f in findings:
        rules.setdefault(Path(f[0]).relative_to(root).as_posix(), []).append(f)
    assert [f[1] for f in rules["a-seed.txt"]] == ["carry_over", "carry_over"]
    assert rules["a-seed.txt"][0][2] == "错误"
    assert rules["a-seed.txt"][0][3] == "applications.carried_over.natural_person"
    assert {"balance", "outcome_sum"} <= {f[1] for f in rules["b-broken.html"]}
    assert "表三“总计”列" in next(f[4] for f in rules["b-broken.html"] if f[1] == "balance")
    assert set(rules) == {"a-seed.txt", "b-broken.html"}


def test_collect_files(folder):
    files, missing = collect_files([str(folder), str(folder / "nope")])
    names = [Path(f).relative_to(folder).as_posix() for f in files]
    assert names == ["a-seed.txt", "b-broken.html", "c-empty.txt", "d-junk.txt", "older/e-2023.json"]
    assert missing == [str(folder / "nope")]


def test_audit_xlsx(folder, tmp_path):
    out = tmp_path / "audit.xlsx"
    res = gongkai("audit", folder, "-o", out)
    err = res.stderr.decode()
    assert res.returncode == 0, err
    assert "Traceback" not in err
    assert "已处理 5/5" in err  # stderr is not a terminal here: plain progress lines
    assert "共 5 个文件，解析成功 3 个，无法读取 2 个" in err
    assert "d-junk.txt" in err
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["汇总", "问题"]
    summary = [list(r) for r in wb["汇总"].iter_rows(values_only=True)]
    findings = [list(r) for r in wb["问题"].iter_rows(values_only=True)]
    assert tuple(summary[0]) == SUMMARY_HEADER and tuple(findings[0]) == FINDING_HEADER
    summary = [[("" if v is None else v) for v in r] for r in summary[1:]]
    check_results(summary, findings[1:], folder)


def test_audit_html(folder, tmp_path):
    out = tmp_path / "audit.html"
    res = gongkai("audit", folder / "a-seed.txt", folder / "b-broken.html", folder / "c-empty.txt",
                  folder / "d-junk.txt", folder / "older", "-o", out)
    assert res.returncode == 0, res.stderr.decode()
    doc = lxml.html.fromstring(out.read_bytes())
    assert doc.get("lang") == "zh-CN" and not doc.xpath("//script|//link")  # standalone

    def table(tid):
        rows = doc.xpath(f'//table[@id="{tid}"]//tr')
        return [[c.text_content() for c in r.xpath("th|td")] for r in rows]

    summary, findings = table("summary"), table("findings")
    assert tuple(summary[0]) == SUMMARY_HEADER and tuple(findings[0]) == FINDING_HEADER
    summary = [[int(v) if i in (2, 5, 6) and v.isdigit() else v for i, v in enumerate(r)] for r in summary[1:]]
    check_results(summary, findings[1:], folder)


def test_run_audit_in_process(folder, tmp_path):
    progress = io.StringIO()
    s = run_audit([str(folder)], tmp_path / "a.xlsx", progress=progress, workers=2)
    assert (s.files, s.parsed, s.failed, s.errors) == (5, 3, 2, s.errors)
    assert s.errors >= 5 and "已处理 5/5" in progress.getvalue()


def test_audit_nothing_to_read_exits_2(tmp_path):
    res = gongkai("audit", tmp_path / "nope", "-o", tmp_path / "out.xlsx")
    assert res.returncode == 2 and "Traceback" not in res.stderr.decode()
    assert not (tmp_path / "out.xlsx").exists()


def test_audit_unwritable_output_exits_2(folder, tmp_path):
    for out in (tmp_path / "missing-dir" / "out.xlsx", tmp_path / "out.csv"):
        res = gongkai("audit", folder, "-o", out)
        assert res.returncode == 2, res.stderr.decode()
        assert "Traceback" not in res.stderr.decode()
        assert not out.exists()


def test_previous_year_matches_longer_or_shorter_agency_name(tmp_path):
    from gongkai.report.audit import _Store

    store = _Store(str(tmp_path / "s.sqlite3"))
    years = {("洪泽区人民政府", 2023): "a", ("金湖县人民政府", 2023): "c",
             ("淮安市洪泽区人民政府", 2024): "b", ("某区人民政府", 2023): "d", ("甲市某区人民政府", 2023): "e"}
    for idx, ((agency, year), file) in enumerate(years.items()):
        store.add(idx, {"file": file, "ok": True, "agency": agency, "year": year, "layout": 2021,
                        "other_collapsed": False, "findings": [], "cross": {}})

    def previous(agency, year):
        found = store._previous(store.db.cursor(), agency, year)
        return found and found["file"]

    assert previous("淮安市洪泽区人民政府", 2024) == "a"
    assert previous("淮安市金湖县人民政府", 2024) == "c"
    assert previous("淮安市盱眙县人民政府", 2024) is None
    assert previous("乙市某区人民政府", 2024) == "d"  # exact suffix, one candidate
    assert previous("洪泽区人民政府", 2025) == "b"
    assert previous("洪泽区人民政府", 2027) is None


def test_progress_bar_on_a_terminal_lines_otherwise():
    from gongkai.report.audit import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    tty = Terminal()
    bar = Progress(3, tty)
    for _ in range(3):
        bar.advance()
    out = tty.getvalue()
    assert out.startswith("\r已处理 [") and out.endswith("] 3/3\n") and "已处理 1/3" not in out

    log = io.StringIO()
    lines = Progress(100, log)
    for _ in range(100):
        lines.advance()
    assert log.getvalue().splitlines()[:2] == ["已处理 5/100", "已处理 10/100"]
    assert len(log.getvalue().splitlines()) == 20  # a log line every 5 %, not one per file


def test_a_worker_that_dies_fails_only_its_file(tmp_path, shared, monkeypatch):
    """Fault injection: the parser kills its process on one file (as an out-of-memory kill would).
    Workers are forked, so they inherit the patched parser; the other files must still be read."""
    import os

    import gongkai.report.parsers as parsers

    real = parsers.parse_file

    def dying(path):
        if "crash" in str(path):
            os._exit(9)
        return real(path)

    monkeypatch.setattr(parsers, "parse_file", dying)
    seed = (shared / "fixtures" / "seed-2024.json").read_bytes()
    names = ["a.json", "b-crash.json", "c.json", "d.json", "e-crash.json", "f.json"]
    for name in names:
        (tmp_path / name).write_bytes(seed)
    out = tmp_path / "out.xlsx"
    s = run_audit([str(tmp_path)], out, progress=None, workers=2)
    assert (s.files, s.parsed, s.failed) == (6, 4, 2)
    rows = {Path(r[0]).name: r for r in openpyxl.load_workbook(out).worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert [n for n in names if rows[n][4] == "否"] == ["b-crash.json", "e-crash.json"]
    assert rows["b-crash.json"][7] == "文件过大或过于复杂，已停止解析"
