"""Plain text (a web page copied as text, crawler output): the lines are the document."""
from __future__ import annotations

from .core import Document


def text_document(text: str) -> Document:
    # splitlines also breaks on \x1c-\x1e and \x85; a report only ever uses \n and \r\n.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Document(lines=lines, tables=[], source="text")
