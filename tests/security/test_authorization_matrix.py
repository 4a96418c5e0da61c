"""Every URL of the URL conf x {anonymous, annotator of the class, annotator of another class, admin}: the status
each gets, from the rule table in tests/security/authz.py. A URL without a rule fails, so does a stale rule."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from tests.security.authz import ADMIN_LOGIN, LOGIN, RULES, Rule, Url, all_urls, fill, rule_for
from tests.security.conftest import World

pytestmark = pytest.mark.django_db

URLS = all_urls()
ORDER = ("anonymous", "outsider", "admin", "member")  # the member last: their request may change the state


def call(client: Client, rule: Rule, path: str, world: World):
    body = rule.body(world) if rule.body else {}
    if rule.method == "GET":
        return client.get(path + rule.query)
    if rule.multipart:
        return client.post(path, body)
    return client.generic(rule.method, path, data=json.dumps(body), content_type="application/json")


def outcome(expected, response):
    """What the response was, in the rule table's terms."""
    if response.status_code == 302 and expected in (LOGIN, ADMIN_LOGIN):
        target = response["Location"]
        if target.startswith(settings.LOGIN_URL):
            return LOGIN
        if target.startswith("/admin/login/"):
            return ADMIN_LOGIN
    return response.status_code


def check(url: Url, rule: Rule, world: World) -> list[str]:
    path = fill(url, world)
    wrong = []
    for role in ORDER:
        client = Client()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        got = outcome(rule.expect[role], call(client, rule, path, world))
        if got != rule.expect[role]:
            wrong.append(f"{rule.method} {path} as {role}: expected {rule.expect[role]}, got {got}")
    return wrong


def test_every_rule_names_a_url_that_exists():
    names = {u.name for u in URLS}
    assert not sorted(set(RULES) - names), "rules for URLs that are gone: remove them from tests/security/authz.py"


@pytest.mark.parametrize("url", [u for u in URLS if not u.is_admin], ids=lambda u: u.name)
def test_each_url_answers_each_role_as_its_rule_says(url, world):
    rule = rule_for(url)
    assert rule is not None, (
        f"/{url.route} ({url.name}) has no authorization rule: add one to RULES in "
        "tests/security/authz.py saying what each role gets"
    )
    assert check(url, rule, world) == []


def test_the_django_admin_is_for_staff_only(world):
    admin_urls = [u for u in URLS if u.is_admin]
    assert len(admin_urls) > 50
    wrong = []
    for url in admin_urls:
        wrong += check(url, rule_for(url), world)
    assert wrong == []
