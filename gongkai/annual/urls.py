from django.urls import path

app_name = "annual"
urlpatterns: list = []
