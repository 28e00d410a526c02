from django.urls import path

from . import views

app_name = "annual"
urlpatterns = [
    path("check/", views.index, name="index"),  # 年报体检 (the home page "/" leads to the portal)
    path("check/clear/", views.clear, name="clear"),
    path("check/<str:batch>/<int:index>/download/<str:fmt>/", views.download, name="download"),
    path("display/font/", views.font, name="font"),
]
