import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from gongkai.agencies.models import Staff
from gongkai.agencies.permissions import (
    ACTIONS, MATRIX, READ_ACTIONS, SITE_ACTIONS, SUBTREE_ROLES, agency_required, can,
    get_agency_object_or_404, roles_of, visible_agencies,
)

ROLES = Staff.Role.values
AGENCY_ACTIONS = [a for a in ACTIONS if a not in SITE_ACTIONS]


def test_matrix_is_well_formed():
    for action, roles in MATRIX.items():
        assert roles <= set(ROLES), action
        # Supervisors only ever read.
        if roles & SUBTREE_ROLES:
            assert action in READ_ACTIONS, action
    assert set(READ_ACTIONS) <= set(MATRIX)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", AGENCY_ACTIONS)
def test_matrix_own_other_child_parent(tree, make_user, role, action):
    user = make_user("u", (tree["own"], role))
    assert can(user, action, tree["own"]) is (role in MATRIX[action])
    # Another agency: never, whatever the role.
    assert can(user, action, tree["other"]) is False
    # The superior agency: never (roles do not reach upwards).
    assert can(user, action, tree["gov"]) is False
    # A subordinate agency: only supervisors, only read actions.
    assert can(user, action, tree["sub"]) is (role in SUBTREE_ROLES and action in READ_ACTIONS
                                              and role in MATRIX[action])
    visible = set(visible_agencies(user, action).values_list("slug", flat=True))
    expected = {s for s in ("gov", "own", "other", "sub") if can(user, action, tree[s])}
    assert visible == expected


# Expectations written out by hand, independent of MATRIX: (role, action) -> allowed in own agency.
SPECIFIC = {
    ("auditor", "agency.manage_staff"): False,
    ("auditor", "application.view"): False,
    ("auditor", "audit.read"): True,
    ("admin", "audit.read"): False,
    ("admin", "agency.manage_staff"): True,
    ("admin", "application.view"): False,
    ("admin", "application.view_identity"): False,
    ("registrar", "application.register"): True,
    ("registrar", "application.handle"): False,
    ("registrar", "application.approve"): False,
    ("handler", "application.handle"): True,
    ("handler", "application.approve"): False,
    ("reviewer", "application.review"): True,
    ("reviewer", "application.approve"): False,
    ("head", "application.approve"): True,
    ("head", "audit.read"): False,
    ("supervisor", "application.view"): True,
    ("supervisor", "application.handle"): False,
    ("supervisor", "application.view_identity"): False,
    ("supervisor", "agency.manage_staff"): False,
    ("supervisor", "audit.read"): False,
}


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "action"), list(SPECIFIC))
def test_specific_expectations(tree, make_user, role, action):
    user = make_user("u", (tree["own"], role))
    assert can(user, action, tree["own"]) is SPECIFIC[(role, action)]


@pytest.mark.django_db
def test_supervisor_of_parent_views_but_does_not_handle_child(tree, make_user):
    sup = make_user("sup", (tree["gov"], "supervisor"))
    for child in ("own", "other", "sub"):
        assert can(sup, "application.view", tree[child])
        assert not can(sup, "application.handle", tree[child])
        assert not can(sup, "application.approve", tree[child])
    assert roles_of(sup, tree["sub"]) == {"supervisor"}
    assert set(visible_agencies(sup, "application.view").values_list("slug", flat=True)) == {
        "gov", "own", "other", "sub"}
    assert not visible_agencies(sup, "application.handle").exists()


@pytest.mark.django_db
def test_several_roles_in_several_agencies(tree, make_user):
    user = make_user("multi", (tree["own"], "registrar"), (tree["own"], "head"), (tree["other"], "auditor"))
    assert roles_of(user, tree["own"]) == {"registrar", "head"}
    assert can(user, "application.register", tree["own"]) and can(user, "application.approve", tree["own"])
    assert not can(user, "application.register", tree["other"])
    assert can(user, "audit.read", tree["other"]) and not can(user, "audit.read", tree["own"])


@pytest.mark.django_db
def test_inactive_and_anonymous_get_nothing(tree, make_user):
    user = make_user("gone", (tree["own"], "head"), is_active=False)
    assert not can(user, "application.view", tree["own"])
    assert not visible_agencies(user, "application.view").exists()
    assert not can(AnonymousUser(), "application.view", tree["own"])
    assert roles_of(AnonymousUser(), tree["own"]) == set()


@pytest.mark.django_db
def test_superuser_gets_no_business_rights(tree, make_user):
    root = make_user("root", is_superuser=True, is_staff=True)
    assert not can(root, "application.view", tree["own"])
    assert not can(root, "audit.read", tree["own"])
    assert can(root, "calendar.manage")


@pytest.mark.django_db
def test_calendar_is_site_wide_admin_of_top_level(tree, make_user):
    assert can(make_user("a1", (tree["gov"], "admin")), "calendar.manage")
    assert not can(make_user("a2", (tree["own"], "admin")), "calendar.manage")
    assert not can(make_user("h1", (tree["gov"], "head")), "calendar.manage")


def test_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError):
        can(AnonymousUser(), "application.destroy", None)


def _request(user):
    request = RequestFactory().get("/x/")
    request.user = user
    return request


@pytest.mark.django_db
def test_get_agency_object_or_404(tree, make_user):
    reg = make_user("reg", (tree["own"], "registrar"))
    stranger = make_user("stranger", (tree["other"], "handler"))
    sup = make_user("sup", (tree["gov"], "supervisor"))
    target = Staff.objects.get(user=reg)  # any row with an ``agency`` field
    assert get_agency_object_or_404(_request(reg), Staff.objects.all(), pk=target.pk) == target
    with pytest.raises(Http404):
        get_agency_object_or_404(_request(stranger), Staff.objects.all(), pk=target.pk)
    assert get_agency_object_or_404(_request(sup), Staff, pk=target.pk) == target
    with pytest.raises(Http404):
        get_agency_object_or_404(_request(sup), Staff.objects.all(), action="application.handle", pk=target.pk)
    with pytest.raises(Http404):
        get_agency_object_or_404(_request(AnonymousUser()), Staff.objects.all(), pk=target.pk)


@pytest.mark.django_db
def test_agency_required_decorator(tree, make_user):
    @agency_required("application.register")
    def view(request, agency):
        return HttpResponse(agency.slug)

    @agency_required("application.view")
    def listing(request):
        return HttpResponse(",".join(sorted(request.agencies.values_list("slug", flat=True))))

    reg = make_user("reg", (tree["own"], "registrar"))
    handler = make_user("handler", (tree["own"], "handler"))
    nobody = make_user("nobody")
    assert view(_request(reg), agency="own").content == b"own"
    with pytest.raises(Http404):
        view(_request(reg), agency="other")  # not visible at all: 404, not 403
    with pytest.raises(Http404):
        view(_request(reg), agency="no-such-agency")
    with pytest.raises(PermissionDenied):
        view(_request(handler), agency="own")  # visible but not allowed: 403
    resp = view(_request(AnonymousUser()), agency="own")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")
    assert listing(_request(reg)).content == b"own"
    with pytest.raises(PermissionDenied):
        listing(_request(nobody))


@pytest.mark.django_db
def test_mixin_for_class_based_views(tree, make_user):
    from django.views import View

    from gongkai.agencies.permissions import AgencyRequiredMixin

    class Page(AgencyRequiredMixin, View):
        agency_action = "audit.read"

        def get(self, request, agency):
            return HttpResponse(agency.name)

    request = RequestFactory().get("/")
    request.user = make_user("aud", (tree["own"], "auditor"))
    assert Page.as_view()(request, agency="own").content.decode() == "测试区甲局"
    with pytest.raises(Http404):
        Page.as_view()(request, agency="other")
