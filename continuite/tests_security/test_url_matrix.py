"""The role × URL matrix: every URL pattern, for every role, in and out of scope, GET and POST.

The expectations are in expectations.py (one line per URL name); the data in world.py. The
walk comes from the URLconf itself, so a new view without an expectation fails here.
"""

import copy

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from . import world
from .expectations import COUNTRY_WIDE, EXPECTATIONS, NOBODY, Expect
from .urlwalk import all_routes

# Also tells pytest-django to set up the test database, which the module's fixture fills.
pytestmark = pytest.mark.django_db

ADMIN_NAMESPACE = "admin:"
ROUTES = [route for route in all_routes() if not route.name.startswith(ADMIN_NAMESPACE)]
ALLOWED = {200, 302, 400}
REFUSED = {403, 404, 410}  # 410: a single-use link used or never given


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """Both worlds and one logged-in client per role, built once for the module and rolled back
    at its end."""
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        try:
            worlds, users = world.build()
            clients = {}
            for role, user in users.items():
                client = Client(raise_request_exception=False)
                if user is not None:
                    client.force_login(user)
                clients[role] = client
            yield worlds, clients
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


def _reach(expect: Expect, route) -> str:
    if expect.reach:
        return expect.reach
    if "token" in route.keywords:
        return "secret"
    if not route.keywords or expect.public:
        return "everywhere"
    return "scope"


def expected(expect: Expect, route, role: str, scope: str, method: str) -> str:
    """ "allowed", "refused", "login" or "405" for one cell of the matrix."""
    who = expect.get if method == "get" else expect.post
    if who is not None and expect.login_for_all:
        return "login"
    anonymous_sent_to_login = role == world.ROLES[0] and not expect.public
    if who is None:
        return "login" if anonymous_sent_to_login else "405"
    if anonymous_sent_to_login:
        return "login"
    if scope == "out":
        reach = _reach(expect, route)
        if reach == "secret":
            who = NOBODY
        elif reach == "scope":
            who = who & COUNTRY_WIDE
    return "allowed" if role in who else "refused"


def observed(response) -> str:
    login = reverse(settings.LOGIN_URL)
    status = response.status_code
    if status == 302 and response["Location"].startswith(login):
        return "login"
    if status in ALLOWED:
        return "allowed"
    if status in REFUSED:
        return "refused"
    if status == 405:
        return "405"
    return f"status {status}"


def request(client, method: str, url: str):
    """One request that changes nothing for the next ones: its writes are rolled back, the rate
    limits' counters emptied and the client's session cookie kept (a logout, a login)."""
    cache.clear()
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


def test_every_url_pattern_has_an_expectation():
    missing = sorted(route.name for route in ROUTES if route.name not in EXPECTATIONS)
    assert not missing, "URL patterns without a line in tests_security/expectations.py:\n" + (
        "\n".join(missing)
    )


def test_every_expectation_names_an_existing_url():
    names = {route.name for route in ROUTES}
    assert sorted(set(EXPECTATIONS) - names) == []


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_the_role_url_matrix(matrix, route):
    worlds, clients = matrix
    expect = EXPECTATIONS.get(route.name)
    if expect is None:
        pytest.fail(f"{route.name} has no expectation (see test_every_url_pattern_has_one)")
    wrong = []
    for scope in ("in", "out"):
        url = reverse(route.name, kwargs=worlds[scope].kwargs_for(route.name, route.keywords))
        for role in world.ROLES:
            for method in ("get", "post"):
                response = request(clients[role], method, url)
                want = expected(expect, route, role, scope, method)
                got = observed(response)
                assert response.status_code != 500
                if got != want:
                    wrong.append(
                        f"{method.upper():4} {scope:3} {role:20} expected {want:8} "
                        f"got {response.status_code} ({got})"
                    )
    assert not wrong, f"{route.name} ({route.route}):\n" + "\n".join(wrong)


def test_the_admin_is_for_superusers_only(matrix):
    """The explicit rule for Django's admin: its index and every model's list answer superusers;
    every other role is sent to the admin's login page."""
    _worlds, clients = matrix
    admin_login = reverse("admin:login")
    urls = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    wrong = []
    for role in world.ROLES:
        for url in urls:
            response = request(clients[role], "get", url)
            if role == world.ROLES[-1]:
                ok = response.status_code == 200
            else:
                ok = response.status_code == 302 and response["Location"].startswith(admin_login)
            if not ok:
                wrong.append(f"{role} {url} {response.status_code}")
    assert not wrong, "\n".join(wrong)
