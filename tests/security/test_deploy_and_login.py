"""Production settings pass Django's deployment check; passwords are stored hashed with the production hasher; the
log-in forms (the site's and the admin's) are rate-limited per username and per client address."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time

import pytest
from django.conf import global_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import Client

from tests.faults.harness import ROOT

PRODUCTION = {
    "DJANGO_SECURE": "1",
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "actionloom.example.org",
    "DJANGO_SETTINGS_MODULE": "backend.config.settings",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_deployment_check_passes_with_the_production_settings():
    proc = manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, DJANGO_SECRET_KEY=secrets.token_urlsafe(50)
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "System check identified no issues" in proc.stdout


def test_production_refuses_the_development_secret_key():
    proc = manage("check", **PRODUCTION)
    assert proc.returncode != 0
    assert "DJANGO_SECURE=1 needs DJANGO_SECRET_KEY set to a random string of 50+ characters" in proc.stderr


def test_production_redirects_to_https_and_sends_hsts_and_secure_cookies():
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='actionloom.example.org')\n"
        "plain = c.get('/accounts/login/')\n"
        "tls = c.get('/accounts/login/', headers={'X-Forwarded-Proto': 'https'})\n"
        "print(plain.status_code, plain['Location'])\n"
        "print(tls.status_code, tls['Strict-Transport-Security'])\n"
        "print(tls.cookies['csrftoken']['secure'], tls['X-Content-Type-Options'], tls['X-Frame-Options'])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            **PRODUCTION,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        },
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "301 https://actionloom.example.org/accounts/login/",
        "200 max-age=31536000; includeSubDomains; preload",
        "True nosniff DENY",
    ]


@pytest.mark.django_db
def test_passwords_are_stored_hashed_with_the_production_hasher(settings, client):
    import backend.config.settings as production

    settings.PASSWORD_HASHERS = getattr(production, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
    user = get_user_model().objects.create_user("hashme", password="correct horse battery staple")
    stored = get_user_model().objects.get(pk=user.pk).password
    assert "correct horse" not in stored and identify_hasher(stored).algorithm in ("pbkdf2_sha256", "argon2", "scrypt")
    algorithm, iterations, salt, digest = stored.split("$")
    assert int(iterations) >= 1_000_000 and len(salt) >= 16  # Django 5.2's PBKDF2 default: 1,000,000 rounds
    assert check_password("correct horse battery staple", stored) and not check_password("wrong", stored)
    assert (
        client.post("/accounts/login/", {"username": "hashme", "password": "correct horse battery staple"}).status_code
        == 302
    )


# --- log-in rate limits ----------------------------------------------------------------------------------------


def fail(client: Client, username: str, url: str = "/accounts/login/", **headers):
    return client.post(url, {"username": username, "password": "not the password"}, headers=headers)


@pytest.mark.django_db
def test_ten_failures_for_a_username_lock_it_out_for_the_window_on_both_log_in_forms(client, annotators, admin_user):
    for _ in range(10):
        assert fail(client, "ann1").status_code == 200  # the form again, with its error
    # the 11th attempt is refused before the password is even looked at — the right one too
    locked = client.post("/accounts/login/", {"username": "ann1", "password": "pw"})
    assert locked.status_code == 429 and locked["Retry-After"] == "300"
    assert "Too many failed log-in attempts. Try again in 5 minutes." in locked.content.decode()
    assert client.post("/admin/login/", {"username": "ANN1 ", "password": "pw"}).status_code == 429
    # other people from the same address are not locked out by one username's failures
    assert client.post("/accounts/login/", {"username": "ann2", "password": "pw"}).status_code == 302


@pytest.mark.django_db
def test_the_admin_log_in_counts_failures_too(client, admin_user):
    for _ in range(10):
        assert fail(client, "boss", url="/admin/login/").status_code == 200
    assert client.post("/admin/login/", {"username": "boss", "password": "pw"}).status_code == 429
    assert client.post("/accounts/login/", {"username": "boss", "password": "pw"}).status_code == 429


@pytest.mark.django_db
def test_failures_from_one_address_across_usernames_are_limited(client, annotators, settings):
    settings.LOGIN_FAILURES_PER_IP = 5
    for i in range(5):
        fail(client, f"guess{i}")
    assert client.post("/accounts/login/", {"username": "ann1", "password": "pw"}).status_code == 429
    # another address is not affected (behind a proxy the address comes from X-Forwarded-For's last entry)
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    res = client.post(
        "/accounts/login/",
        {"username": "ann1", "password": "pw"},
        headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9"},
    )
    assert res.status_code == 302


@pytest.mark.django_db
def test_the_lock_ends_with_the_window_and_a_success_clears_the_username_count(client, annotators, settings):
    settings.LOGIN_FAILURE_WINDOW = 1
    for _ in range(10):
        fail(client, "ann1")
    assert client.post("/accounts/login/", {"username": "ann1", "password": "pw"}).status_code == 429
    time.sleep(1.5)
    for _ in range(9):
        fail(client, "ann1")
    assert client.post("/accounts/login/", {"username": "ann1", "password": "pw"}).status_code == 302
    settings.LOGIN_FAILURE_WINDOW = 300
    client.logout()
    for _ in range(9):  # the success started the count again: nine more failures do not lock the account
        fail(client, "ann1")
    assert client.post("/accounts/login/", {"username": "ann1", "password": "pw"}).status_code == 302


def test_debug_off_alone_refuses_the_development_secret_key():
    # DJANGO_DEBUG=0 without DJANGO_SECURE used to run on the key committed in settings.py
    proc = manage("check", DJANGO_DEBUG="0", DJANGO_SETTINGS_MODULE="backend.config.settings")
    assert proc.returncode != 0
    assert (
        "ImproperlyConfigured: DJANGO_DEBUG is off but DJANGO_SECRET_KEY is unset (the development key)" in proc.stderr
    )
    assert (
        manage(
            "check",
            DJANGO_DEBUG="0",
            DJANGO_SETTINGS_MODULE="backend.config.settings",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ).returncode
        == 0
    )


def test_the_deployment_check_names_the_development_secret_key():
    proc = manage("check", "--deploy", DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="backend.config.settings")
    assert proc.returncode != 0
    assert "(actionloom.E001) SECRET_KEY is the development key committed in backend/config/settings.py" in proc.stderr


# --- passwords -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("12345678", "This password is too common."),
        ("87230519", "This password is entirely numeric."),
        ("newcomer1", "The password is too similar to the username."),
        ("Xk3-vq", "This password is too short."),
    ],
)
def test_weak_passwords_are_refused_where_passwords_are_chosen(client, admin_user, password, reason):
    # given the admin's "add user" form, where an admin chooses a person's password
    client.force_login(admin_user)
    res = client.post(
        "/admin/auth/user/add/",
        {"username": "newcomer", "password1": password, "password2": password, "usable_password": "true"},
    )
    # then the weak password is refused and no user is made
    assert res.status_code == 200 and reason in res.content.decode()
    assert not get_user_model().objects.filter(username="newcomer").exists()
    strong = "loom-cobalt-river-42"
    res = client.post(
        "/admin/auth/user/add/",
        {"username": "newcomer", "password1": strong, "password2": strong, "usable_password": "true"},
    )
    assert res.status_code == 302 and get_user_model().objects.get(username="newcomer").check_password(strong)


@pytest.mark.django_db
def test_the_demo_accounts_passwords_pass_the_validators():
    from django.contrib.auth.password_validation import validate_password

    from backend.demo.management.commands.seed_demo import ADMIN, ANNOTATORS

    for username, password in [ADMIN, *ANNOTATORS]:  # the README prints them: they must be valid ones
        validate_password(password, get_user_model()(username=username))


# --- log-in rate limits and Unicode spellings of a username ---------------------------------------------------


FULLWIDTH_ANN1 = "ａｎｎ１"  # NFKC: "ann1" — Django's log-in form normalises it so and logs in as ann1


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", [FULLWIDTH_ANN1, "ＡＮＮ１", "ann\N{MATHEMATICAL BOLD DIGIT ONE}", " Ann1 "])
def test_a_locked_username_stays_locked_in_any_spelling_that_logs_in_as_it(client, annotators, spelling):
    for _ in range(10):
        fail(client, "ann1")
    # before: the fullwidth name had a count of its own and logged in as ann1 with the right password
    assert client.post("/accounts/login/", {"username": spelling, "password": "pw"}).status_code == 429
    assert client.post("/admin/login/", {"username": spelling, "password": "pw"}).status_code == 429


@pytest.mark.django_db
def test_failures_in_other_spellings_count_for_the_same_username(client, annotators):
    for i in range(10):
        fail(client, [FULLWIDTH_ANN1, "ANN1", "ann1"][i % 3])
    assert client.post("/accounts/login/", {"username": "ann1", "password": "pw"}).status_code == 429


@pytest.mark.django_db
def test_a_compatibility_spelling_logs_in_as_its_normal_form_and_never_as_another_user(client, annotators):
    # given a second account stored under the fullwidth name itself (made past the forms, which normalise names)
    from tests.factories import UserFactory

    other = UserFactory(username=FULLWIDTH_ANN1, password="the other one's password")
    # the fullwidth name with the other account's password does not log in at all
    assert (
        client.post(
            "/accounts/login/", {"username": FULLWIDTH_ANN1, "password": "the other one's password"}
        ).status_code
        == 200
    )
    # with ann1's password it logs in as ann1, never as the other account
    assert client.post("/accounts/login/", {"username": FULLWIDTH_ANN1, "password": "pw"}).status_code == 302
    assert client.get("/api/me/").json()["username"] == "ann1" != other.username
