from django.urls import path

from . import views

app_name = "annual"
urlpatterns = [
    path("", views.index, name="index"),
    path("check/clear/", views.clear, name="clear"),
    path("check/<str:batch>/<int:index>/download/<str:fmt>/", views.download, name="download"),
    path("display/font/", views.font, name="font"),
]
