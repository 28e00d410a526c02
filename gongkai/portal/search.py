"""Chinese full-text search over published catalogue items (one module, two database backends).

Indexing: each published item's text is segmented by jieba in search mode (``cut_for_search``: a
long word is also indexed as its dictionary sub-words, so 行政复议 is found by 复议) and stored,
space-joined, in ``SearchDoc``; the database's full-text engine (FTS5 on SQLite, tsvector on
PostgreSQL; migration 0002) indexes those tokens. The query is segmented by the same tokenizer
(precise mode: each query word must appear as a document token) and all its words are required.

Agency, category and year are part of the indexed query (migration 0003: an FTS5 tags column on SQLite,
a multi-column GIN index on PostgreSQL). Ranking is bounded: the database returns only the CANDIDATES
most recently indexed matches with their tokens, and ``rank`` orders them by BM25 (title weighted above
the text), the same on both backends; the count stops there too
("1000+"), so a query costs the same whether a word is rare or in every other item. Snippets are cut and
highlighted here from the item's original text, escaped, so both backends show the same thing.

Public: ``search(agency, q, category=None, year=None, page=1)``, ``QueryError``, ``tokens``,
``index_item``, ``unindex``, ``reindex``.
"""
from __future__ import annotations

import html
import logging
import math
import re
import threading
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

PER_PAGE = 20
MAX_QUERY_CHARS = 40
MAX_TERMS = 8
SNIPPET_CHARS = 120
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0

_WORD = re.compile(r"^\w+$")
_lock = threading.Lock()
_tokenizer = None


class QueryError(ValueError):
    """A query that cannot be searched; ``str(exc)`` is the Chinese message for the visitor."""


def tokenizer():
    """The jieba tokenizer, initialised once on first use (not at start-up: loading the dictionary
    takes about a second), with its cache in VAR_DIR so later processes load it quickly."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.tmp_dir = str(settings.VAR_DIR)
                tok.cache_file = "jieba.cache"
                tok.initialize()
                _tokenizer = tok
    return _tokenizer


def _clean(text: str) -> str:
    # NFKC folds full-width letters and digits (ＡＢＣ１２３) to their ordinary forms.
    return unicodedata.normalize("NFKC", text or "")


def tokens(text: str) -> list[str]:
    """Search-mode tokens of ``text`` (words and their dictionary sub-words), lower-cased, without
    punctuation. HMM is off so the same string is always cut the same way."""
    return [t.lower() for t in tokenizer().cut_for_search(_clean(text), HMM=False) if _WORD.match(t)]


def query_terms(q: str) -> list[str]:
    """The words of a query (precise mode), deduplicated, in order; raises QueryError."""
    q = _clean(q).strip()
    if not q:
        raise QueryError("请输入要检索的词语。")
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"检索词过长：最多 {MAX_QUERY_CHARS} 个字，请精简后再检索。")
    terms: list[str] = []
    for t in tokenizer().cut(q, HMM=False):
        t = t.lower()
        if _WORD.match(t) and t not in terms:
            terms.append(t)
    if not terms:
        raise QueryError("检索词中没有可检索的文字或数字，请换用汉字、字母或数字检索。")
    if len(terms) > MAX_TERMS:
        raise QueryError(f"检索词包含的词语过多（最多 {MAX_TERMS} 个），请精简后再检索。")
    return terms


def plain_text(item) -> str:
    """Summary and body of an item as plain text (body is sanitised HTML)."""
    body = html.unescape(strip_tags(item.body or ""))
    return re.sub(r"\s+", " ", f"{item.summary or ''} {body}").strip()


# -- keeping the index in step with the catalogue ---------------------------------------------------

def _doc(item):
    from .models import SearchDoc

    extra = " ".join(x for x in (item.document_number, item.topic, plain_text(item)) if x)
    day = item.date_published or item.date_made
    return SearchDoc(item_id=item.pk, agency_id=item.agency_id, category_id=item.category_id, year=day.year,
                     date_published=item.date_published, title=" ".join(tokens(item.title)),
                     body=" ".join(tokens(extra)))


def index_item(item) -> None:
    """Index ``item`` if it is published, otherwise remove it from the index."""
    from gongkai.catalog.models import Item

    from .models import SearchDoc

    if item.state != Item.State.PUBLISHED:
        unindex(item.pk)
        return
    doc = _doc(item)
    with transaction.atomic():
        SearchDoc.objects.filter(pk=item.pk).delete()
        doc.save(force_insert=True)


def unindex(item_id: int) -> None:
    from .models import SearchDoc

    SearchDoc.objects.filter(pk=item_id).delete()


def reindex(agency=None, full: bool = False) -> tuple[int, int]:
    """Bring the index in line with the catalogue: add published items missing from it, drop items
    no longer published (bulk imports write items without model signals). ``full`` rebuilds
    everything. Returns (added, removed)."""
    from gongkai.catalog.models import Item

    from .models import SearchDoc

    docs = SearchDoc.objects.all()
    items = Item.objects.published()
    if agency is not None:
        docs, items = docs.filter(agency=agency), items.filter(agency=agency)
    with transaction.atomic():
        if full:
            removed = docs.delete()[0]
        else:
            removed = docs.exclude(item__state=Item.State.PUBLISHED).delete()[0]
            items = items.exclude(pk__in=SearchDoc.objects.values("item_id"))
        added = 0
        batch = []
        for item in items.iterator(chunk_size=1000):
            batch.append(_doc(item))
            if len(batch) >= 1000:
                SearchDoc.objects.bulk_create(batch)
                added += len(batch)
                batch = []
        SearchDoc.objects.bulk_create(batch)
        added += len(batch)
    return added, removed


# -- querying ------------------------------------------------------------------------------------------

@dataclass
class Hit:
    item: object
    title_html: SafeString
    snippet_html: SafeString


@dataclass
class SearchPage:
    query: str
    terms: list[str]
    total: int
    page: int
    pages: int
    hits: list[Hit] = field(default_factory=list)
    total_capped: bool = False  # more than ``total`` matches exist; only the most recent were ranked

    @property
    def total_label(self) -> str:
        return f"{self.total}+" if self.total_capped else str(self.total)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _category_ids(agency, category) -> list[int] | None:
    """The category and all its sub-categories (a filter on a parent includes its children)."""
    if category is None or category == "":
        return None
    from gongkai.catalog.models import Category

    cid = getattr(category, "pk", category)
    parents = dict(Category.objects.filter(agency=agency).values_list("pk", "parent_id"))
    try:
        cid = int(cid)
    except (TypeError, ValueError):
        raise QueryError("所选分类不存在。") from None
    if cid not in parents:
        raise QueryError("所选分类不存在。")
    out, frontier = {cid}, {cid}
    while frontier:
        frontier = {pk for pk, parent in parents.items() if parent in frontier and pk not in out}
        out |= frontier
    return sorted(out)


def parse_year(year) -> int | None:
    """A publication-year filter from a URL parameter (None when empty); raises QueryError."""
    if year is None or year == "":
        return None
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise QueryError("年份应为四位数字，如 2024。") from None
    if not 1900 <= year <= 2100:
        raise QueryError("年份应为四位数字，如 2024。")
    return year


MAX_PAGE = 100_000  # keeps OFFSET within the database's integer range; a page past the end shows the last


def parse_page(page) -> int:
    """A page number from a URL parameter: anything that is not a positive number means page 1."""
    try:
        return min(max(1, int(page)), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


# Bounded ranking: only the CANDIDATES most recently indexed matches (highest item ids) are ranked, so a
# word found in half a million items costs the same as a rare one; the count stops there too ("1000+").
CANDIDATES = 1000


def _tag_match(agency, cats, year) -> str:
    """FTS5 filter on the tags column (migration 0003): agency, category (any of), year."""
    out = f'tags : "a{int(agency.pk)}"'
    if cats is not None:
        out += " AND tags : (" + " OR ".join(f'"c{int(c)}"' for c in cats) + ")"
    if year is not None:
        out += f' AND tags : "y{int(year)}"'
    return out


def _sqlite(agency, terms, cats, year):
    # Each term quoted: FTS5 query syntax (AND/OR/NEAR, *, ^, :) never comes from the visitor; the visitor's
    # words are matched in title and body only, never in the tags column. No bm25() here: its statistics
    # read the whole doclist of every phrase (the agency tag's is the agency's whole catalogue).
    words = " ".join('"' + t.replace('"', '""') + '"' for t in terms)
    match = f"{{title body}} : ({words}) AND {_tag_match(agency, cats, year)}"
    with connection.cursor() as cur:
        cur.execute("SELECT d.item_id, d.title, d.body FROM portal_searchdoc d WHERE d.item_id IN ("
                    "SELECT rowid FROM portal_searchfts WHERE portal_searchfts MATCH %s ORDER BY rowid DESC LIMIT %s)",
                    [match, CANDIDATES + 1])
        return cur.fetchall()


def _postgres(agency, terms, cats, year):
    # Terms are \w+ words; quoting each as a lexeme keeps tsquery operators out of the visitor's hands.
    tsq = " & ".join("'" + t.replace("'", "''").replace("\\", "\\\\") + "'" for t in terms)
    sql = ("SELECT d.item_id, d.title, d.body FROM portal_searchdoc d "
           "WHERE d.agency_id = %s AND d.document @@ to_tsquery('simple', %s)")
    params = [agency.pk, tsq]
    if cats is not None:
        sql += f" AND d.category_id IN ({', '.join(['%s'] * len(cats))})"
        params += cats
    if year is not None:
        sql += " AND d.year = %s"
        params.append(year)
    with connection.cursor() as cur:
        cur.execute(sql + " ORDER BY d.item_id DESC LIMIT %s", [*params, CANDIDATES + 1])
        return cur.fetchall()


K1, B = 1.2, 0.75  # BM25 saturation and length normalisation


def rank(rows, terms) -> list[tuple[float, int]]:
    """(score, item id) of candidate rows (item_id, title tokens, body tokens), best first. BM25 per field
    (title weighted TITLE_WEIGHT, body BODY_WEIGHT) over the candidates: every candidate holds every term,
    so the terms' document frequencies do not change the order and are left out."""
    docs = [(pk, title.split(), body.split()) for pk, title, body in rows]
    if not docs:
        return []
    avg_t = sum(len(t) for _, t, _ in docs) / len(docs) or 1
    avg_b = sum(len(b) for _, _, b in docs) / len(docs) or 1
    out = []
    for pk, t, b in docs:
        nt, nb = K1 * (1 - B + B * len(t) / avg_t), K1 * (1 - B + B * len(b) / avg_b)
        score = 0.0
        for term in terms:
            ft, fb = t.count(term), b.count(term)
            score += TITLE_WEIGHT * ft / (ft + nt) + BODY_WEIGHT * fb / (fb + nb)
        out.append((score, pk))
    out.sort(key=lambda r: (-r[0], -r[1]))  # equal scores: most recent first
    return out


BACKENDS = {"sqlite": _sqlite, "postgresql": _postgres}


def search(agency, q: str, category=None, year=None, page=1, per_page: int = PER_PAGE) -> SearchPage:
    """Published items of ``agency`` matching every word of ``q``, best first, one page of them.
    ``category`` (id or Category; includes sub-categories) and ``year`` (publication year) filter.
    Ranking is bounded: the CANDIDATES most recent matches are ranked (``total_capped`` tells when there
    are more). Two queries per page whatever the number of matches (candidates, then the page's items).
    Raises QueryError with a Chinese message for an empty, over-long or unsearchable query."""
    from gongkai.catalog.models import Item

    terms = query_terms(q)
    cats = _category_ids(agency, category)
    year = parse_year(year)
    page = parse_page(page)
    backend = BACKENDS.get(connection.vendor)
    if backend is None:
        raise QueryError("当前数据库不支持全文检索。")
    rows = backend(agency, terms, cats, year)
    capped = len(rows) > CANDIDATES
    scored = rank(sorted(rows, reverse=True)[:CANDIDATES], terms)
    total = len(scored)
    pages = max(1, math.ceil(total / per_page))
    page = min(page, pages)  # a page past the end shows the last page
    ids = [pk for _, pk in scored[(page - 1) * per_page:page * per_page]]
    items = Item.objects.published().select_related("category", "agency").in_bulk(ids) if ids else {}
    hits = [Hit(items[i], highlight(items[i].title, terms), snippet(plain_text(items[i]), terms))
            for i in ids if i in items]
    return SearchPage(query=q, terms=terms, total=total, page=page, pages=pages, hits=hits, total_capped=capped)


# -- snippets ----------------------------------------------------------------------------------------

def _pattern(terms) -> re.Pattern:
    # Longest first so 行政复议 is marked whole rather than as 行政 + 复议.
    return re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


def highlight(text: str, terms) -> SafeString:
    """``text`` escaped, with every occurrence of a term wrapped in <mark>."""
    text = text or ""
    out, pos = [], 0
    for m in _pattern(terms).finditer(text):
        out.append(html.escape(text[pos:m.start()]))
        out.append(f"<mark>{html.escape(m.group())}</mark>")
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return mark_safe("".join(out))


def snippet(text: str, terms, size: int = SNIPPET_CHARS) -> SafeString:
    """About ``size`` characters of ``text`` around the first term, highlighted; "…" where cut."""
    text = text or ""
    m = _pattern(terms).search(text)
    start = 0 if m is None else max(0, m.start() - size // 4)
    end = min(len(text), start + size)
    start = max(0, min(start, end - size))
    out = highlight(text[start:end], terms)
    return mark_safe(("…" if start > 0 else "") + out + ("…" if end < len(text) else ""))
