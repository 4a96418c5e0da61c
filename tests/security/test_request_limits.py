"""Requests that try to exhaust the server are refused early and plainly, never with a 500: oversize bodies (413,
before they are read), JSON nested to blow the stack (400), odd media paths (404). Every answer carries a strict
Content-Security-Policy."""

from __future__ import annotations

import io
import json
import sys

import pytest
from django.test import Client

from backend.catalog.models import Clarification, Video

pytestmark = pytest.mark.django_db


def post_json(client: Client, url: str, body: str | bytes):
    return client.generic("POST", url, body, content_type="application/json")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def clarify_url(action_class) -> str:
    return f"/api/classes/{action_class.pk}/clarifications/"


# --- JSON bodies ------------------------------------------------------------------------------------------------


def test_a_json_body_over_the_limit_is_refused_with_413(admin_client, action_class, settings):
    # given the default limit (2 MiB) and a 3 MiB JSON body — it used to be read and parsed whole (150 MiB too)
    body = json.dumps({"text": "ok", "padding": "x" * (3 * 1024**2)})
    res = post_json(admin_client, clarify_url(action_class), body)
    assert res.status_code == 413
    assert res.json()["detail"] == (
        f"The request body is {len(body)} bytes; the limit for a JSON body is {settings.MAX_JSON_BODY_BYTES} bytes."
    )
    assert Clarification.objects.count() == 0
    # a body under the limit is served as before
    assert (
        post_json(admin_client, clarify_url(action_class), json.dumps({"text": "Sipping counts."})).status_code == 201
    )


def test_the_json_limit_is_a_setting(admin_client, action_class, settings):
    settings.MAX_JSON_BODY_BYTES = 100
    assert post_json(admin_client, clarify_url(action_class), json.dumps({"text": "y" * 200})).status_code == 413
    assert post_json(admin_client, clarify_url(action_class), json.dumps({"text": "y" * 20})).status_code == 201


@pytest.mark.parametrize("depth", [70, 1_000, sys.getrecursionlimit() * 3])
def test_deeply_nested_json_is_a_400_not_a_500(admin_client, action_class, depth):
    body = '{"text": "x", "deep": ' + "[" * depth + "]" * depth + "}"
    res = post_json(admin_client, clarify_url(action_class), body)
    assert res.status_code == 400
    assert "nested deeper than 64 levels" in res.json()["detail"]
    assert Clarification.objects.count() == 0


def test_nested_json_as_deep_as_the_api_needs_is_fine(admin_client, action_class):
    body = '{"text": "x", "deep": ' + "[" * 60 + "]" * 60 + "}"
    assert post_json(admin_client, clarify_url(action_class), body).status_code == 201


def test_json_that_is_not_utf8_or_not_json_is_a_400(admin_client, action_class):
    assert post_json(admin_client, clarify_url(action_class), b"\xff\xfe{").status_code == 400
    assert post_json(admin_client, clarify_url(action_class), '{"text": NaN}').status_code == 400


# --- request size, before the body is read ----------------------------------------------------------------------


class UnreadableBody(io.RawIOBase):
    """A request body that must not be read: the server refused it on its declared length."""

    def read(self, size=-1):
        raise AssertionError("the body of an oversize request was read")

    readline = read


def post_unreadable(client: Client, path: str, *, content_length: int, content_type: str):
    """POST through every middleware with a body that fails the test if anything reads it."""
    return client.generic(
        "POST",
        path,
        content_type=content_type,
        **{"CONTENT_LENGTH": str(content_length), "CONTENT_TYPE": content_type, "wsgi.input": UnreadableBody()},
    )


def test_an_oversize_upload_is_refused_on_its_declared_length_before_it_is_read(
    admin_client, settings, project, action_class
):
    # given a 10 kB upload limit and an upload that declares 3 GB
    settings.MAX_UPLOAD_BYTES = 10_000
    res = post_unreadable(
        admin_client, "/api/videos/", content_length=3 * 1024**3, content_type="multipart/form-data; boundary=xyz"
    )
    # then it is refused at once: 413, saying the size and the limit, nothing read, nothing stored
    assert res.status_code == 413
    assert res.json()["detail"] == (
        f"The request body is {3 * 1024**3} bytes; the limit is {10_000 + 1024**2} bytes. Nothing was read or stored."
    )
    assert Video.objects.count() == 0


def test_an_oversize_form_or_json_body_is_refused_before_it_is_read(client, settings):
    for path, ctype in [("/accounts/login/", "application/x-www-form-urlencoded"), ("/api/ping/", "application/json")]:
        res = post_unreadable(client, path, content_length=settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1, content_type=ctype)
        assert res.status_code == 413, path
        assert b"the limit is" in res.content


# --- media paths ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/media/clips/", "/media/clips", "/media/clips/%00.mp4", "/media/%00", "/media/clips/a%00b/../x.mp4"]
)
def test_odd_media_paths_are_404_not_500(client, annotators, settings, path):
    (settings.MEDIA_ROOT / "clips").mkdir()
    (settings.MEDIA_ROOT / "clips" / "real.mp4").write_bytes(b"\x00" * 64)
    client.force_login(annotators[0])
    assert client.get(path).status_code == 404
    assert client.get(path, headers={"Range": "bytes=0-9"}).status_code == 404
    assert client.get("/media/clips/real.mp4", headers={"Range": "bytes=0-9"}).status_code == 206


# --- Content-Security-Policy ------------------------------------------------------------------------------------


def test_every_answer_carries_a_strict_content_security_policy(client, annotators):
    client.force_login(annotators[0])
    for url in ["/accounts/login/", "/", "/api/me/", "/admin/login/"]:
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", url
        assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'" and "unsafe" not in policy
