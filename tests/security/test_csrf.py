"""CSRF on every state change: a session-authenticated POST (or the rule's PUT/PATCH/DELETE) without the CSRF
token is refused at every URL of the URL conf — the site's pages, the API, the log-in form and the Django admin."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.security.authz import all_urls, fill, rule_for

pytestmark = pytest.mark.django_db

URLS = all_urls()
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def refused_for_csrf(response) -> bool:
    body = response.content.decode(errors="replace")
    return response.status_code == 403 and ("CSRF" in body)


@pytest.mark.parametrize("role", ["member", "admin"])
def test_a_state_change_without_the_csrf_token_is_refused_everywhere(world, role):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[role])
    accepted = []
    for url in URLS:
        rule = rule_for(url)
        methods = {"POST"} | ({rule.method} & set(UNSAFE) if rule else set())
        path = fill(url, world)
        body = rule.body(world) if rule and rule.body and not rule.multipart else {}
        for method in sorted(methods):
            res = client.generic(method, path, data=json.dumps(body), content_type="application/json")
            if not refused_for_csrf(res):
                accepted.append(f"{method} {path}: {res.status_code}")
    assert accepted == []


def test_with_the_token_the_same_session_post_goes_through(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member)
    client.get("/")  # the page sets the csrftoken cookie, as a browser's first visit does
    token = client.cookies["csrftoken"].value
    body = {"labels": {str(i.uid): 1 for i in world.page.items.all()}, "seconds_spent": 5}
    res = client.post(
        f"/api/pages/{world.page.uid}/submit/", body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert res.status_code == 200 and res.json()["stored"] == world.page.items.count()


def test_the_login_form_itself_needs_the_token(world):
    res = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "member", "password": "pw"})
    assert refused_for_csrf(res)


def test_token_authenticated_scripts_need_no_csrf_token(world):
    from rest_framework.authtoken.models import Token

    key = Token.objects.create(user=world.member).key
    res = Client(enforce_csrf_checks=True).post(
        f"/api/pages/{world.page.uid}/submit/",
        {"labels": {str(i.uid): 1 for i in world.page.items.all()}, "seconds_spent": 5},
        content_type="application/json",
        headers={"Authorization": f"Token {key}"},
    )
    assert res.status_code == 200  # no cookie, so no cross-site request can carry these credentials
