STAFF_LINKS = [("主动公开目录", "catalog:index", "catalog.view")]
