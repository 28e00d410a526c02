"""Input handling of parse_bytes/parse_file: format detection, encodings, bad and oversized files, speed."""
from __future__ import annotations

import io
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from gongkai.report.errors import ReportError
from gongkai.report.model import Report
from gongkai.report.parsers import MAX_BYTES, parse_bytes, parse_file

from .test_parse_samples import assert_same, sample_report, web_text, word_html

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("data", [b"", b"   \r\n\t\n"])
def test_empty_file(tmp_path, data):
    path = tmp_path / "empty.txt"
    path.write_bytes(data)
    with pytest.raises(ReportError) as err:
        parse_file(path)
    assert str(err.value) == "文件为空"


def test_binary_junk_with_a_txt_name(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(ReportError, match="^不是文本文件"):
        parse_file(path)


def test_control_characters_without_nul_are_refused():
    junk = bytes(b ^ 0x5A for b in range(1, 32)) * 200 + b"\x01\x02\x03\x04" * 500
    with pytest.raises(ReportError, match="^不是文本文件"):
        parse_bytes(junk, "x.txt")


def test_sixty_megabyte_file_is_refused_fast_and_unread(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:  # sparse: 60 MB on paper, no time to write
        fh.truncate(60 * 1024 * 1024)
    started = time.process_time()
    with pytest.raises(ReportError) as err:
        parse_file(path)
    assert time.process_time() - started < 0.5
    assert "50 MB" in str(err.value) and "60.0 MB" in str(err.value)


def test_oversized_bytes_are_refused():
    with pytest.raises(ReportError, match="50 MB"):
        parse_bytes(b"a" * (MAX_BYTES + 1), "big.txt")


def test_cli_exits_2_on_a_60_megabyte_file_quickly(tmp_path):
    path = tmp_path / "huge.html"
    with path.open("wb") as fh:
        fh.truncate(60 * 1024 * 1024)
    # Peak memory from /proc VmHWM: getrusage's ru_maxrss survives exec on Linux and would report the
    # (large) pytest parent that forked this child.
    code = ("import re,resource,sys\nfrom gongkai.cli import main\nrc = main(['report', 'parse', sys.argv[1]])\n"
            "u = resource.getrusage(resource.RUSAGE_SELF)\n"
            "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
            "print(u.ru_utime + u.ru_stime, hwm, file=sys.stderr)\n"
            "sys.exit(rc)")
    res = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2, res.stderr
    assert "50 MB" in res.stderr and "Traceback" not in res.stderr
    cpu, rss = res.stderr.strip().splitlines()[-1].split()
    assert float(cpu) < 10, cpu  # start-up and imports only: the file is not read
    assert int(rss) < 200_000, rss  # KiB: far below the 60 MB a read would cost


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ReportError, match="找不到文件"):
        parse_file(tmp_path / "nope.txt")
    with pytest.raises(ReportError, match="不是文件"):
        parse_file(tmp_path)


def test_stdin_dash(shared):
    code = "import sys\nfrom gongkai.report.parsers import parse_file\nprint(parse_file('-').agency)"
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=60,
                         input=(shared / "seeds" / "000_0e482e19bd443c5d.txt").read_bytes())
    assert res.returncode == 0, res.stderr.decode()
    assert res.stdout.decode().strip() == "淄博市临淄区行政审批服务局"


def test_json_is_read_as_canonical_report(shared):
    data = (shared / "fixtures" / "seed-2024.json").read_bytes()
    assert parse_bytes(data, "seed.json").to_dict() == Report.from_json(data).to_dict()
    with pytest.raises(ReportError, match="JSON"):
        parse_bytes(b'{"layout": "2030"}', "x.json")


def test_format_is_chosen_by_content_not_name(tmp_path):
    expected = sample_report()
    path = tmp_path / "report.txt"  # HTML behind a .txt name
    path.write_text(word_html(expected), "utf-8")
    assert_same(parse_file(path), expected)
    path = tmp_path / "report.html"  # plain text behind an .html name
    path.write_text(web_text(expected), "utf-8")
    assert_same(parse_file(path), expected)


def test_utf8_bom_and_utf16_text():
    expected = sample_report()
    text = web_text(expected)
    assert_same(parse_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"), None), expected)
    assert_same(parse_bytes(b"\xff\xfe" + text.encode("utf-16-le"), None), expected)


def test_zip_that_is_not_docx_and_old_word():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ReportError, match="不支持的压缩文件"):
        parse_bytes(buf.getvalue(), "x.zip")
    with pytest.raises(ReportError, match=r"\.doc"):
        parse_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.doc")


def test_pdf_bytes_go_to_the_pdf_parser():
    with pytest.raises(ReportError) as err:
        parse_bytes(b"%PDF-1.7\n%garbage that is no PDF\n", "x.pdf")
    assert "PDF" in str(err.value)


# -- speed: parsing stays linear and close to the bare extraction ---------------------------------
def _cpu(fn, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def _long_report(paragraphs: int) -> Report:
    r = sample_report()
    r.sections["1"] = "\n".join(f"第{i}段：本机关严格落实政府信息公开条例，主动公开各类信息，保障公众知情权。" for i in range(paragraphs))
    return r


@pytest.mark.parametrize("kind", ["text", "html"])
def test_parse_time_grows_linearly(kind):
    """Ten times the prose costs about ten times the time, never the square: no quadratic scans."""
    build = web_text if kind == "text" else word_html
    small, large = (build(_long_report(n)).encode("utf-8") for n in (1000, 10000))
    parse_bytes(small, None)
    t_small, t_large = _cpu(lambda: parse_bytes(small, None), 3), _cpu(lambda: parse_bytes(large, None), 2)
    assert t_large < 15 * t_small, (t_small, t_large)


def test_large_html_cost_over_bare_lxml_parse():
    """A prose-heavy page (2.5 MB): parse_bytes against lxml's bare parse of the same bytes."""
    import lxml.html

    data = word_html(_long_report(10000)).encode("utf-8")
    parse_bytes(data, None)
    bare = _cpu(lambda: lxml.html.fromstring(data))
    full = _cpu(lambda: parse_bytes(data, None))
    assert full < 8 * bare, f"parse {full * 1000:.0f} ms, bare {bare * 1000:.0f} ms"


def test_exact_label_hits_never_fuzzy_match(shared, monkeypatch):
    """The seed's labels all hit the normalised dict: the fuzzy matcher only sees header fragments."""
    from gongkai.report.parsers.normalize import LabelIndex

    calls = []
    original = LabelIndex._fuzzy
    monkeypatch.setattr(LabelIndex, "_fuzzy", lambda self, n: calls.append(n) or original(self, n))
    for index in _all_indexes():
        index._fuzzy_cache.clear()
    parse_file(shared / "seeds" / "000_0e482e19bd443c5d.txt")
    assert len(calls) <= 6, calls  # the two halves of the 勾稽关系 note and similar, never a row label


def _all_indexes():
    from gongkai.report.parsers import core

    return [core._APP_INDEX, *core._PROACTIVE_INDEX.values()]


@pytest.mark.parametrize("amount", ['"NaN"', '"Infinity"', '"1e999999999"', "Infinity", "NaN"])
def test_json_fee_amount_that_is_not_a_finite_number(amount):
    # "1e999999999" once made int() build a billion-digit number; NaN/Infinity were taken as amounts.
    text = Report.empty("2021", 2024).to_json().replace('"amount_10k_yuan": 0', f'"amount_10k_yuan": {amount}')
    assert amount in text
    with pytest.raises(ReportError, match="amount_10k_yuan"):
        parse_bytes(text.encode())


def test_json_list_is_named_as_wrong_json_not_a_missing_table():
    with pytest.raises(ReportError, match="JSON 顶层应为对象"):
        parse_bytes(b'[{"layout": "2021"}]', "r.json")
    # Text that merely opens with brackets is still read as text.
    with pytest.raises(ReportError, match="未找到表二"):
        parse_bytes("[通知] 一、总体情况".encode())
