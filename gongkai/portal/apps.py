from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "gongkai.portal"
    verbose_name = "公开门户"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from gongkai.agencies.models import AuditEntry
        from gongkai.catalog.models import Item

        post_save.connect(_item_saved, sender=Item, dispatch_uid="portal.index_item")
        post_delete.connect(_item_deleted, sender=Item, dispatch_uid="portal.unindex_item")
        post_save.connect(_audit_saved, sender=AuditEntry, dispatch_uid="portal.reindex_after_import")


# The search index follows the catalogue: publish adds an item, withdraw (or any other state) removes it.
# These run inside the caller's transaction, so the index never disagrees with a committed catalogue.
def _item_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        from .search import index_item

        index_item(instance)


def _item_deleted(sender, instance, **kwargs):
    from .search import unindex

    unindex(instance.pk)


def _audit_saved(sender, instance, created=False, **kwargs):
    # The catalogue importer writes items with bulk_create (no model signals); its audit entry,
    # recorded in the same transaction, is the hook to index what it published.
    if created and instance.action == "catalog.import" and instance.agency_id:
        from .search import reindex

        reindex(instance.agency)
