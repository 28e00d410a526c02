"""Letter templates in a sandbox: Jinja2's ImmutableSandboxedEnvironment over the fixed vocabulary only.

``check()`` runs when a template is saved and again before every render: a template that names anything
outside ``vocabulary.FIELDS``, includes, extends or imports another template, calls a function, reads an
attribute starting with "_", or uses a tag such as Django's {% load %} / {% debug %} / {% ssi %} is refused
with a Chinese reason. The output is plain text (one paragraph per line), so autoescape is off here: the
print layout escapes it for HTML (Django templates, autoescape on) and python-docx writes it as text, each
exactly once.
"""
from __future__ import annotations

import re

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.meta import find_undeclared_variables
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .vocabulary import LIST_FIELDS, NAMES, example_context

MAX_SOURCE = 20_000    # characters of a template
MAX_OUTPUT = 200_000   # characters of a rendered letter (a 10,000-character note fits many times over)

# Filters a letter may need; everything else (format, replace, center, attr, map…) is refused.
FILTERS = ("default", "join", "length", "trim", "upper", "lower", "first", "last", "int", "string", "truncate")

# The only attributes there are: an item's fields and the loop counter's.
ATTRIBUTES = frozenset({"description", "label", "index", "index0", "revindex", "revindex0", "first", "last",
                        "length"})

# Tags that read other templates, files, settings or libraries, Django's and Jinja's alike.
_REFUSED_TAG = re.compile(r"\{%[-+]?\s*(include|extends|import|from|debug|load|ssi|macro|call|url|csrf_token|"
                          r"templatetag|block|filter|with|now|lorem|widthratio|cycle|firstof|spaceless)\b")


class TemplateRefused(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, auto_reload=False)
    env.globals.clear()  # no range(), dict(), lipsum(), cycler(), namespace()
    env.filters = {name: env.filters[name] for name in FILTERS}
    return env


ENV = _environment()


def _refuse_nodes(tree: nodes.Template) -> None:
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        raise TemplateRefused(f"第{node.lineno}行：文书模板不能引用其他模板或文件（include/extends/import）。")
    for node in tree.find_all((nodes.Macro, nodes.CallBlock, nodes.Call)):
        raise TemplateRefused(f"第{node.lineno}行：文书模板不能定义或调用函数、方法。")
    for node in tree.find_all((nodes.Mul, nodes.Pow, nodes.Mod)):  # "a" * 10**9, "%999999999s" % x
        raise TemplateRefused(f"第{node.lineno}行：文书模板不能使用乘法、乘方或格式化（* ** %）运算。")
    for node in tree.find_all(nodes.Name):
        if node.name == "self":  # Jinja's reference to the template itself
            raise TemplateRefused(f"第{node.lineno}行：模板使用了未列出的字段：self。")
    for node in tree.find_all(nodes.Getattr):
        if node.attr.startswith("_"):
            raise TemplateRefused(f"第{node.lineno}行：不能读取以下划线开头的属性“{node.attr}”。")
        if node.attr not in ATTRIBUTES:
            raise TemplateRefused(f"第{node.lineno}行：没有属性“{node.attr}”；可用：item.description、item.label、"
                                  "loop.index。")
    for node in tree.find_all(nodes.Getitem):
        if isinstance(node.arg, nodes.Const) and str(node.arg.value).startswith("_"):
            raise TemplateRefused(f"第{node.lineno}行：不能读取以下划线开头的属性“{node.arg.value}”。")
        if not (isinstance(node.arg, nodes.Const) and (type(node.arg.value) is int or node.arg.value in ATTRIBUTES)):
            raise TemplateRefused(f"第{node.lineno}行：只能按序号或 description、label 取列表中的项。")
    for node in tree.find_all(nodes.Filter):
        if node.name not in FILTERS:
            raise TemplateRefused(f"第{node.lineno}行：不支持过滤器“{node.name}”；可用：{'、'.join(FILTERS)}。")
    for node in tree.find_all(nodes.For):
        if not (isinstance(node.iter, nodes.Name) and node.iter.name in LIST_FIELDS):
            raise TemplateRefused(f"第{node.lineno}行：{{% for %}} 只能用于列表字段（{'、'.join(sorted(LIST_FIELDS))}）。")


def check(source: str) -> None:
    """Refuse anything outside the vocabulary (TemplateRefused with a Chinese reason); return if allowed."""
    if len(source) > MAX_SOURCE:
        raise TemplateRefused(f"模板过长（超过{MAX_SOURCE}字）。")
    if "\x00" in source:
        raise TemplateRefused("模板含有无效的空字符。")
    tag = _REFUSED_TAG.search(source)
    if tag:
        line = source.count("\n", 0, tag.start()) + 1
        raise TemplateRefused(f"第{line}行：不允许使用 {{% {tag.group(1)} %}}：文书模板不能读取文件、设置、"
                              "其他模板或数据，只能使用本页列出的字段。")
    try:
        tree = ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateRefused(f"第{exc.lineno}行：模板语法有误（{exc.message}）。") from None
    _refuse_nodes(tree)
    unknown = sorted(find_undeclared_variables(tree) - NAMES)
    if unknown:
        raise TemplateRefused(f"模板使用了未列出的字段：{'、'.join(unknown)}。只能使用本页列出的字段。")
    render(source, example_context(), checked=True)  # e.g. {{ items.x.y }} fails only when rendered


def render(source: str, ctx: dict, *, checked: bool = False) -> str:
    """The template's text for ``ctx``: lines stripped, blank lines dropped (one paragraph per line)."""
    if not checked:
        check(source)
    try:
        text = ENV.from_string(source).render(ctx)
    except (UndefinedError, SecurityError, TypeError, ValueError, OverflowError) as exc:
        raise TemplateRefused(f"模板无法生成文书：{exc}") from None
    if len(text) > MAX_OUTPUT:
        raise TemplateRefused(f"生成的文书过长（超过{MAX_OUTPUT}字），请检查模板。")
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
