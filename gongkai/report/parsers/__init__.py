"""Parsers: any published form of an annual report → ``Report``.

Entry points (the only ones other modules use):

    parse_bytes(data: bytes, filename: str | None = None) -> Report
    parse_file(path: str | Path) -> Report          # "-" reads standard input

The format is chosen by content (magic bytes, markup), the file name only breaks ties. Each format
module turns its input into a ``core.Document`` (text lines and/or table grids); ``core.assemble``
maps labels to the layout's keys and numbers to cells, the same way for every format.
Anything that is not a readable report raises ``ReportError`` with a Chinese message.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from ..errors import ReportError, os_reason
from ..limits import check_pdf_pages, check_zip
from ..model import Report
from .core import Document, assemble


def files_beside(path):
    from .ocr import files_beside as beside  # images of a saved page, for OCR

    return beside(path)


__all__ = ["Document", "assemble", "parse_bytes", "parse_file", "parse_text", "decode_text", "read_stdin", "MAX_BYTES"]

MAX_BYTES = 50 * 1024 * 1024
_TOO_BIG = "文件过大（{size}），超过 50 MB 上限，未读取"

_HTML = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|table|meta|p|div|h[1-6]|tr|td|span)[\s>/]", re.I)
_HTML_TEXT = re.compile(_HTML.pattern.decode("ascii"), re.I)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.M)
_MD_ROW = re.compile(r"^\s*\|.*\|\s*$", re.M)
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$", re.M)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_SINGLE_BYTE = {"iso-8859-1", "latin1", "latin-1", "windows-1252", "cp1252", "ascii", "us-ascii", "iso-8859-15"}
_ENCODING_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "gb_2312-80": "gb18030"}


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def parse_file(path: str | os.PathLike, progress=None) -> Report:
    """Read a file (``"-"``: standard input) and parse it; files over 50 MB are refused unread.
    ``progress(done, total)`` is called after each PDF page or scanned image read (long files)."""
    if str(path) == "-":
        return parse_bytes(read_stdin(sys.stdin.buffer), None, progress)
    p = Path(path)
    try:
        size = p.stat().st_size
        if not p.is_file():
            raise ReportError(f"不是文件：{p}")
        if size > MAX_BYTES:
            raise ReportError(_TOO_BIG.format(size=_size(size)))
        with p.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ReportError(f"找不到文件：{p}") from None
    except IsADirectoryError:
        raise ReportError(f"不是文件：{p}") from None
    except PermissionError:
        raise ReportError(f"没有读取权限：{p}") from None
    except OSError as exc:
        raise ReportError(f"无法读取文件 {p}：{os_reason(exc)}") from None
    if len(data) > MAX_BYTES:
        raise ReportError(_TOO_BIG.format(size="超过 50 MB"))
    return parse_bytes(data, p.name, progress, resolve=files_beside(p))


def read_stdin(stream) -> bytes:
    """Standard input, at most 50 MB."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ReportError(_TOO_BIG.format(size="超过 50 MB"))
    return data


def parse_bytes(data: bytes, filename: str | None = None, progress=None, resolve=None) -> Report:
    """Detect the format by content and parse; ``ReportError`` for anything that is not a report."""
    if len(data) > MAX_BYTES:
        raise ReportError(_TOO_BIG.format(size=_size(len(data))))
    if not data.strip():
        raise ReportError("文件为空")
    head = data[:1024]
    if head.lstrip().startswith(b"%PDF") or b"%PDF-" in head[:16]:
        try:
            from .pdf import parse_pdf
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.endswith("parsers.pdf"):
                raise ReportError("暂不支持 PDF") from None
            raise
        check_pdf_pages(data)  # a report has tens of pages: refuse thousands before reading any
        return parse_pdf(data, progress)
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        from .ocr import parse_image_bytes  # a scanned page or a photo of a table: offline OCR

        return parse_image_bytes(data, progress)
    if data.startswith(b"PK\x03\x04"):
        return _parse_zip(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReportError("不支持旧版 Word/Excel 文件（.doc/.xls），请另存为 .docx 或 PDF 后再试")
    text = decode_text(data, html=b"<" in head and bool(_HTML.search(data[:65536])))
    return parse_text(text, filename, resolve)


def parse_text(text: str, filename: str | None = None, resolve=None) -> Report:
    """A decoded document: JSON, HTML, Markdown or plain text, chosen by content."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise ReportError("文件为空")
    if stripped.startswith("{"):
        return Report.from_json(stripped)
    if stripped.startswith("[") and _is_json(stripped):
        return Report.from_json(stripped)  # a JSON list: says the top level should be an object
    sample = stripped[:65536]
    name = (filename or "").lower()
    if stripped[0] != "<" and (name.endswith((".md", ".markdown")) or _MD_HEADING.search(sample)):
        from .markdown import markdown_document  # Markdown, perhaps with HTML tables in it

        return assemble(markdown_document(stripped))
    if "<" in sample and _HTML_TEXT.search(sample):
        from .html import html_document

        return assemble(html_document(stripped, resolve))
    if name.endswith((".md", ".markdown")) or "|" in sample and (_MD_RULE.search(sample) or len(_MD_ROW.findall(sample)) >= 3):
        from .markdown import markdown_document

        return assemble(markdown_document(stripped))
    from .text import text_document

    return assemble(text_document(stripped))


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:  # plain text that happens to open with "[…]"
        return False
    return True


def _parse_zip(data: bytes) -> Report:
    with check_zip(data) as zf:  # member count, unpacked size and no DTD, before any library opens it
        names = set(zf.namelist())
    if "word/document.xml" in names:
        from .docx import parse_docx

        return parse_docx(data)
    if "xl/workbook.xml" in names:
        from .xlsx import read_xlsx

        return read_xlsx(data)
    raise ReportError("不支持的压缩文件：既不是 DOCX 也不是 XLSX")


def decode_text(data: bytes, html: bool = False) -> str:
    """Bytes → text: BOM, UTF-8, the declared charset (HTML), GB18030; charset-normalizer last.

    Valid UTF-8 wins over a declared charset because pages often declare gb2312 and serve UTF-8
    (and the reverse fails UTF-8 strictly). GB18030 is the superset of GB2312 and GBK.
    """
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return _checked(data[len(bom):].decode(enc))
            except UnicodeDecodeError:
                raise ReportError("不是文本文件：按文件头标记的编码无法解码") from None
    if b"\x00" in data[:65536]:
        raise ReportError("不是文本文件：含有二进制内容（NUL 字节），也不是 PDF/DOCX")
    candidates = ["utf-8"]
    if html:
        m = _CHARSET.search(data[:4096])
        if m:
            declared = m.group(1).decode("ascii", "ignore").lower()
            declared = _ENCODING_ALIASES.get(declared, declared)
            if declared not in _SINGLE_BYTE:  # these decode any bytes: a server default, not a fact
                candidates.append(declared)
    candidates.append("gb18030")
    for enc in dict.fromkeys(candidates):
        try:
            return _checked(data.decode(enc))
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is not None and best.encoding:
        try:
            return _checked(data.decode(best.encoding))
        except (UnicodeDecodeError, LookupError):
            pass
    raise ReportError("不是文本文件：无法识别其字符编码（试过 UTF-8、GB18030）")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _checked(text: str) -> str:
    sample = text[:200_000]
    if not _CONTROL.search(sample):
        return text
    bad = len(_CONTROL.findall(sample))
    if bad > max(2, len(sample) // 200):
        raise ReportError("不是文本文件：含有大量控制字符，像是二进制文件")
    return text
