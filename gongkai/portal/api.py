"""Read-only JSON API of the portal (published information only) and its OpenAPI 3 document.

``OPENAPI`` below is the contract; tests/portal/test_api.py requests every path in it and checks
each answer against the documented schema, so the two cannot drift apart silently.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from gongkai.agencies.models import Agency
from gongkai.catalog.services import body_html

from . import services
from .search import QueryError, search as run_search


class _Encoder(DjangoJSONEncoder):
    """JSON whose text can never be read as markup: < > & (and the line separators JavaScript chokes
    on) are written as \\u escapes. The parsed values are unchanged; a browser sniffing the body as
    HTML, or a page pasting it into a <script>, finds no tag in staff-typed titles and summaries."""

    _ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                0x2028: "\\u2028", 0x2029: "\\u2029"}

    def encode(self, o):
        return super().encode(o).translate(self._ESCAPES)


def _json_response(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, encoder=_Encoder, json_dumps_params={"ensure_ascii": False})


def _error(message: str, status: int) -> JsonResponse:
    return _json_response({"error": message}, status)


def _ok(data) -> JsonResponse:
    response = _json_response(data)
    response["Access-Control-Allow-Origin"] = "*"  # public, read-only information
    return response


def _agency(slug):
    return Agency.objects.filter(slug=slug, is_active=True).first()


def _d(value):
    return value.isoformat() if value else None


def item_json(item, detail: bool = False) -> dict:
    slug = item.agency.slug
    out = {
        "id": item.pk,
        "index_number": item.index_number,
        "title": item.title,
        "document_number": item.document_number,
        "issuer": item.issuer,
        "date_made": _d(item.date_made),
        "date_published": _d(item.date_published),
        "category": {"id": item.category_id, "name": item.category.name},
        "topic": item.topic,
        "summary": item.summary,
        "validity": item.validity,
        "validity_label": item.get_validity_display(),
        "validity_date": _d(item.validity_date),
        "doc_kind": item.doc_kind,
        "url": reverse("portal:item", args=[slug, item.pk]),
    }
    if detail:
        out["body_html"] = str(body_html(item))
        out["attachments"] = [
            {"id": a.pk, "name": a.name, "kind": a.kind, "size": a.size, "sha256": a.sha256,
             "url": reverse("portal:attachment", args=[slug, item.pk, a.pk])}
            for a in item.attachments.all()
        ]
    return out


@require_GET
def agencies(request):
    rows = Agency.objects.filter(is_active=True).order_by("name")
    return _ok({"results": [
        {"slug": a.slug, "name": a.name, "short_name": a.short_name, "credit_code": a.credit_code,
         "parent": a.parent.slug if a.parent_id else None, "portal_url": reverse("portal:home", args=[a.slug]),
         "items_url": reverse("portal:api_items", args=[a.slug])}
        for a in rows.select_related("parent")]})


@require_GET
def items(request, slug):
    agency = _agency(slug)
    if agency is None:
        return _error("未找到该机关。", 404)
    g = request.GET
    try:
        page = services.browse(agency, g.get("category") or None, g.get("year") or None, g.get("validity") or None,
                               g.get("page") or 1)
    except ValidationError as exc:
        return _error(exc.messages[0], 400)
    return _ok({"count": page.paginator.count, "count_capped": page.paginator.capped, "page": page.number,
                "pages": page.paginator.num_pages,
                "per_page": page.paginator.per_page,
                "results": [item_json(i) for i in page.object_list]})


@require_GET
def item(request, slug, pk):
    agency = _agency(slug)
    obj = agency and services.published_items(agency).filter(pk=pk).first()
    if not obj:
        return _error("未找到该信息，或该信息未公开。", 404)
    return _ok(item_json(obj, detail=True))


@require_GET
def search(request, slug):
    agency = _agency(slug)
    if agency is None:
        return _error("未找到该机关。", 404)
    g = request.GET
    try:
        result = run_search(agency, g.get("q", ""), g.get("category") or None, g.get("year") or None,
                            g.get("page") or 1)
    except QueryError as exc:
        return _error(str(exc), 400)
    return _ok({"query": result.query, "terms": result.terms, "count": result.total,
                "count_capped": result.total_capped, "page": result.page,
                "pages": result.pages,
                "results": [{**item_json(h.item), "title_html": str(h.title_html), "snippet_html": str(h.snippet_html)}
                            for h in result.hits]})


@require_GET
def openapi(request):
    return _ok(OPENAPI)


# -- the OpenAPI 3 document --------------------------------------------------------------------------

_str = {"type": "string"}
_nstr = {"type": "string", "nullable": True}
_int = {"type": "integer"}
_date = {"type": "string", "format": "date", "nullable": True}

_ITEM = {
    "type": "object",
    "required": ["id", "index_number", "title", "document_number", "issuer", "date_made", "date_published",
                 "category", "topic", "summary", "validity", "validity_label", "validity_date", "doc_kind", "url"],
    "properties": {
        "id": _int, "index_number": {**_str, "description": "索引号（统一社会信用代码/年份-序号）"},
        "title": _str, "document_number": {**_str, "description": "文号"}, "issuer": _str,
        "date_made": _date, "date_published": _date,
        "category": {"type": "object", "required": ["id", "name"], "properties": {"id": _int, "name": _str}},
        "topic": _str, "summary": _str,
        "validity": {"type": "string", "enum": ["valid", "repealed", "expired"]},
        "validity_label": _str, "validity_date": _date,
        "doc_kind": {"type": "string", "enum": ["regulation", "normative_document", "other"]},
        "url": _str,
    },
}
_ITEM_DETAIL = {
    "allOf": [_ITEM, {
        "type": "object", "required": ["body_html", "attachments"],
        "properties": {
            "body_html": {**_str, "description": "正文（已清洗的 HTML）"},
            "attachments": {"type": "array", "items": {
                "type": "object", "required": ["id", "name", "kind", "size", "sha256", "url"],
                "properties": {"id": _int, "name": _str, "kind": _str, "size": _int, "sha256": _str, "url": _str}}},
        }}],
}
_PAGED = {"count": _int, "page": _int, "pages": _int}
_ERROR = {"description": "错误（中文说明）", "content": {"application/json": {"schema": {
    "type": "object", "required": ["error"], "properties": {"error": _str}}}}}


def _param(name, desc, schema=None, where="query", required=False):
    return {"name": name, "in": where, "required": required, "description": desc, "schema": schema or _str}


_SLUG = _param("slug", "机关网址标识", where="path", required=True)
_FILTERS = [_param("category", "分类编号（含下级分类）", _int), _param("year", "发布年份", _int),
            _param("page", "页码，从 1 开始", _int)]


def _json(schema, desc="成功"):
    return {"description": desc, "content": {"application/json": {"schema": schema}}}


OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "政府信息公开专栏 只读接口", "version": "1.0",
             "description": "各机关已发布的主动公开信息（《条例》第十九条至第二十一条）。只读，无需登录。"},
    "paths": {
        "/gk/api/agencies/": {"get": {
            "summary": "机关列表", "operationId": "listAgencies",
            "responses": {"200": _json({"type": "object", "required": ["results"], "properties": {"results": {
                "type": "array", "items": {"type": "object",
                                           "required": ["slug", "name", "credit_code", "portal_url", "items_url"],
                                           "properties": {"slug": _str, "name": _str, "short_name": _str,
                                                          "credit_code": _str, "parent": _nstr,
                                                          "portal_url": _str, "items_url": _str}}}}})}}},
        "/gk/api/agencies/{slug}/items/": {"get": {
            "summary": "主动公开信息列表（按发布日期倒序）", "operationId": "listItems",
            "parameters": [_SLUG, *_FILTERS,
                           _param("validity", "有效性", {"type": "string", "enum": ["valid", "repealed", "expired"]})],
            "responses": {"200": _json({"type": "object", "required": ["count", "page", "pages", "per_page", "results"],
                                        "properties": {**_PAGED, "per_page": _int,
                                                       "results": {"type": "array", "items": _ITEM}}}),
                          "400": _ERROR, "404": _ERROR}}},
        "/gk/api/agencies/{slug}/items/{id}/": {"get": {
            "summary": "主动公开信息详情（含附件）", "operationId": "getItem",
            "parameters": [_SLUG, _param("id", "信息编号", _int, where="path", required=True)],
            "responses": {"200": _json(_ITEM_DETAIL), "404": _ERROR}}},
        "/gk/api/agencies/{slug}/search/": {"get": {
            "summary": "全文检索（中文分词，按相关度排序）", "operationId": "searchItems",
            "parameters": [_SLUG, _param("q", "检索词（最多 40 个字）", required=True), *_FILTERS],
            "responses": {"200": _json({"type": "object",
                                        "required": ["query", "terms", "count", "page", "pages", "results"],
                                        "properties": {"query": _str, "terms": {"type": "array", "items": _str},
                                                       "count_capped": {"type": "boolean", "description":
                                                                        "为 true 时匹配多于 count 条，仅对最近的 count 条排序"},
                                                       **_PAGED, "results": {"type": "array", "items": {
                                                           "allOf": [_ITEM, {"type": "object",
                                                                             "required": ["title_html", "snippet_html"],
                                                                             "properties": {"title_html": _str,
                                                                                            "snippet_html": _str}}]}}}}),
                          "400": _ERROR, "404": _ERROR}}},
        "/gk/api/openapi.json": {"get": {
            "summary": "本接口说明（OpenAPI 3）", "operationId": "openapi",
            "responses": {"200": _json({"type": "object", "required": ["openapi", "info", "paths"],
                                        "properties": {"openapi": _str, "info": {"type": "object"},
                                                       "paths": {"type": "object"}}})}}},
    },
}
