"""Guards for untrusted files, checked before a library opens them. Pure Python (no Django).

Every file a visitor, a staff member or a batch hands us can be hostile: a ZIP whose members unpack to
gigabytes, a central directory with a million entries, XML with entity declarations ("billion laughs"),
a PDF of 20,000 pages that parses for minutes. These checks are cheap (headers and counts, never the
content) and refuse with one Chinese line (``ReportError``). They are the first line; the second is the
bounded worker process (``gongkai.report.worker``) that every parse of an untrusted file runs in.

    open_zip(data) -> ZipFile         member count and central directory size (nothing unpacked)
    check_zip(data) -> ZipFile        the same, then unpacked size, ratio, and no DTD in any XML part
    pdf_page_count(data) -> int | None, check_pdf_pages(data, limit)
    xml_parser() -> lxml parser that never expands entities nor touches the network
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

from .errors import ReportError

# ZIP-based files (DOCX, XLSX): a report has ~20 members and unpacks to a few MB; a large catalogue
# workbook to tens of MB. Real Office XML compresses 5-30:1; a bomb far more.
MAX_ZIP_MEMBERS = 1000
MAX_ZIP_DIRECTORY = 1024 * 1024  # bytes of central directory (bounds what zipfile builds in memory)
MAX_UNPACKED = 200 * 1024 * 1024  # declared total of every member; zipfile stops a member at its declared size
MAX_RATIO = 100  # unpacked / packed, for members over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
# PDF: an annual report has tens of pages; the privacy scan reads attachments of any length but not without end.
MAX_PDF_PAGES = 200
MAX_SCAN_PAGES = 2000
# Longest XML prolog (declaration, comments, processing instructions) read when looking for a DOCTYPE.
MAX_PROLOG = 64 * 1024

TOO_COMPLEX = "文件过大或过于复杂，已停止解析"
_MB = 1024 * 1024


def _eocd(data: bytes, what: str) -> tuple[int, int]:
    """(entries, central directory size) from the end-of-central-directory record (ZIP64 aware)."""
    tail_start = max(0, len(data) - (65535 + 22))
    at = data.rfind(b"PK\x05\x06", tail_start)
    if at < 0 or len(data) < at + 22:
        raise ReportError(f"文件已损坏：不是有效的 {what} 文件")
    entries, cd_size = struct.unpack("<HI", data[at + 10:at + 16])
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        loc = at - 20
        if loc >= 0 and data[loc:loc + 4] == b"PK\x06\x07":
            (rec,) = struct.unpack("<Q", data[loc + 8:loc + 16])
            if data[rec:rec + 4] == b"PK\x06\x06" and len(data) >= rec + 56:
                entries, cd_size = struct.unpack("<QQ", data[rec + 32:rec + 48])
    return entries, cd_size


def open_zip(data: bytes, what: str = "ZIP（DOCX/XLSX）") -> zipfile.ZipFile:
    """Open ``data`` as a ZIP once its member count and central directory size (read from the end
    record, before zipfile builds an entry per member) are within bounds. Nothing is unpacked."""
    entries, cd_size = _eocd(data, what)
    if entries > MAX_ZIP_MEMBERS or cd_size > MAX_ZIP_DIRECTORY:
        raise ReportError(f"压缩包内文件过多（{entries} 个），超过 {MAX_ZIP_MEMBERS} 个上限，未读取")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error):
        raise ReportError(f"文件已损坏：不是有效的 {what} 文件") from None
    if len(zf.infolist()) > MAX_ZIP_MEMBERS:
        raise ReportError(f"压缩包内文件过多（{len(zf.infolist())} 个），超过 {MAX_ZIP_MEMBERS} 个上限，未读取")
    return zf


def check_zip(data: bytes, what: str = "ZIP（DOCX/XLSX）") -> zipfile.ZipFile:
    """Open ``data`` as a ZIP only after its counts and declared sizes pass; refuse a DTD in any XML part.

    Python's zipfile stops reading a member at its declared size (a larger stream fails its CRC), so
    the declared sizes bound what any later reader (ours, python-docx, openpyxl) can unpack.
    """
    zf = open_zip(data, what)
    infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED:
        raise ReportError(f"文件解压后过大（{total / _MB:.0f} MB），超过 {MAX_UNPACKED // _MB} MB 上限，未读取")
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise ReportError(f"文件压缩比异常（{i.file_size / _MB:.0f} MB 压缩为 {i.compress_size / 1024:.0f} KB），"
                              "疑似压缩炸弹，未读取")
    for i in infos:
        if i.filename.lower().endswith((".xml", ".rels", ".vml")):
            _refuse_dtd(zf, i)
    return zf


_PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)


def _refuse_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Office never writes a DOCTYPE; one in an XML part can only declare entities (expansion bombs, XXE).
    A DOCTYPE may appear only in the prolog, before the root element: read just that far."""
    try:
        with zf.open(info) as fh:
            head = fh.read(MAX_PROLOG)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError, ValueError):
        raise ReportError(f"文件已损坏：压缩包中的 {info.filename} 无法解压") from None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[1:2] == b"\x00" or head[:1] == b"\x00":
        enc = "utf-16-be" if head.startswith(b"\xfe\xff") or head[:1] == b"\x00" else "utf-16-le"
        head = head.decode(enc, "ignore").lstrip("\ufeff").encode("utf-8")
    head = head.removeprefix(b"\xef\xbb\xbf")
    pos = 0
    while True:
        m = _PROLOG_ITEM.match(head, pos)
        if not m:
            break
        pos = m.end()
    rest = head[pos:].lstrip()
    # The root element must follow: a DOCTYPE, or a prolog that does not end within MAX_PROLOG, is refused.
    if rest.startswith((b"<!", b"<?")) or (not rest and len(head) >= MAX_PROLOG):
        raise ReportError(f"文件中的 {info.filename} 含有 DOCTYPE/实体声明，可能是实体扩展攻击，未读取")


def xml_parser(**kw):
    """lxml parser for untrusted XML: no entity expansion, no network, no DTD loading."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, **kw)


def pdf_page_count(data: bytes) -> int | None:
    """Pages of a PDF from its page tree (pdfium reads the cross-reference table, not the pages);
    None when pdfium cannot open it (the parser then gives its own reason)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception:  # PdfiumError: damaged, encrypted
        return None
    try:
        return len(pdf)
    finally:
        pdf.close()


_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z0-9])")


def check_pdf_pages(data: bytes, limit: int = MAX_PDF_PAGES) -> int | None:
    """Refuse a PDF of more than ``limit`` pages before any page is read.

    pdfium takes the page tree's /Count, which a hostile file can understate while its page tree holds
    more leaves; the page objects written in plain sight are counted too and the larger number counts."""
    pages = pdf_page_count(data)
    plain = len(_PAGE_OBJECT.findall(data))
    if plain > limit:
        pages = max(pages or 0, plain)
    if pages is not None and pages > limit:
        raise ReportError(f"PDF 共 {pages} 页，超过 {limit} 页上限（年度报告一般只有几十页），未读取")
    return pages
