"""JSON API and its OpenAPI document: every documented path resolves and answers in the documented
shape (a small JSON-schema check: type, nullable, required, properties, items, enum, allOf)."""
import datetime as dt

import pytest
from django.urls import Resolver404, resolve

from gongkai.portal.api import OPENAPI

from .conftest import pdf_bytes

pytestmark = pytest.mark.django_db

TYPES = {"object": dict, "array": list, "string": str, "integer": int, "boolean": bool, "number": (int, float)}


def check(value, schema, where="$"):
    """Raise AssertionError naming the first place where ``value`` breaks ``schema``."""
    for sub in schema.get("allOf", ()):
        check(value, sub, where)
    if value is None:
        assert schema.get("nullable") or "type" not in schema, f"{where}: null not allowed"
        return
    t = schema.get("type")
    if t:
        assert isinstance(value, TYPES[t]) and not (t == "integer" and isinstance(value, bool)), \
            f"{where}: expected {t}, got {type(value).__name__}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if t == "object":
        for key in schema.get("required", ()):
            assert key in value, f"{where}: missing {key}"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                check(value[key], sub, f"{where}.{key}")
    if t == "array":
        for i, v in enumerate(value):
            check(v, schema.get("items", {}), f"{where}[{i}]")


def test_checker_rejects_wrong_shapes():
    schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}
    check({"a": 1}, schema)
    for bad in ({}, {"a": "1"}, {"a": None}, {"a": True}, []):
        with pytest.raises(AssertionError):
            check(bad, schema)


@pytest.fixture
def published(make_item):
    return make_item("关于行政复议工作的通知", summary="依法申请行政复议。", made=dt.date(2024, 4, 1),
                     files=[("附件.pdf", pdf_bytes("附件"))])


def test_every_documented_path_resolves_and_matches(client, agency, published):
    values = {"slug": agency.slug, "id": str(published.pk)}
    examples = {"q": "复议"}
    assert OPENAPI["openapi"].startswith("3.")
    assert len(OPENAPI["paths"]) == 5
    for template, ops in OPENAPI["paths"].items():
        path = template
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        assert "{" not in path, template
        try:
            resolve(path)
        except Resolver404:
            pytest.fail(f"{template} does not resolve")
        op = ops["get"]
        query = {p["name"]: examples[p["name"]] for p in op.get("parameters", ())
                 if p["in"] == "query" and p.get("required")}
        response = client.get(path, query)
        assert response.status_code == 200, (template, response.content[:200])
        assert response["Content-Type"] == "application/json"
        schema = op["responses"]["200"]["content"]["application/json"]["schema"]
        data = response.json()
        check(data, schema, template)
        if isinstance(data.get("results"), list):
            assert data["results"], f"{template}: expected at least one result"


def test_documented_errors(client, agency, published):
    err = OPENAPI["paths"]["/gk/api/agencies/{slug}/search/"]["get"]["responses"]["400"]
    schema = err["content"]["application/json"]["schema"]
    for url, status, text in (
        ("/gk/api/agencies/test-xzsp/search/?q=", 400, "请输入"),
        ("/gk/api/agencies/test-xzsp/items/?validity=bad", 400, "有效性"),
        ("/gk/api/agencies/nobody/items/", 404, "未找到该机关"),
        (f"/gk/api/agencies/test-zrzy/items/{published.pk}/", 404, "未找到该信息"),
    ):
        response = client.get(url)
        assert response.status_code == status
        check(response.json(), schema)
        assert text in response.json()["error"]


def test_items_filters_detail_and_search(client, agency, make_item, published):
    make_item("规划文件", category="规划计划", made=dt.date(2024, 4, 2))
    data = client.get("/gk/api/agencies/test-xzsp/items/").json()
    assert data["count"] == 2 and [r["title"] for r in data["results"]][0] in ("规划文件", "关于行政复议工作的通知")
    cat = agency.catalog_categories.get(name="规划计划").pk
    data = client.get(f"/gk/api/agencies/test-xzsp/items/?category={cat}").json()
    assert [r["title"] for r in data["results"]] == ["规划文件"]
    detail = client.get(f"/gk/api/agencies/test-xzsp/items/{published.pk}/").json()
    assert detail["index_number"] == published.index_number
    att = detail["attachments"][0]
    assert att["name"] == "附件.pdf" and client.get(att["url"]).status_code == 200
    found = client.get("/gk/api/agencies/test-xzsp/search/", {"q": "复议"}).json()
    assert found["terms"] == ["复议"] and found["count"] == 1
    assert "<mark>复议</mark>" in found["results"][0]["snippet_html"]
    assert client.post("/gk/api/agencies/").status_code == 405  # read-only
