"""Atom feed of newly published catalogue items, one per agency.

Every text here is typed by staff. Atom ``<title>``, ``<subtitle>`` and ``category/@term`` are plain
text (the XML writer escapes them once, which is right); the entry ``<summary type="html">`` holds
HTML, so its text is HTML-escaped first and the XML writer escapes that again: a reader decodes the XML
and then shows the HTML as text, never as markup. Control characters XML 1.0 cannot hold are dropped.
"""
from __future__ import annotations

from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from gongkai.agencies.models import Agency
from gongkai.report.render.grid import printable

from .services import published_items

FEED_ITEMS = 50


class ItemsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug):
        return get_object_or_404(Agency, slug=slug, is_active=True)

    def title(self, agency):
        return printable(f"{agency.name} 主动公开信息")

    def subtitle(self, agency):
        return printable(f"{agency.name}政府信息公开专栏新发布的主动公开信息")

    def link(self, agency):
        return reverse("portal:items", args=[agency.slug])

    def items(self, agency):
        return (published_items(agency)
                .order_by("-published_at", "-date_published", "-id")[:FEED_ITEMS])

    def item_title(self, item):
        return printable(item.title)

    def item_description(self, item):
        parts = [f"索引号：{item.index_number}"]
        if item.document_number:
            parts.append(f"文号：{item.document_number}")
        parts.append(f"分类：{item.category.name}")
        if item.summary:
            parts.append(item.summary)
        return escape(printable("；".join(parts)))  # text inside type="html": escaped for HTML

    def item_link(self, item):
        return reverse("portal:item", args=[item.agency.slug, item.pk])

    def item_guid(self, item):
        return printable(item.index_number)  # imported catalogues keep their own (typed) index numbers

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        if item.published_at:
            return item.published_at
        day = item.date_published or item.date_made
        return timezone.make_aware(datetime.combine(day, time(9, 0)))

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [printable(item.category.name)]
