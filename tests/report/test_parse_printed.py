"""Issue 9 class 2: PDFs printed by a browser (Debian chromium through Playwright) and by WeasyPrint:
borders drawn as filled rectangles, blank cells that leave no text, borderless tables whose labels wrap.
A value lands in its column by position; a blank is a blank; nothing is re-split or guessed."""
from __future__ import annotations

import pytest

from gongkai.report.model import Report
from gongkai.report.parsers.pdf import parse_pdf
from gongkai.report.render.html import render_html

from .scans import assert_cells, seed_report, weasy_pdf
from .test_parse_pdf import assert_generated, report_html
from .test_parse_samples import sample_report

BORDERLESS = "table.gk-table, table.gk-table th, table.gk-table td { border: none !important; }"
BLANKS = ("applications.granted.research", "applications.new_received.legal_services", "proactive.regulations.repealed",
          "applications.carried_forward.other_org", "proactive.normative_documents.issued")


@pytest.fixture(scope="module")
def printer(chromium_browser):
    """HTML → PDF through chromium's print path (page.pdf), cached for the module."""
    context = chromium_browser.new_context()
    page = context.new_page()
    cache: dict[str, bytes] = {}

    def print_pdf(html: str) -> bytes:
        if html not in cache:
            page.set_content(html)
            cache[html] = page.pdf(format="A4")
        return cache[html]

    yield print_pdf
    context.close()


def with_blanks(report: Report, keys=BLANKS) -> Report:
    r = Report.from_json(report.to_json())
    for k in keys:
        r.set(k, None)
    return r


@pytest.fixture(params=["chromium", "weasyprint"])
def to_pdf(request, printer):
    return printer if request.param == "chromium" else weasy_pdf


def test_seed_printed(shared, to_pdf):
    seed = seed_report(shared)
    r = parse_pdf(to_pdf(render_html(seed)))
    assert_cells(r, seed, max_unknown=0)
    assert (r.year, r.agency) == (seed.year, seed.agency)


@pytest.mark.parametrize("layout,year", [("2021", 2023), ("2019", 2020)])
def test_blank_cells_stay_blank_in_their_column(to_pdf, layout, year):
    expected = with_blanks(sample_report(layout, year, seed=2))
    r = parse_pdf(to_pdf(render_html(expected)))
    assert_cells(r, expected, max_unknown=0)
    assert r.get("applications.granted.research") is None
    assert r.get("proactive.regulations.repealed") is None


def test_borderless_table_with_blanks(to_pdf):
    """No rules at all: the columns come from the fullest rows under each header; blanks are placed."""
    expected = with_blanks(sample_report("2021", 2023, seed=2))
    r = parse_pdf(to_pdf(render_html(expected, extra_css=BORDERLESS)))
    assert_cells(r, expected)
    for key in BLANKS:
        assert r.get(key) is None, key
    unknown = [u["cell"] for u in r.unreadable]
    assert not [k for k in unknown if not k.startswith("appeals.")], unknown


def test_borderless_wrapped_labels_vertical_groups_with_blank(printer):
    """Labels wrapped over two lines in a narrow column, group labels printed vertically, one blank."""
    r = parse_pdf(printer(report_html(ruled=False, blank=(3, 2))))
    assert_generated(r, blank=(3, 2))


def test_pdfminer_warnings_never_reach_the_terminal(shared, printer, capfd):
    """A chromium-printed PDF makes pdfminer log "Could not get FontBBox…" hundreds of times."""
    parse_pdf(printer(render_html(seed_report(shared))))
    out, err = capfd.readouterr()
    assert "FontBBox" not in err + out
    assert err == ""
