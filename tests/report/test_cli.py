"""``gongkai report …`` run as a real command on the seed report and on bad input."""
import copy
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gongkai.report.model import Report
from gongkai.report.render import render

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("proactive", "applications", "appeals")


def gongkai(*args, stdin: bytes | None = None):
    return subprocess.run([sys.executable, "-m", "gongkai.cli", "report", *map(str, args)],
                          input=stdin, capture_output=True, cwd=ROOT, timeout=300)


def assert_clean_failure(res):
    """Exit 2 with one Chinese line on stderr, never a traceback."""
    err = res.stderr.decode("utf-8")
    assert res.returncode == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err), err


@pytest.fixture(scope="module")
def seed_txt(shared):
    return shared / "seeds" / "000_0e482e19bd443c5d.txt"


@pytest.fixture(scope="module")
def fixture(shared):
    return json.loads((shared / "fixtures" / "seed-2024.json").read_text(encoding="utf-8"))


def write_json(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_parse_seed_equals_fixture(seed_txt, fixture):
    res = gongkai("parse", seed_txt)
    assert res.returncode == 0, res.stderr.decode()
    parsed = json.loads(res.stdout)
    for key in ("layout", "year", "agency", *TABLES):
        assert parsed[key] == fixture[key], key
    for num, start in fixture["sections"].items():
        assert parsed["sections"][num].startswith(start)


def test_parse_stdin(seed_txt, fixture):
    res = gongkai("parse", "-", stdin=seed_txt.read_bytes())
    assert res.returncode == 0, res.stderr.decode()
    assert json.loads(res.stdout)["applications"] == fixture["applications"]


def test_check_seed_is_clean(seed_txt):
    res = gongkai("check", seed_txt)
    out = res.stdout.decode()
    assert res.returncode == 0, out + res.stderr.decode()
    assert "淄博市临淄区行政审批服务局" in out and "0 个错误" in out


def test_check_broken_copy_exits_1(tmp_path, fixture):
    broken = copy.deepcopy(fixture)
    broken["applications"]["total_processed"]["total"] = 3  # the 总计 column no longer balances
    res = gongkai("check", write_json(tmp_path / "broken.json", broken), "--json")
    assert res.returncode == 1, res.stderr.decode()
    findings = json.loads(res.stdout)
    assert all(set(f) == {"rule", "severity", "cells", "message"} for f in findings)
    rules = {f["rule"] for f in findings}
    assert {"balance", "outcome_sum", "row_total"} <= rules
    balance = next(f for f in findings if f["rule"] == "balance")
    assert balance["severity"] == "error"
    assert "applications.total_processed.total" in balance["cells"]
    assert "表三“总计”列" in balance["message"]


def test_check_broken_rendered_html_human_output(tmp_path, fixture):
    report = Report.from_dict(copy.deepcopy(fixture))
    report.set("appeals.reconsideration.total", 4)
    html = tmp_path / "broken.html"
    html.write_bytes(render(report, "html"))
    res = gongkai("check", html)
    out = res.stdout.decode()
    assert res.returncode == 1, out + res.stderr.decode()
    assert "[错误]" in out and "表四“行政复议”" in out and "appeal_total" in out


def test_check_json_clean_is_empty_list(seed_txt):
    res = gongkai("check", seed_txt, "--json")
    assert res.returncode == 0
    assert json.loads(res.stdout) == []


def test_check_previous(tmp_path, seed_txt, fixture):
    prev = copy.deepcopy(fixture)
    prev["year"] = 2023
    ok = gongkai("check", seed_txt, "--previous", write_json(tmp_path / "2023.json", prev), "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout) == []
    prev["applications"]["carried_forward"]["natural_person"] = 1
    prev["applications"]["carried_forward"]["total"] = 1
    res = gongkai("check", seed_txt, "--previous", write_json(tmp_path / "2023b.json", prev), "--json")
    assert res.returncode == 1
    findings = json.loads(res.stdout)
    assert [f["rule"] for f in findings] == ["carry_over", "carry_over"]
    assert findings[0]["cells"] == ["applications.carried_over.natural_person"]


def test_check_previous_unreadable(tmp_path, seed_txt):
    (tmp_path / "empty.txt").write_bytes(b"")
    assert_clean_failure(gongkai("check", seed_txt, "--previous", tmp_path / "empty.txt"))


@pytest.mark.parametrize("name, content", [
    ("empty.txt", b""),
    ("junk.txt", bytes(range(256)) * 40),
    ("junk.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 10),
    ("notes.txt", "这是一份会议纪要，没有任何表格。\n".encode()),
    ("bad.json", b"{\"layout\": \"2021\""),
])
def test_bad_input_exits_2(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    for command in ("parse", "check"):
        assert_clean_failure(gongkai(command, path))


def test_missing_file_and_directory_exit_2(tmp_path):
    assert_clean_failure(gongkai("check", tmp_path / "nope.txt"))
    assert_clean_failure(gongkai("parse", tmp_path))


@pytest.mark.parametrize("fmt, magic", [
    ("html", b"<!DOCTYPE html"), ("docx", b"PK"), ("pdf", b"%PDF"), ("xlsx", b"PK"), ("json", b"{"),
])
def test_render_each_format(tmp_path, seed_txt, fixture, fmt, magic):
    out = tmp_path / f"seed.{fmt}"
    res = gongkai("render", seed_txt, "--to", fmt, "-o", out)
    assert res.returncode == 0, res.stderr.decode()
    data = out.read_bytes()
    assert data[:20].lstrip().upper().startswith(magic.upper())
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left behind
    if fmt in ("docx", "xlsx"):
        assert zipfile.ZipFile(out).testzip() is None
    if fmt == "json":
        assert {k: json.loads(data)[k] for k in TABLES} == {k: fixture[k] for k in TABLES}
    if fmt in ("html", "json", "docx", "pdf"):
        # What was rendered reads back as the same report.
        back = gongkai("parse", out)
        assert back.returncode == 0, back.stderr.decode()
        assert {k: json.loads(back.stdout)[k] for k in TABLES} == {k: fixture[k] for k in TABLES}


def test_render_to_unwritable_place_exits_2(tmp_path, seed_txt):
    out = tmp_path / "no-such-dir" / "seed.html"
    assert_clean_failure(gongkai("render", seed_txt, "--to", "html", "-o", out))
    assert not out.parent.exists()


def test_render_keeps_old_output_when_input_is_bad(tmp_path):
    out = tmp_path / "out.html"
    out.write_text("old", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    assert_clean_failure(gongkai("render", tmp_path / "empty.txt", "--to", "html", "-o", out))
    assert out.read_text(encoding="utf-8") == "old"


def test_output_path_problems_are_named_in_chinese(tmp_path, seed_txt):
    res = gongkai("render", seed_txt, "--to", "html", "-o", tmp_path / "no-such-dir" / "seed.html")
    assert_clean_failure(res)
    assert res.stderr.decode().rstrip().endswith("：文件或文件夹不存在")
    res = gongkai("render", seed_txt, "--to", "html", "-o", tmp_path)
    assert_clean_failure(res)
    assert res.stderr.decode().rstrip().endswith("：这是文件夹，不是文件")
