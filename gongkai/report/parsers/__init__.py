"""Parsers: any published form of an annual report → ``Report``.

Entry points (the only ones other modules use):

    parse_bytes(data: bytes, filename: str | None = None) -> Report
    parse_file(path: str | Path) -> Report          # "-" reads standard input

The format is chosen by content (magic bytes, markup), the file name only breaks ties. Each format
module turns its input into a ``core.Document`` (text lines and/or table grids); ``core.assemble``
maps labels to the layout's keys and numbers to cells, the same way for every format.
Anything that is not a readable report raises ``ReportError`` with a Chinese message.
"""
