"""Format-independent assembly of a report from extracted text and tables.

Contract shared by all format modules:

    @dataclass
    class Document:
        lines: list[str]                      # whole document, reading order, one line per entry
        tables: list[list[list[str | None]]]  # grids from table markup, rowspan/colspan expanded
        source: str                           # "text", "html", "docx", "pdf", "markdown"

    assemble(doc: Document) -> Report
"""
