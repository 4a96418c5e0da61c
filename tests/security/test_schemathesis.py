"""Schemathesis over the OpenAPI schema (/api/schema/), as an annotator and as an admin: no request it makes —
valid or deliberately invalid, with real object ids in the path or made-up ones — gets a 5xx.

In-process through the WSGI app (no sockets), bounded: EXAMPLES cases per operation, mode and role, derandomized
so a failure reproduces."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from tests.security.authz import PARAMS

pytestmark = pytest.mark.django_db(transaction=True)  # each request commits, as in production

EXAMPLES = 20


def load_schema(token: str):
    res = Client().get(
        "/api/schema/", headers={"Authorization": f"Token {token}", "Accept": "application/vnd.oai.openapi+json"}
    )
    assert res.status_code == 200
    return schemathesis.openapi.from_dict(json.loads(res.content))


def fuzz(schema, *, token: str, path_parameters: dict) -> list[str]:
    app, headers, failures = WSGIHandler(), {"Authorization": f"Token {token}"}, []
    for result in schema.get_all_operations():
        operation = result.ok()
        fixed = {p.name: path_parameters[p.name] for p in operation.path_parameters if p.name in path_parameters}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for params in ({}, fixed) if fixed else ({},):
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=params or None)
                try:
                    _run(strategy, app=app, headers=headers, failures=failures)
                except Unsatisfiable:  # nothing to make invalid (a GET without parameters): nothing to send
                    assert mode is GenerationMode.NEGATIVE, operation.label
    return failures


def _run(strategy, *, app, headers: dict, failures: list[str]) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:
        response = case.call(app=app, headers=headers)
        if response.status_code >= 500:
            failures.append(
                f"{case.method.upper()} {case.formatted_path} query={case.query!r} "
                f"body={str(case.body)[:300]!r}: {response.status_code} {response.text[:300]!r}"
            )

    run()


@pytest.mark.parametrize("role", ["member", "admin"])
def test_no_request_the_schema_allows_or_forbids_gets_a_5xx(world, role):
    token = Token.objects.get_or_create(user=world.users[role])[0].key
    path_parameters = {name: fill(world) for name, fill in PARAMS.items()}
    assert fuzz(load_schema(token), token=token, path_parameters=path_parameters) == []


def test_the_5xx_schemathesis_found_is_a_400_now(world):
    # POST /api/gold/submit/ with a key that is no clip uid reached the database as a UUID lookup: 500
    client = Client()
    client.force_login(world.users["admin"])
    res = client.post("/api/gold/submit/", {"labels": {"*¦ü": 1}}, content_type="application/json")
    assert res.status_code == 400 and "not clip ids" in res.json()["labels"][0]


def test_a_project_id_too_large_for_the_column_is_a_404(world):
    # POST /api/projects/<2**64>/videos/<id>/remove/ filtered videos by the project's column: 500 (OverflowError)
    client = Client()
    client.force_login(world.users["admin"])
    res = client.post(
        f"/api/projects/{2**64}/videos/{world.clips[0].video_id}/remove/", {}, content_type="application/json"
    )
    assert res.status_code == 404
