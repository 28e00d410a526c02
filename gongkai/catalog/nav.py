STAFF_LINKS = [("主动公开目录", "catalog:index", "catalog.view"), ("主动公开统计图表", "catalog:statistics", "catalog.view")]
