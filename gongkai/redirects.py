"""Where a ``next`` parameter may send the browser: only to this site (the one place for open redirects).

Every view that honours a ``next`` (or any other URL taken from the request) redirects through
``safe_next``. Off-site URLs (``https://evil.example``, ``//evil.example``, ``/\\evil.example``),
other schemes (``javascript:``, ``data:``) and, on an HTTPS request, plain ``http://`` links to this
host all fall back to the view's own default. Login and logout use Django's views, which apply the
same check (``url_has_allowed_host_and_scheme``) to their ``next``.
"""
from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str, param: str = "next") -> str:
    """``param`` from POST (else GET) if it stays on this site, otherwise ``default``."""
    candidate = request.POST.get(param) or request.GET.get(param) or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return default
