"""Who may do what, where: one ACTION × ROLE matrix, as data.

A role held in an agency applies to that agency only, except ``supervisor``, which applies to the
agency and all its subordinate agencies, and only for read actions. Separation of duties (三员分立):
``admin`` manages staff and settings but reads no business data and no audit log; ``auditor`` reads the
audit log and changes nothing. Django's ``is_superuser`` grants nothing here except the site-wide actions.
"""
from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Agency, Staff

R = Staff.Role
BUSINESS = frozenset({R.REGISTRAR, R.HANDLER, R.REVIEWER, R.HEAD})

# action -> roles granting it (in the agency where the role is held).
MATRIX: dict[str, frozenset[str]] = {
    "application.view": BUSINESS | {R.SUPERVISOR},
    "application.register": frozenset({R.REGISTRAR}),
    "application.handle": frozenset({R.HANDLER}),
    "application.review": frozenset({R.REVIEWER}),
    # Extensions (Art. 33 para. 2) and replies need the disclosure office head's approval.
    "application.approve": frozenset({R.HEAD}),
    # Applicant identity data is personal information: business roles only, each viewing audited.
    "application.view_identity": BUSINESS,
    "letter.issue": frozenset({R.HANDLER, R.HEAD}),
    # The agency's own letter templates, 发文字号 prefix and letter fonts: what its letters say in its name.
    "letter.manage": frozenset({R.HEAD}),
    "appeal.view": BUSINESS | {R.SUPERVISOR},
    "appeal.edit": frozenset({R.HANDLER, R.HEAD}),
    "catalog.view": BUSINESS | {R.SUPERVISOR},
    "catalog.edit": frozenset({R.HANDLER}),
    # Review before publication, incl. secrecy review (Art. 17).
    "catalog.publish": frozenset({R.REVIEWER, R.HEAD}),
    "report.view": BUSINESS | {R.SUPERVISOR},
    "report.edit": frozenset({R.HANDLER, R.REVIEWER, R.HEAD}),
    # The annual report is published by the agency (Art. 49): the disclosure office head signs it off.
    "report.publish": frozenset({R.REVIEWER, R.HEAD}),
    "agency.manage_staff": frozenset({R.ADMIN}),
    "agency.manage": frozenset({R.ADMIN}),
    "audit.read": frozenset({R.AUDITOR}),
    # Entries tied to no agency (failed logins of unknown usernames, site-wide settings): site-wide.
    "audit.read_platform": frozenset({R.AUDITOR}),
    # Site-wide: the working-day calendar is shared by all agencies.
    "calendar.manage": frozenset({R.ADMIN}),
    # Site-wide: the agency tree itself (add, move, deactivate), above any one agency's admin.
    "agency.tree": frozenset({R.ADMIN}),
}
ACTIONS = tuple(MATRIX)

# Roles that reach down into subordinate agencies, and the only actions they carry there.
SUBTREE_ROLES = frozenset({R.SUPERVISOR})
READ_ACTIONS = frozenset({"application.view", "appeal.view", "catalog.view", "report.view"})

# Actions not tied to one agency: granted by the matrix role held in a top-level agency, or superuser.
SITE_ACTIONS = frozenset({"calendar.manage", "audit.read_platform", "agency.tree"})


def _check_action(action: str) -> None:
    if action not in MATRIX:
        raise ValueError(f"unknown action {action!r}; add it to permissions.MATRIX")


def _granting(action: str) -> frozenset[str]:
    """Roles that grant ``action`` at an agency: supervisors never act, only read."""
    allowed = MATRIX[action]
    return allowed if action in READ_ACTIONS else allowed - SUBTREE_ROLES


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


# Bumped whenever a Staff row or an Agency (the tree) changes in this process: the roles cached on a user
# object (one query per request, see _held) are then read again. Other processes' changes are seen by the
# next request, which loads a fresh user object.
_generation = 0


def _changed(**kwargs) -> None:
    global _generation
    _generation += 1


for _model in (Staff, Agency):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"permissions-{_model.__name__}-save")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"permissions-{_model.__name__}-delete")


def _memo(user) -> dict:
    """Per-user-object cache (request.user lives for one request), emptied when roles or the tree change."""
    memo = getattr(user, "_gk_permissions", None)
    if memo is None or memo["generation"] != _generation:
        memo = {"generation": _generation}
        user._gk_permissions = memo
    return memo


def _held(user) -> tuple[tuple[int, str], ...]:
    """(agency id, role) of every role ``user`` holds: one query, then cached on the user object, so a
    page asking ``can`` once per link costs one query in all."""
    memo = _memo(user)
    if "held" not in memo:
        memo["held"] = tuple(Staff.objects.filter(user=user).order_by().values_list("agency_id", "role"))
    return memo["held"]


def roles_of(user, agency: Agency) -> set[str]:
    """Roles in effect for ``user`` at ``agency``: held there, plus supervisor held at an ancestor."""
    if not _active(user) or agency is None:
        return set()
    held = _held(user)
    roles = {role for agency_id, role in held if agency_id == agency.pk}
    reaching = {agency_id for agency_id, role in held if role in SUBTREE_ROLES}
    if reaching:  # only then is the agency's chain of superiors worth loading
        ancestor_ids = {a.pk for a in agency.ancestors()}
        roles |= {role for agency_id, role in held if role in SUBTREE_ROLES and agency_id in ancestor_ids}
    return roles


def can(user, action: str, agency: Agency | None = None) -> bool:
    """May ``user`` do ``action`` in ``agency``? Site-wide actions take ``agency=None``."""
    _check_action(action)
    if not _active(user):
        return False
    if action in SITE_ACTIONS:
        if user.is_superuser:
            return True
        memo = _memo(user)
        key = ("site", action)
        if key not in memo:
            ids = {agency_id for agency_id, role in _held(user) if role in MATRIX[action]}
            memo[key] = bool(ids) and Agency.objects.filter(pk__in=ids, parent__isnull=True).exists()
        return memo[key]
    if agency is None:
        return False
    return bool(roles_of(user, agency) & _granting(action))


def visible_agency_ids(user, action: str) -> frozenset[int]:
    """Ids of the agencies where ``user`` may do ``action``: no query beyond the cached roles unless the
    user is a supervisor (then one query per level of the tree below, cached as well)."""
    _check_action(action)
    if not _active(user):
        return frozenset()
    memo = _memo(user)
    key = ("visible", action)
    if key not in memo:
        granting = _granting(action)
        held = [(agency_id, role) for agency_id, role in _held(user) if role in granting]
        ids = {agency_id for agency_id, _ in held}
        roots = {agency_id for agency_id, role in held if role in SUBTREE_ROLES}
        for root in Agency.objects.filter(pk__in=roots) if roots else ():
            ids.update(root.descendants().values_list("pk", flat=True))
        memo[key] = frozenset(ids)
    return memo[key]


def visible_agencies(user, action: str) -> QuerySet[Agency]:
    """Agencies where ``user`` may do ``action``."""
    ids = visible_agency_ids(user, action)
    return Agency.objects.filter(pk__in=ids) if ids else Agency.objects.none()


def get_agency_object_or_404(request, queryset, *, action: str = "application.view",
                             agency_field: str = "agency", **lookup):
    """The object matching ``lookup`` if it belongs to an agency where the user may do ``action``;
    otherwise 404 — never 403, so that staff cannot probe other agencies' records."""
    qs = queryset if isinstance(queryset, QuerySet) else queryset._default_manager.all()
    qs = qs.filter(**{f"{agency_field}__in": visible_agencies(request.user, action)})
    return get_object_or_404(qs, **lookup)


def agency_required(action: str):
    """View decorator.

    Anonymous users are sent to the login page. If the URL has an ``agency`` keyword (the agency's
    slug), it is replaced by the Agency object: unknown or invisible agency → 404, visible but action
    not allowed → 403. Without it, the user needs ``action`` in at least one agency (else 403), and
    ``request.agencies`` is the queryset of those agencies, ``request.agency_ids`` their ids (sorted).
    """
    _check_action(action)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if "agency" in kwargs:
                agency = Agency.objects.filter(slug=kwargs["agency"]).first()
                roles = roles_of(user, agency)
                if not roles:
                    raise Http404("没有找到该机关。")
                if not roles & _granting(action):  # = can(user, action, agency), without asking twice
                    raise PermissionDenied("您在该机关没有此项操作权限。")
                kwargs["agency"] = agency
                request.agency = agency
            elif action in SITE_ACTIONS:
                if not can(user, action):
                    raise PermissionDenied("您没有此项操作权限。")
            else:
                ids = visible_agency_ids(user, action)
                if not ids:
                    raise PermissionDenied("您没有此项操作权限。")
                request.agencies = Agency.objects.filter(pk__in=ids)
                request.agency_ids = sorted(ids)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class AgencyRequiredMixin:
    """Class-based view counterpart of ``agency_required``: set ``agency_action``."""

    agency_action: str = ""

    def dispatch(self, request, *args, **kwargs):
        inner = super().dispatch
        return agency_required(self.agency_action)(lambda r, *a, **k: inner(r, *a, **k))(request, *args, **kwargs)
