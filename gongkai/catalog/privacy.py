"""Privacy scan for proactive disclosure: personal numbers that must not be published (Art. 15, Art. 17).

Pure Python (no Django; only the pure ``gongkai.report`` file guards and bounded worker): finds resident
ID numbers, mobile and landline numbers and bank card numbers in text and inside PDF, DOCX and XLSX files,
masks them for display and rewrites DOCX/XLSX/text with the masked value (redaction). Precision matters
more than recall here, because every hit blocks publication until a reviewer acts on it:

- resident ID (居民身份证号码, GB 11643): 18 characters, ISO 7064 MOD 11-2 check character, a known
  county code and a plausible birth date (1900..today); a number failing any check is not an ID;
- mobile: 1[3-9] + 9 digits, not inside a longer run of digits or letters (index numbers, codes);
- landline: area code 0xx or 0xxx, then a separator, then 7 or 8 digits not starting with 0 or 1;
  an extension after it ("-8001") does not hide it;
- full-width digits, letters and dashes (typed with a Chinese IME) count as their ASCII forms;
- bank card: 16-19 digits (optionally in groups of four), issuer prefix 3-6, Luhn check, and not a
  valid resident ID.
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from typing import BinaryIO, Iterable, Iterator

from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

KINDS = {
    "resident_id": "居民身份证号码",
    "mobile": "手机号码",
    "landline": "固定电话号码",
    "bank_card": "银行卡号",
    "unreadable": "无法读取的附件",
}

# Candidates are matched on boundaries that exclude neighbouring digits and ASCII letters, so that
# numbers inside index numbers (11370305MB.../2024-00123), credit codes or longer digit runs never match.
_B = r"(?<![0-9A-Za-z])"
_E = r"(?![0-9A-Za-z])"
_RIC = re.compile(_B + r"(\d{17}[\dXx])" + _E)
_CARD = re.compile(_B + r"([3-6]\d{15,18}|[3-6]\d{3}(?: \d{4}){3}(?: ?\d{1,3})?)" + _E)
# An 11-digit amount ("投资15000000000元") is not a mobile number: no unit of money or percentage after it.
_MOBILE = re.compile(r"(?<![0-9A-Za-z\-])(?:\+?86[ -]?)?(1[3-9]\d(?:\d{8}|-\d{4}-\d{4}| \d{4} \d{4}))" + _E
                     + r"(?!\.\d|\s*(?:元|万|亿|%))")
_LANDLINE = re.compile(
    r"(?<![0-9A-Za-z\-])((?:[(（]0(?:10|2\d|[3-9]\d{2})[)）] ?|0(?:10|2\d|[3-9]\d{2})[- ])[2-8]\d{6,7})(?![0-9A-Za-z]|-\d{6})"
)  # a short "-8001" after the number is an extension; a longer dash run is some other code
# Full-width digits, letters and dashes (typed with a Chinese IME) fold to ASCII one character for one,
# so hit positions stay valid in the original text.
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-",
                                                          0x2014: "-", 0x2212: "-", 0x3000: " "}
_ANY_DIGITS = re.compile(r"\d{7}")


@dataclass(frozen=True)
class Hit:
    kind: str
    value: str  # as written in the text (with separators)
    start: int
    end: int

    @property
    def masked(self) -> str:
        return mask(self.kind, self.value)

    @property
    def digest(self) -> str:
        return digest(self.kind, self.value)

    @property
    def label(self) -> str:
        return KINDS[self.kind]


def digest(kind: str, value: str) -> str:
    """Stable fingerprint of a hit (digits only), so that a hit cleared once stays cleared on re-scan
    without keeping the number itself."""
    if kind == UNREADABLE:  # value: the file's SHA-256
        return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
    return hashlib.sha256(f"{kind}:{_digits(value)}".encode()).hexdigest()


def _digits(value: str) -> str:
    return "".join(c for c in value.translate(_FOLD) if c in "0123456789Xx").upper()


def is_resident_id(number: str, today: date | None = None) -> bool:
    """Check character (ISO 7064 MOD 11-2), real birth date 1900..today, and a county code that exists.

    stdnum's ``ric.validate`` also requires the county to have existed in the birth year; real IDs
    carry the code of where the person was registered (often later, e.g. 临淄区 370305 since 1983),
    so that check would miss real numbers of older people and is not used here."""
    number = number.upper()
    if len(number) != 18 or not number[:17].isdigit() or ric.calc_check_digit(number) != number[-1]:
        return False
    try:
        born = ric.get_birth_date(number)
    except StdnumError:
        return False
    if not date(1900, 1, 1) <= born <= (today or date.today()):
        return False
    return _county_exists(number[:6])


@lru_cache(maxsize=4096)
def _county_exists(code: str) -> bool:
    from stdnum import numdb

    info = {k: v for _, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    return "county" in info


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def mask(kind: str, value: str) -> str:
    """Masked form for display: 3703**********1234, 138****5678, 0533-***7006, 6222***********1234."""
    if kind == UNREADABLE:
        return UNREADABLE_TEXT
    value = value.translate(_FOLD)
    digits = _digits(value)
    if kind == "mobile":
        d = digits[-11:]
        return d[:3] + "****" + d[-4:]
    if kind == "landline":
        m = re.match(r"[(（]?(0\d{2,3})[)）]?[- ]?(\d+)", value)
        area, local = (m.group(1), m.group(2)) if m else ("", digits)
        return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def scan_text(text: str, allow: Iterable[str] = (), today: date | None = None) -> list[Hit]:
    """All hits in ``text`` in order of position. ``allow``: numbers never reported (e.g. the agency's
    own published office telephone, Art. 12), compared by their digits."""
    if not text:
        return []
    folded = text.translate(_FOLD)
    if not _ANY_DIGITS.search(re.sub(r"[ \-]", "", folded)):
        return []
    allowed = {_digits(a) for a in allow if a}
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    def add(kind: str, m: re.Match) -> None:
        s, e = m.span(1)
        if not free(s, e) or _digits(m.group(1)) in allowed:
            return
        hits.append(Hit(kind, text[s:e], s, e))  # as written; digest and mask fold it again
        taken.append((s, e))

    for m in _RIC.finditer(folded):
        if is_resident_id(m.group(1).upper(), today):
            add("resident_id", m)
    for m in _CARD.finditer(folded):
        d = _digits(m.group(1))
        if 16 <= len(d) <= 19 and luhn_ok(d):
            add("bank_card", m)
    for m in _MOBILE.finditer(folded):
        add("mobile", m)
    for m in _LANDLINE.finditer(folded):
        add("landline", m)
    hits.sort(key=lambda h: h.start)
    return hits


def redact_text(text: str, digests: set[str] | None = None, allow: Iterable[str] = ()) -> tuple[str, int]:
    """Replace hits (all, or only those whose digest is in ``digests``) by their masked form.
    Returns the new text and the number of replacements."""
    out, pos, n = [], 0, 0
    for h in scan_text(text, allow):
        if digests is not None and h.digest not in digests:
            continue
        out.append(text[pos:h.start])
        out.append(h.masked)
        pos = h.end
        n += 1
    out.append(text[pos:])
    return "".join(out), n


# -- files ---------------------------------------------------------------------------------------------
# Files are untrusted (uploads, imports): the guards of ``gongkai.report.limits`` run before a library opens
# them, and ``scan_bounded`` runs the scan in a bounded child process (``gongkai.report.worker``). The scan
# reads what a reader of the file would see, not what the file claims about itself.

UNREADABLE = "unreadable"
UNREADABLE_TEXT = "无法读取，需人工审查"


@dataclass(frozen=True)
class FileHit:
    where: str  # e.g. "第2页", "第3段", "表格1 第2行第1列", "工作表“名单” B3", "第1节页眉", "批注", "文本框"
    hit: Hit


class UnreadableFile(Exception):
    """The file could not be read as the type it claims to be (message in Chinese)."""


def unreadable_hit(file_sha256: str) -> Hit:
    """A file that cannot be scanned is itself a finding: it blocks publication until a reviewer has
    looked at it by hand and cleared it (Art. 17). Keyed by the file's hash, so clearing sticks."""
    return Hit(UNREADABLE, file_sha256, 0, 0)


def _text_hits(where: str, text: str, allow) -> Iterator[FileHit]:
    for h in scan_text(text, allow):
        yield FileHit(where, h)


def _data(fp) -> bytes:
    return fp if isinstance(fp, bytes) else fp.read()


def _guard_zip(data: bytes, what: str) -> None:
    from gongkai.report.errors import ReportError
    from gongkai.report.limits import check_zip

    try:
        check_zip(data, what).close()
    except ReportError as exc:
        raise UnreadableFile(f"无法读取 {what} 文件：{exc.message}") from None


def scan_pdf(fp: BinaryIO | bytes, allow: Iterable[str] = ()) -> list[FileHit]:
    """The text of every page (pdfium: one page in memory at a time), up to MAX_SCAN_PAGES pages."""
    import pypdfium2 as pdfium

    from gongkai.report.errors import ReportError
    from gongkai.report.limits import MAX_SCAN_PAGES, check_pdf_pages

    data = _data(fp)
    allow = tuple(allow)
    try:
        check_pdf_pages(data, MAX_SCAN_PAGES)
    except ReportError as exc:
        raise UnreadableFile(f"无法读取 PDF 文件：{exc.message}") from None
    out: list[FileHit] = []
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:  # PdfiumError: damaged, encrypted
        raise UnreadableFile(f"无法读取 PDF 文件的文字：{exc}") from exc
    try:
        for n in range(len(pdf)):
            page = pdf[n]
            textpage = page.get_textpage()
            try:
                out.extend(_text_hits(f"第{n + 1}页", textpage.get_text_bounded() or "", allow))
            finally:
                textpage.close()
                page.close()
    except UnreadableFile:
        raise
    except Exception as exc:
        raise UnreadableFile(f"无法读取 PDF 文件的文字：{type(exc).__name__}") from exc
    finally:
        pdf.close()
    return out


def _docx_blocks(doc, headers: bool = True):
    """(where, paragraph) for body paragraphs and table cells, in document order of each kind."""
    for i, p in enumerate(doc.paragraphs, 1):
        yield f"第{i}段", p
    for t, table in enumerate(doc.tables, 1):
        for r, row in enumerate(table.rows, 1):
            for c, cell in enumerate(row.cells, 1):
                for p in cell.paragraphs:
                    yield f"表格{t} 第{r}行第{c}列", p
    if headers:
        for s, section in enumerate(doc.sections, 1):
            for part, label in ((section.header, "页眉"), (section.footer, "页脚")):
                for p in part.paragraphs:
                    yield f"第{s}节{label}", p


def _open_docx(fp):
    import docx

    try:
        return docx.Document(fp)
    except Exception as exc:
        raise UnreadableFile(f"无法读取 Word 文件：{type(exc).__name__}") from exc


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_WP, _WT, _WDEL, _WTAB, _WBR = (f"{{{_W}}}{t}" for t in ("p", "t", "delText", "tab", "br"))
_TXBX, _TC = f"{{{_W}}}txbxContent", f"{{{_W}}}tc"
# Other parts of the package a reader sees: label by part name (header2.xml → 页眉2).
_DOCX_PARTS = (("word/header", "页眉"), ("word/footer", "页脚"), ("word/comments", "批注"),
               ("word/footnotes", "脚注"), ("word/endnotes", "尾注"))


def _own_text(p) -> str:
    """A paragraph's own text (tracked deletions included: Word shows them), not that of a text box
    anchored in it (that one is a paragraph of its own)."""
    out = []
    for node in p.iter(_WT, _WDEL, _WTAB, _WBR):
        up = node.getparent()
        while up is not None and up.tag != _WP:
            up = up.getparent()
        if up is not p:
            continue
        out.append(node.text or "" if node.tag in (_WT, _WDEL) else "\t" if node.tag == _WTAB else "\n")
    return "".join(out)


def _inside(p, tag: str) -> bool:
    return any(a.tag == tag for a in p.iterancestors())


def _docx_part_roots(doc):
    """(label, root element) of headers, footers, comments, footnotes and endnotes."""
    from lxml import etree

    from gongkai.report.limits import xml_parser

    for part in doc.part.package.iter_parts():
        name = str(part.partname).lstrip("/")
        for prefix, label in _DOCX_PARTS:
            if name.startswith(prefix) and name.endswith(".xml"):
                number = name[len(prefix):-4]
                root = getattr(part, "_element", None)
                if root is None:
                    root = etree.fromstring(part.blob, xml_parser())
                yield f"{label}{number}", root


def scan_docx(fp: BinaryIO | bytes, allow: Iterable[str] = ()) -> list[FileHit]:
    """Body paragraphs and tables, then what else a reader sees: nested tables, text boxes, content
    controls, tracked deletions, every header and footer, comments, footnotes and endnotes."""
    data = _data(fp)
    allow = tuple(allow)
    _guard_zip(data, "Word")
    doc = _open_docx(io.BytesIO(data))
    out: list[FileHit] = []
    seen: set = set()  # the XML elements themselves: merged cells repeat the same paragraph
    try:
        for where, p in _docx_blocks(doc, headers=False):
            if p._p in seen:
                continue
            seen.add(p._p)
            out.extend(_text_hits(where, _own_text(p._p), allow))
        for p in doc.element.body.iter(_WP):
            if p not in seen:
                seen.add(p)
                where = "文本框" if _inside(p, _TXBX) else "嵌套表格" if _inside(p, _TC) else "正文"
                out.extend(_text_hits(where, _own_text(p), allow))
        for label, root in _docx_part_roots(doc):
            for p in root.iter(_WP):
                if p not in seen:
                    seen.add(p)
                    out.extend(_text_hits(f"{label}（文本框）" if _inside(p, _TXBX) else label, _own_text(p), allow))
    except Exception as exc:  # a part that does not parse (python-docx loads some lazily)
        raise UnreadableFile(f"无法读取 Word 文件：{type(exc).__name__}") from exc
    return out


def _open_xlsx(fp, read_only: bool):
    import openpyxl

    try:
        # Scanning reads cached values (what a visitor sees); redaction keeps formulas (read_only=False).
        return openpyxl.load_workbook(fp, read_only=read_only, data_only=read_only)
    except Exception as exc:
        raise UnreadableFile(f"无法读取 Excel 文件：{type(exc).__name__}") from exc


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def scan_xlsx(fp: BinaryIO | bytes, allow: Iterable[str] = ()) -> list[FileHit]:
    """Every cell of every sheet, hidden ones included. The ``<dimension>`` a file stores is its own
    claim of its size and can under-state it (Excel ignores it); the rows are read as they are."""
    data = _data(fp)
    allow = tuple(allow)
    _guard_zip(data, "Excel")
    wb = _open_xlsx(io.BytesIO(data), read_only=True)
    out: list[FileHit] = []
    try:
        for ws in wb.worksheets:
            ws.reset_dimensions()
            for row in ws.iter_rows():
                for cell in row:
                    text = _cell_text(getattr(cell, "value", None))
                    if text:
                        ref = getattr(cell, "coordinate", "")
                        out.extend(_text_hits(f"工作表“{ws.title}” {ref}", text, allow))
        out.extend(_xlsx_notes(data, allow))
    except UnreadableFile:
        raise
    except Exception as exc:  # read_only parses sheets lazily: a damaged sheet fails here
        raise UnreadableFile(f"无法读取 Excel 文件：{type(exc).__name__}") from exc
    finally:
        wb.close()
    return out


_XLSX_NOTES = re.compile(r"xl/(?:comments\d*|comments/[^/]+|threadedComments/[^/]+|drawings/drawing\d+)\.xml")


def _xlsx_notes(data: bytes, allow) -> Iterator[FileHit]:
    """Cell comments and the text of shapes (text boxes) drawn on a sheet, which read_only mode skips."""
    import zipfile

    from lxml import etree

    from gongkai.report.limits import xml_parser

    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # already passed check_zip
        for name in sorted(n for n in zf.namelist() if _XLSX_NOTES.fullmatch(n)):
            root = etree.fromstring(zf.read(name), xml_parser())
            drawing = name.startswith("xl/drawings/")
            for el in root.iter():
                tag = etree.QName(el).localname if isinstance(el.tag, str) else ""
                if drawing and tag == "sp" or not drawing and tag in ("comment", "threadedComment"):
                    text = "".join(t.text or "" for t in el.iter() if isinstance(t.tag, str)
                                   and etree.QName(t).localname in ("t", "text"))
                    where = "文本框" if drawing else f"批注 {el.get('ref', '')}".strip()
                    yield from _text_hits(where, text, allow)


SCANNERS = {"pdf": scan_pdf, "docx": scan_docx, "xlsx": scan_xlsx}


def file_kind(data: bytes) -> str | None:
    """pdf, docx or xlsx by content (never by name); None for anything else."""
    from gongkai.report.errors import ReportError
    from gongkai.report.limits import open_zip

    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with open_zip(data) as zf:
                names = set(zf.namelist())
        except ReportError:
            return None
        return "docx" if "word/document.xml" in names else "xlsx" if "xl/workbook.xml" in names else None
    return None


def scan_file(kind: str, data: bytes, allow: Iterable[str] = ()) -> list[FileHit]:
    """Scan ``data`` as ``kind`` in this process (the bounded child calls this)."""
    return SCANNERS[kind](data, tuple(allow))


def scan_bounded(kind: str, data: bytes, allow: Iterable[str] = ()) -> list[FileHit]:
    """``scan_file`` in a bounded child process; a file that exhausts its limits is UnreadableFile."""
    from gongkai.report.errors import ReportError
    from gongkai.report.worker import run

    try:
        return run(scan_file, kind, data, tuple(allow))
    except ReportError as exc:
        raise UnreadableFile(exc.message) from None


def redact_docx(src: BinaryIO, dst: BinaryIO, digests: set[str] | None = None, allow: Iterable[str] = ()) -> int:
    """Write a copy of the DOCX with hits masked; returns replacements. A number split across runs is
    rewritten into the paragraph's first run (that paragraph keeps the first run's formatting)."""
    allow = tuple(allow)
    data = _data(src)
    _guard_zip(data, "Word")
    doc = _open_docx(io.BytesIO(data))
    total = 0
    seen: set = set()
    for _, p in _docx_blocks(doc):
        if p._p in seen:
            continue
        seen.add(p._p)
        new, n = redact_text(p.text, digests, allow)
        if not n:
            continue
        total += n
        done = 0
        for run in p.runs:  # numbers wholly inside one run: keep all formatting
            rt, k = redact_text(run.text, digests, allow)
            if k:
                run.text = rt
                done += k
        if done < n and p.runs:
            p.runs[0].text = new
            for run in p.runs[1:]:
                run.text = ""
    doc.save(dst)
    return total


def redact_xlsx(src: BinaryIO, dst: BinaryIO, digests: set[str] | None = None, allow: Iterable[str] = ()) -> int:
    """Write a copy of the XLSX with hits masked (numeric cells holding a number become text)."""
    allow = tuple(allow)
    data = _data(src)
    _guard_zip(data, "Excel")
    wb = _open_xlsx(io.BytesIO(data), read_only=False)
    total = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                text = _cell_text(cell.value)
                if not text or isinstance(cell.value, (date,)):
                    continue
                new, n = redact_text(text, digests, allow)
                if n:
                    cell.value = new
                    total += n
    wb.save(dst)
    return total


REDACTORS = {"docx": redact_docx, "xlsx": redact_xlsx}


def redact_file(kind: str, data: bytes, digests: set[str] | None, allow: Iterable[str] = ()) -> tuple[bytes, int]:
    """(the rewritten file, replacements) for ``data`` as ``kind`` (the bounded child calls this)."""
    out = io.BytesIO()
    n = REDACTORS[kind](io.BytesIO(data), out, digests, tuple(allow))
    return out.getvalue(), n


def redact_bounded(kind: str, data: bytes, digests: set[str] | None, allow: Iterable[str] = ()) -> tuple[bytes, int]:
    """``redact_file`` in a bounded child process (the file is as untrusted as when it was scanned)."""
    from gongkai.report.errors import ReportError
    from gongkai.report.worker import run

    try:
        return run(redact_file, kind, data, digests, tuple(allow))
    except ReportError as exc:
        raise UnreadableFile(exc.message) from None
