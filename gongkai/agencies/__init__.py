"""Platform core: agencies (tenants), staff roles, permissions, the audit log, login hardening, demo data.

Public API for the other apps:

- ``models.Agency`` (``descendants()``, ``ancestors()``), ``models.Staff`` (``Staff.Role``).
- ``permissions``: ``can(user, action, agency)``, ``roles_of(user, agency)``,
  ``visible_agencies(user, action)``, ``get_agency_object_or_404(request, queryset, action=..., **lookup)``,
  ``agency_required(action)`` / ``AgencyRequiredMixin``; the rules are the ``MATRIX`` dict.
- ``audit``: ``record(actor=, action=, agency=, target=, summary=, data=, request=)``,
  ``record_identity_view(request, obj)``, ``verify_chain()``.
- Staff home links: a module ``gongkai.<app>.nav`` with ``STAFF_LINKS = [(label, url_name, action)]``.
- Demo data: a module ``gongkai.<app>.demo`` with ``load()`` (idempotent; may return lines to print).
"""
