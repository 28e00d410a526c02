"""The PDFium reader under pdf.py (parsers/pdfium.py) against pdfplumber/pdfminer, the reader it replaced:
on every corpus PDF the same characters at the same places, the same ruled tables, and the same cells of
the parsed report. The reader redoes pdfplumber's table geometry, so pdfplumber is the oracle here."""
from __future__ import annotations

import io
import logging
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest

from gongkai.report.errors import ReportError
from gongkai.report.parsers import pdf as pdf_parser
from gongkai.report.parsers import pdfium as reader
from gongkai.report.parsers.core import Document, assemble

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CORPUS = sorted(p.name for p in (SHARED / "corpus").glob("*.pdf"))

logging.getLogger("pdfminer").setLevel(logging.CRITICAL)


def key(c: dict) -> tuple:
    return (round(c["bottom"], 1), round(c["x0"], 1))


@pytest.mark.parametrize("name", CORPUS)
def test_characters_and_tables_match_pdfminer(shared, name):
    data = (shared / "corpus" / name).read_bytes()
    doc = pdfium.PdfDocument(data)
    with pdfplumber.open(io.BytesIO(data)) as plumber:
        assert len(doc) == len(plumber.pages)
        for n, page in enumerate(plumber.pages):
            mine = reader.read_page(doc[n])
            theirs = [c for c in page.chars if c["text"].strip()]
            assert (mine.width, mine.height) == pytest.approx((float(page.width), float(page.height)))
            assert len(mine.chars) == len(theirs), n
            for a, b in zip(sorted(mine.chars, key=key), sorted(theirs, key=key)):
                assert pdf_parser.normalise_text(a["text"]) == pdf_parser.normalise_text(b["text"]), (n, a, b)
                for k in ("x0", "x1", "top", "bottom", "size"):
                    assert a[k] == pytest.approx(b[k], abs=0.25), (n, k, a, b)
            assert mine.unmapped == 0
            assert mine.images == len(page.images)
            ours = [sorted(cells) for cells in reader.find_tables(mine.edges)]
            plumber_tables = [sorted(t.cells) for t in page.find_tables()]
            assert len(ours) == len(plumber_tables), n
            for a, b in zip(ours, plumber_tables):
                assert len(a) == len(b)
                for ca, cb in zip(a, b):
                    assert ca == pytest.approx(cb, abs=0.25), (n, ca, cb)


def pdfminer_pages(data: bytes) -> list:
    """pdf.py's pages as the pdfplumber reader built them (its _read_pages before PDFium)."""
    pages = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            chars = [c for c in page.chars if c["text"].strip()]
            items = []
            for table in page.find_tables():
                grid, rest, cell_chars = pdf_parser._build_grid(table, chars, page.page_number, page.vertical_edges)
                if not grid.rows or not pdf_parser._is_data_table(grid):
                    continue
                moved = pdf_parser._split_prose_rows(grid)
                chars = rest + [ch for i in moved for ch in cell_chars.get(i, [])]
                items.append((grid.top, grid))
            items += [(line.top, line) for line in pdf_parser._chars_to_lines(chars)]
            items.sort(key=lambda it: it[0])
            pages.append(pdf_parser._Page(page.page_number, float(page.width), float(page.height), items))
    return pages


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_reports_have_the_same_cells_as_with_pdfminer(shared, name):
    data = (shared / "corpus" / name).read_bytes()
    lines, tables = pdf_parser.lines_from_pages(pdfminer_pages(data))
    expected = assemble(Document(lines=lines, tables=tables, source="pdf"))
    got = pdf_parser.parse_pdf(data)
    assert list(got.cells()) == list(expected.cells())
    assert (got.year, got.agency, got.layout, got.unreadable) == (expected.year, expected.agency, expected.layout,
                                                                  expected.unreadable)
    assert pdf_parser.extract_lines_and_tables(data)[1] == tables


def without_unicode_maps(data: bytes) -> bytes:
    """The same PDF with every font's /ToUnicode removed: its glyphs have no Unicode mapping."""
    import pypdf  # test dependency (pyproject [test])

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    removed = 0
    for page in writer.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/ToUnicode" in font:
                del font["/ToUnicode"]
                removed += 1
    assert removed
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_glyphs_without_unicode_are_unreadable_never_guessed(tmp_path):
    from .test_parse_pdf import make_pdf, report_html

    data = without_unicode_maps(make_pdf(tmp_path, "ruled.pdf", report_html(ruled=True)))
    doc = pdfium.PdfDocument(data)
    with pdfplumber.open(io.BytesIO(data)) as plumber:
        for n, page in enumerate(plumber.pages):
            mine = reader.read_page(doc[n]).chars
            theirs = {key(c): c["text"] for c in page.chars if c["text"].strip()}
            assert sum(c["text"] == reader.UNMAPPED for c in mine) > 0.9 * len(mine)
            # Where pdfminer wrote "(cid:N)", PDFium flags the glyph too: "?", never a character.
            for c in mine:
                other = theirs.get(key(c))
                if other is not None and other.startswith("(cid:"):
                    assert c["text"] == reader.UNMAPPED, c
                if c["text"] == reader.UNMAPPED:
                    assert pdf_parser.normalise_text(c["text"]) == "?"
                else:
                    assert other is not None and pdf_parser.normalise_text(other) == c["text"], (c, other)
    with pytest.raises(ReportError, match="字体缺少 Unicode 映射"):
        pdf_parser.parse_pdf(data)


def test_encrypted_and_broken_files_keep_their_messages(shared):
    import pypdf  # test dependency (pyproject [test])

    plain = (shared / "corpus" / CORPUS[0]).read_bytes()
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(plain)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ReportError, match="PDF 已加密"):
        reader.open_document(out.getvalue())
    with pytest.raises(ReportError, match="已损坏"):
        reader.open_document(plain[: len(plain) // 3])
    with pytest.raises(ReportError, match="不是 PDF 文件"):
        reader.open_document(b"PK\x03\x04")


@pytest.mark.parametrize("name", CORPUS)
def test_path_points_read_at_once_are_the_apis(shared, name):
    """The reader reads a path's points from PDFium's segment array in one go; every path of the corpus
    gives what the API gives segment by segment (point, type, close flag)."""
    import ctypes

    doc = pdfium.PdfDocument((shared / "corpus" / name).read_bytes())
    paths = 0
    for page in doc:
        parent = ctypes.cast(page.raw, ctypes.c_void_p)
        for i in range(pdfium.raw.FPDFPage_CountObjects(page.raw)):
            obj = reader._PAGE_OBJECT(parent, i)
            if reader._OBJ_TYPE(obj) != reader._PATH:
                continue
            n = reader._SEG_COUNT(obj)
            assert reader._segments(ctypes.c_void_p(obj), n) == reader._segments_api(obj, n)
            paths += 1
    assert reader._layout["ok"]
    assert paths  # every corpus report has ruled tables


@pytest.mark.parametrize("name", CORPUS)
def test_cells_grouped_into_tables_as_pdfplumber_does(shared, name):
    """_cells_to_tables is pdfplumber's cells_to_tables without its quadratic removals: same tables, same
    cell order (the grid's cell ids follow it)."""
    from pdfplumber.table import cells_to_tables

    doc = pdfium.PdfDocument((shared / "corpus" / name).read_bytes())
    for page in doc:
        cells = [c for table in reader.find_tables(reader.read_page(page).edges) for c in table]
        for shuffled in (cells, cells[::-1], cells[::2] + cells[1::2]):
            assert reader._cells_to_tables(shuffled) == cells_to_tables(shuffled)
