"""The home page "/": where a citizen finds the disclosure columns, the online application and the
status lookup (and 年报体检 for report writers); staff find the login."""
from django.shortcuts import render

from gongkai.agencies.models import Agency

HOME_AGENCIES = 30  # the full list is the portal's index (/gk/)


def home(request):
    agencies = Agency.objects.filter(is_active=True).select_related("parent").order_by("parent_id", "name")
    return render(request, "home.html", {"agencies": agencies[:HOME_AGENCIES],
                                         "more": agencies.count() > HOME_AGENCIES})
