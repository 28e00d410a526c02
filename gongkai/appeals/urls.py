from django.urls import path

from . import views

app_name = "appeals"

A = "staff/appeals/<slug:agency>/"
urlpatterns = [
    path("staff/appeals/", views.index, name="index"),
    path(A, views.appeal_list, name="list"),
    path(A + "new/", views.appeal_new, name="new"),
    path(A + "<int:pk>/", views.appeal_detail, name="detail"),
    path(A + "<int:pk>/edit/", views.appeal_edit, name="edit"),
]
