from __future__ import annotations

import importlib
from datetime import datetime, time, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import audit, services
from .forms import AgencyContactForm, AgencyForm, AuditFilterForm, CreateUserForm, GrantRoleForm, LoginForm
from .models import Agency, AuditEntry, Staff
from .permissions import MATRIX, SITE_ACTIONS, agency_required, can, visible_agencies


class LoginView(auth_views.LoginView):
    template_name = "agencies/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {**services.LOCKOUT_RULE, "session_minutes": settings.SESSION_COOKIE_AGE // 60}

    def get_default_redirect_url(self):
        return reverse("agencies:home")


class LogoutView(auth_views.LogoutView):
    next_page = "agencies:login"


def _nav_modules():
    for config in apps.get_app_configs():
        if not config.name.startswith("gongkai."):
            continue
        try:
            yield importlib.import_module(f"{config.name}.nav")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.nav":
                raise


def staff_summaries(user) -> list[dict]:
    """Counts first: each ``gongkai.<app>.nav`` may define ``staff_summary(user)`` → a dict with a
    ``template`` to include (and its context) or None when the user has nothing there."""
    out = []
    for module in _nav_modules():
        fn = getattr(module, "staff_summary", None)
        if callable(fn) and (summary := fn(user)):
            out.append(summary)
    return out


def staff_links(user) -> list[dict]:
    """Links contributed by the apps: each ``gongkai.<app>.nav`` may define
    ``STAFF_LINKS = [(label, url_name, action), ...]``; a link shows when the user may do ``action``
    in at least one agency (site-wide actions: anywhere)."""
    links = []
    allowed: dict[str, bool] = {}
    for module in _nav_modules():
        for label, url_name, action in getattr(module, "STAFF_LINKS", ()):
            if action not in MATRIX:
                continue
            if action not in allowed:  # several links share an action: ask once
                allowed[action] = can(user, action) if action in SITE_ACTIONS else visible_agencies(user, action).exists()
            if allowed[action]:
                try:
                    links.append({"label": label, "url": reverse(url_name)})
                except NoReverseMatch:
                    continue
    return links


@login_required
def home(request):
    memberships = (Staff.objects.filter(user=request.user).select_related("agency", "agency__parent")
                   .order_by("agency__name", "role"))
    rows: dict[int, dict] = {}
    for m in memberships:
        row = rows.setdefault(m.agency_id, {"agency": m.agency, "roles": [], "manage": False})
        row["roles"].append(m.get_role_display())
        if m.role == Staff.Role.ADMIN:
            row["manage"] = True
    supervised = visible_agencies(request.user, "application.view").exclude(pk__in=rows.keys())
    return render(request, "agencies/home.html", {
        "rows": list(rows.values()),
        "supervised": supervised.order_by("name"),
        "can_audit": visible_agencies(request.user, "audit.read").exists() or can(request.user, "audit.read_platform"),
        "links": staff_links(request.user),
        "summaries": staff_summaries(request.user),
    })


def _audit_queryset(agencies, platform: bool):
    qs = AuditEntry.objects.filter(agency__in=agencies)
    # Entries tied to no agency (site-wide settings, failed logins of unknown usernames) go to platform
    # superusers and auditors of a top-level agency ("audit.read_platform").
    if platform:
        qs = AuditEntry.objects.filter(Q(agency__in=agencies) | Q(agency__isnull=True))
    return qs.select_related("agency")


@login_required
def audit_log(request):
    agencies = visible_agencies(request.user, "audit.read").order_by("name")
    platform = can(request.user, "audit.read_platform")
    if not platform and not agencies.exists():
        raise PermissionDenied("您没有此项操作权限。")
    form = AuditFilterForm(request.GET or None, agencies=agencies)
    qs = _audit_queryset(agencies, platform)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if d["agency"]:
            qs = qs.filter(agency=d["agency"])
        if d["action"]:
            a = d["action"].strip()
            qs = qs.filter(action__startswith=a) if a.endswith(".") else qs.filter(action=a)
        tz = timezone.get_current_timezone()
        if d["date_from"]:
            qs = qs.filter(created_at__gte=datetime.combine(d["date_from"], time.min, tzinfo=tz))
        if d["date_to"]:
            qs = qs.filter(created_at__lt=datetime.combine(d["date_to"] + timedelta(days=1), time.min, tzinfo=tz))
    elif form.is_bound:
        qs = qs.none()
    actions = (_audit_queryset(agencies, platform).order_by("action").values_list("action", flat=True)
               .distinct())
    page = Paginator(qs.order_by("-seq"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # The chain head as published in the head file (the database cannot change it): written down or
    # printed, it is what `gongkai audit verify --head` checks a later chain against.
    return render(request, "agencies/audit_log.html", {"form": form, "page": page, "query": query.urlencode(),
                                                     "actions": actions, "published": audit.last_published()})


@agency_required("agency.manage_staff")
def manage_agency(request, agency: Agency):
    grant_form = GrantRoleForm(prefix="grant")
    contact_form = AgencyContactForm(instance=agency, prefix="contact")
    create_form = CreateUserForm(prefix="create")
    if request.method == "POST":
        if "grant" in request.POST:
            grant_form = GrantRoleForm(request.POST, prefix="grant")
            if grant_form.is_valid():
                services.grant_role(actor=request.user, user=grant_form.cleaned_data["username"], agency=agency,
                                    role=grant_form.cleaned_data["role"], request=request)
                messages.success(request, "已授予角色。")
                return redirect("agencies:manage", agency=agency.slug)
        elif "create" in request.POST:
            create_form = CreateUserForm(request.POST, prefix="create")
            if create_form.is_valid():
                d = create_form.cleaned_data
                services.create_staff_user(actor=request.user, agency=agency, username=d["username"],
                                           full_name=d["full_name"], role=d["role"], password=d["password1"],
                                           request=request)
                messages.success(request, f"已新建账号 {d['username']}。请将初始密码当面告知本人。")
                return redirect("agencies:manage", agency=agency.slug)
        elif "unlock" in request.POST:
            username = request.POST.get("unlock", "")
            if Staff.objects.filter(agency=agency, user__username=username).exists():
                services.unlock(actor=request.user, username=username, agency=agency, request=request)
                messages.success(request, f"已解除 {username} 的登录锁定。")
            return redirect("agencies:manage", agency=agency.slug)
        elif "contact" in request.POST and can(request.user, "agency.manage", agency):
            contact_form = AgencyContactForm(request.POST, instance=agency, prefix="contact")
            if contact_form.is_valid():
                services.update_contacts(actor=request.user, form=contact_form, request=request)
                messages.success(request, "已保存公开工作机构信息。")
                return redirect("agencies:manage", agency=agency.slug)
    staff = Staff.objects.filter(agency=agency).select_related("user").order_by("role", "user__username")
    locked = services.locked_usernames({s.user.username for s in staff})
    return render(request, "agencies/manage.html", {
        "agency": agency, "staff": staff, "grant_form": grant_form, "contact_form": contact_form,
        "create_form": create_form, "locked": locked, **services.LOCKOUT_RULE,
    })


@require_POST
@agency_required("agency.manage_staff")
def revoke(request, agency: Agency, pk: int):
    staff = get_object_or_404(Staff, pk=pk, agency=agency)
    if staff.user_id == request.user.pk and staff.role == Staff.Role.ADMIN:
        messages.error(request, "不能撤销自己的管理员角色，请由其他管理员操作。")
    else:
        services.revoke_role(actor=request.user, staff=staff, request=request)
        messages.success(request, "已撤销角色。")
    return redirect("agencies:manage", agency=agency.slug)


# -- the agency tree (platform administrators) -------------------------------------------------------

@agency_required("agency.tree")
def agency_tree(request):
    return render(request, "agencies/tree.html", {"tree": services.agency_tree()})


@agency_required("agency.tree")
def agency_edit(request, pk: int | None = None):
    agency = get_object_or_404(Agency, pk=pk) if pk else None
    form = AgencyForm(request.POST or None, instance=agency)
    if request.method == "POST" and form.is_valid():
        saved = services.save_agency(actor=request.user, form=form, request=request)
        messages.success(request, f"已保存：{saved.name}。")
        return redirect("agencies:tree")
    return render(request, "agencies/agency_form.html", {"form": form, "agency": agency})


@require_POST
@agency_required("agency.tree")
def agency_active(request, pk: int):
    agency = get_object_or_404(Agency, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_agency_active(actor=request.user, agency=agency, active=active, request=request)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"已{'启用' if active else '停用'}：{agency.name}。")
    return redirect("agencies:tree")
