"""Authentication backend that refuses any attempt while the username + IP is locked out.

It guards every login form (ours and the Django admin's), since both go through ``authenticate()``.
"""
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from .audit import client_ip
from .services import locked_until


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None and username and locked_until(username, client_ip(request)):
            raise PermissionDenied  # stops all backends; the password is not even checked
        return super().authenticate(request, username=username, password=password, **kwargs)
