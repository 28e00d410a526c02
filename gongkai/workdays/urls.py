from django.urls import path

from . import views

app_name = "workdays"
urlpatterns = [
    path("staff/platform/calendar/", views.year_list, name="years"),
    path("staff/platform/calendar/<int:year>/", views.year_detail, name="year"),
]
