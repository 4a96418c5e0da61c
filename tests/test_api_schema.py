"""The OpenAPI schema (/api/schema/) describes every answer of the API, and what it describes is what the API answers.

1. No operation answers a bare `{"type": "object"}`: each JSON response has properties (inline, through a `$ref`, or
   as the items of an array); a file download names its media type instead.
2. Real responses of key endpoints, made here through the test client, validate against the schema the operation
   declares for that status, strictly: every declared field is there with its type (nullable only where declared)
   and no undeclared field is. So a view that changes what it returns without its serializer fails here.
"""

from __future__ import annotations

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator

from backend.catalog.models import Clarification
from backend.clips import services as clip_services
from backend.clips.models import ConsensusResult, GoldAnswer, Label
from backend.core.jobs import job_create
from backend.segments.models import SegmentAnnotation
from tests.factories import ClipFactory
from tests.segments.factories import SegmentAnnotationFactory, SegmentVideoFactory

JSON = "application/json"


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _component(schema: dict, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def described(schema: dict, node: dict) -> bool:
    """Has the node properties of its own, through a $ref, or as array items? (a bare object has none)"""
    if "$ref" in node:
        return described(schema, _component(schema, node["$ref"]))
    if node.get("type") == "array":
        return described(schema, node.get("items", {}))
    if "allOf" in node or "oneOf" in node or "anyOf" in node:
        return all(described(schema, n) for n in node.get("allOf") or node.get("oneOf") or node.get("anyOf"))
    return bool(node.get("properties")) or node.get("type") not in (None, "object")


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            yield f"{method.upper()} {path}", op


def test_every_response_of_every_operation_is_described(schema):
    ops = list(operations(schema))
    assert len(ops) >= 40  # the API's operations, not a schema that lost them
    bare, no_success = [], []
    for label, op in ops:
        if not any(code.startswith("2") for code in op["responses"]):
            no_success.append(label)
        for code, response in op["responses"].items():
            for media_type, content in response.get("content", {}).items():
                if media_type.startswith(JSON) and not described(schema, content.get("schema", {})):
                    bare.append(f"{label} {code} {media_type}")
    assert no_success == []
    assert bare == []


def test_downloads_declare_their_media_type(schema):
    clips = schema["paths"]["/api/projects/{project_id}/exports/clips/"]["get"]["responses"]["200"]["content"]
    segments = schema["paths"]["/api/projects/{project_id}/exports/segments/"]["get"]["responses"]["200"]["content"]
    assert "text/csv" in clips and JSON in segments


# --- declared against real -----------------------------------------------------------------------------------------


OPEN = {"ErrorOutput"}  # documented as open: an error about one input is {field: [message], …}


def _json_schema(node, name: str = ""):
    """OpenAPI 3.0 → JSON Schema: `nullable` becomes a null alternative; objects with declared properties admit
    no others (the check is strict both ways), except the components in OPEN."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    if name == "schemas":
        return {key: _json_schema(value, key) for key, value in node.items()}
    out = {k: _json_schema(v, k) for k, v in node.items() if k != "nullable"}
    if "properties" in out and "additionalProperties" not in out and name not in OPEN:
        out["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def check(schema: dict, response, path: str, method: str = "get") -> dict:
    """Validate a test-client response against what the schema declares for its operation and status."""
    declared = schema["paths"][path][method]["responses"]
    code = str(response.status_code)
    assert code in declared, f"{method.upper()} {path} answered {code}, the schema declares {sorted(declared)}"
    node = declared[code]["content"][JSON]["schema"]
    document = {**_json_schema(node), "components": _json_schema(schema["components"])}
    validator = Draft202012Validator(document, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(response.json())
    ]
    assert errors == [], f"{method.upper()} {path} {code}:\n" + "\n".join(errors)
    return response.json()


def test_the_strict_check_fails_on_an_undeclared_or_missing_field(schema):
    class Fake:
        status_code = 200

        def __init__(self, body):
            self.body = body

        def json(self):
            return self.body

    job = {
        "id": 1,
        "kind": "mine",
        "video": None,
        "state": "queued",
        "stage": "queued",
        "progress": 0.0,
        "message": "",
        "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00",
    }
    check(schema, Fake(job), "/api/jobs/{job_id}/")
    for body in ({**job, "extra": 1}, {k: v for k, v in job.items() if k != "stage"}, {**job, "progress": None}):
        with pytest.raises(AssertionError):
            check(schema, Fake(body), "/api/jobs/{job_id}/")


@pytest.mark.django_db
def test_grid_tool_answers_match_the_schema(schema, client, annotators, project, action_class, make_clips):
    make_clips(videos=2, per_video=3)
    client.force_login(annotators[0])
    queues = check(schema, client.get("/api/queues/"), "/api/queues/")
    assert queues and queues[0]["waiting"] == 6
    request = {"project": project.pk, "action_class": action_class.pk}
    page = check(schema, client.post("/api/pages/next/", request, content_type=JSON), "/api/pages/next/", "post")
    assert len(page["items"]) == 6
    labels = {item["item"]: 1 for item in page["items"]}
    res = client.post(f"/api/pages/{page['page']}/submit/", {"labels": labels, "seconds_spent": 30}, content_type=JSON)
    assert check(schema, res, "/api/pages/{page_uid}/submit/", "post")["stored"] == 6
    # the queue is empty for this annotator now: the refusal has the declared error body
    res = client.post("/api/pages/next/", request, content_type=JSON)
    assert check(schema, res, "/api/pages/next/", "post")["code"] == "empty"
    # a clarification to read first: 409 with the clarifications
    Clarification.objects.create(action_class=action_class, text="Clubs only, not balls.", author=annotators[4])
    res = client.post("/api/pages/next/", request, content_type=JSON)
    assert check(schema, res, "/api/pages/next/", "post")["clarifications"][0]["text"] == "Clubs only, not balls."
    check(schema, client.get(f"/api/classes/{action_class.pk}/guideline/"), "/api/classes/{class_id}/guideline/")


@pytest.mark.django_db
def test_dashboard_and_bill_match_the_schema(schema, client, annotators, project, action_class, make_clips, admin_user):
    clips = make_clips(videos=2, per_video=3)
    # gold before the labels (a label counts as a check only when its clip was gold before): accuracies are numbers
    GoldAnswer.objects.create(clip=clips[0], value=1, author=admin_user)
    for user in annotators[:3]:
        page = clip_services.page_next(annotator=user, project=project, action_class=action_class)
        clip_services.page_submit(
            annotator=user, page_uid=page.uid, labels={str(i.uid): 1 for i in page.items.all()}, seconds_spent=20
        )
        # each answers the gold clip right, on their page or not (a page's gold share is drawn at random)
        if not Label.objects.filter(clip=clips[0], annotator=user).exists():
            Label.objects.create(clip=clips[0], annotator=user, value=1, seconds_spent=2)
    client.force_login(admin_user)
    board = check(schema, client.get(f"/api/projects/{project.pk}/dashboard/"), "/api/projects/{project_id}/dashboard/")
    assert board["annotators"] and board["progress"] and board["consensus_clips"] == ConsensusResult.objects.count()
    assert any(a["accuracy"] is not None for a in board["annotators"])
    bill = check(schema, client.get(f"/api/projects/{project.pk}/bill/"), "/api/projects/{project_id}/bill/")
    assert bill["costs"] and bill["labels_per_final_clip"]
    check(schema, client.get(f"/api/projects/{project.pk}/mining/"), "/api/projects/{project_id}/mining/")
    project.min_gold_for_gate = 1  # one right gold answer qualifies: the other unanimous clips become candidates
    project.save()
    res = client.get(f"/api/projects/{project.pk}/gold-candidates/")
    candidates = check(schema, res, "/api/projects/{project_id}/gold-candidates/")["candidates"]
    assert candidates
    path = "/api/clips/{clip_uid}/gold-candidate/confirm/"
    res = client.post(path.format(clip_uid=candidates[0]["clip_uid"]))
    check(schema, res, path, "post")
    path = "/api/clips/{clip_uid}/gold-candidate/dismiss/"
    check(schema, client.post(path.format(clip_uid=candidates[1]["clip_uid"])), path, "post")
    res = client.get(f"/api/projects/{project.pk}/segment-agreement/")
    check(schema, res, "/api/projects/{project_id}/segment-agreement/")
    res = client.get(f"/api/projects/{project.pk}/curation/clips/")
    check(schema, res, "/api/projects/{project_id}/curation/clips/")


@pytest.mark.django_db
def test_timeline_tool_answers_match_the_schema(schema, client, annotators, project, action_class, admin_user):
    videos = [SegmentVideoFactory(video__project=project, video__query_class=action_class) for _ in range(2)]
    ClipFactory(video=videos[0].video, start=2.0, end=4.0)
    ConsensusResult.objects.create(clip=videos[0].video.clips.get(), value=1, mode="fixed", n_labels=3, unanimous=True)
    client.force_login(annotators[0])
    check(schema, client.get("/api/segment-queues/"), "/api/segment-queues/")
    res = client.post(
        "/api/segment-tasks/next/", {"project": project.pk, "action_class": action_class.pk}, content_type=JSON
    )
    task = check(schema, res, "/api/segment-tasks/next/", "post")
    assert task["sprite"]["count"] == 20 and task["marks"] == []  # marks are for gold mode (docs/security.md)
    res = client.put(
        f"/api/segment-tasks/{task['task']}/draft/", {"segments": [[1.0, 3.0]], "seconds_spent": 5}, content_type=JSON
    )
    check(schema, res, "/api/segment-tasks/{task_uid}/draft/", "put")
    res = client.get(f"/api/segment-tasks/{task['task']}/suggestions/")
    check(schema, res, "/api/segment-tasks/{task_uid}/suggestions/")
    res = client.post(
        f"/api/segment-tasks/{task['task']}/submit/", {"segments": [[1.0, 3.0]], "seconds_spent": 9}, content_type=JSON
    )
    check(schema, res, "/api/segment-tasks/{task_uid}/submit/", "post")
    check(schema, client.get("/api/segments/me/"), "/api/segments/me/")
    # a second annotator on the other video, so the admin has a video to pick a final answer for
    for user in annotators[1:3]:
        SegmentAnnotationFactory(segment_video=videos[1], annotator=user, segments=[(1.0, 5.0)])
    SegmentAnnotationFactory(
        segment_video=videos[1],
        annotator=annotators[3],
        status="rejected",
        reject_reason=SegmentAnnotation.RejectReason.TOO_DARK,
    )
    client.force_login(admin_user)
    board = check(
        schema,
        client.get(f"/api/projects/{project.pk}/segments/dashboard/"),
        "/api/projects/{project_id}/segments/dashboard/",
    )
    assert board["to_pick"] and board["annotators"]


@pytest.mark.django_db
def test_job_poll_matches_the_schema(schema, client, admin_user):
    job = job_create(kind="mine", message="")
    client.force_login(admin_user)
    assert check(schema, client.get(f"/api/jobs/{job.pk}/"), "/api/jobs/{job_id}/")["state"] == "queued"
    res = client.get("/api/jobs/999999/")
    check(schema, res, "/api/jobs/{job_id}/")


@pytest.mark.django_db
def test_admin_flows_match_the_schema(schema, client, annotators, project, action_class, admin_user, make_clips):
    make_clips(videos=1, per_video=2)
    client.force_login(admin_user)
    check(schema, client.get("/api/me/"), "/api/me/")
    res = client.post("/api/gold/next/", {"project": project.pk, "action_class": action_class.pk}, content_type=JSON)
    assert len(check(schema, res, "/api/gold/next/", "post")["items"]) == 2
    res = client.post(f"/api/projects/{project.pk}/curation/score/", {}, content_type=JSON)
    check(schema, res, "/api/projects/{project_id}/curation/score/", "post")
    # the add-a-class flow: started, then an example marked (the clip list and its roles filled in)
    group = annotators[0].annotator_groups.get(project=project)
    res = client.post(
        f"/api/projects/{project.pk}/class-setups/",
        {"name": "Juggling clubs", "group": group.pk, "started_at": "2026-01-01T00:00:00Z"},
        content_type=JSON,
    )
    setup = check(schema, res, "/api/projects/{project_id}/class-setups/", "post")
    clip = ClipFactory(video__project=project, video__query_class_id=setup["action_class"]["id"])
    res = client.post(
        f"/api/class-setups/{setup['id']}/examples/", {"clip": str(clip.uid), "kind": "positive"}, content_type=JSON
    )
    assert check(schema, res, "/api/class-setups/{setup_id}/examples/", "post")["clips"][0]["example"] == "positive"
    res = client.post(f"/api/class-setups/{setup['id']}/steps/", {"step": "mining"}, content_type=JSON)
    check(schema, res, "/api/class-setups/{setup_id}/steps/", "post")
    # the timeline's admin side: a final answer picked, then the export with it and the rejected report
    video = SegmentVideoFactory(video__project=project, video__query_class=action_class)
    picked = SegmentAnnotationFactory(segment_video=video, annotator=annotators[0], segments=[(1.0, 4.0)])
    SegmentAnnotationFactory(segment_video=video, annotator=annotators[1], segments=[(1.5, 4.0)])
    res = client.post(f"/api/segment-videos/{video.pk}/final/", {"annotation": picked.pk}, content_type=JSON)
    check(schema, res, "/api/segment-videos/{segment_video_id}/final/", "post")
    for query in ("", "?report=rejected"):
        res = client.get(f"/api/projects/{project.pk}/exports/segments/{query}")
        streamed = json.loads(b"".join(res.streaming_content))
        res.json = lambda streamed=streamed: streamed
        body = check(schema, res, "/api/projects/{project_id}/exports/segments/")
        assert body["database"] if not query else "rejected" in body
