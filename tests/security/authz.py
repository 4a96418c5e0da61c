"""The authorization rules: for every URL name, the method the test uses and the status each role gets.

`python -m tests.security.authz` prints the table as Markdown (docs/security.md copies it). A URL of the URL conf
without a rule here fails tests/security/test_authorization_matrix.py, and so does a rule whose URL is gone.

Roles: anonymous; member (annotator in the group of the class the URL names); outsider (annotator of another
class); admin (staff). Expected values: a status code, or LOGIN / ADMIN_LOGIN for a redirect to that log-in page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

if TYPE_CHECKING:
    from tests.security.conftest import World

LOGIN = "→ log-in"  # 302 to settings.LOGIN_URL
ADMIN_LOGIN = "→ admin log-in"  # 302 to /admin/login/

Body = Callable[["object"], dict] | None


@dataclass(frozen=True)
class Rule:
    method: str
    anonymous: int | str
    member: int | str
    outsider: int | str
    admin: int | str
    body: Body = None
    query: str = ""
    multipart: bool = False
    note: str = ""
    expect: dict = field(init=False, default_factory=dict)

    def __post_init__(self):
        object.__setattr__(
            self,
            "expect",
            {"anonymous": self.anonymous, "member": self.member, "outsider": self.outsider, "admin": self.admin},
        )


def _next(w) -> dict:
    return {"project": w.project.pk, "action_class": w.action_class.pk}


def _submit(w) -> dict:
    return {"labels": {str(i.uid): 1 for i in w.page.items.all()}, "seconds_spent": 12}


RULES: dict[str, Rule] = {
    # --- annotators (members of the class's group) -------------------------------------------------------------
    "home": Rule("GET", LOGIN, 200, 200, 200),
    "grid": Rule("GET", LOGIN, 200, 403, 403, note="admins use ?mode=gold"),
    "media": Rule("GET", LOGIN, 200, 200, 200, note="keys are random; nothing names a clip, gold or not"),
    "login": Rule("GET", 200, 200, 200, 200),
    "logout": Rule("POST", 302, 302, 302, 302),
    "favicon": Rule("GET", 301, 301, 301, 301, note="to the static icon: nothing private"),
    "schema": Rule("GET", 403, 200, 200, 200, query="?format=json"),
    "api-me": Rule("GET", 403, 200, 200, 200),
    "api-ping": Rule("GET", 403, 200, 200, 200, note="trivial: the load benchmark's yardstick"),
    "api-queues": Rule("GET", 403, 200, 200, 200),
    "api-page-next": Rule("POST", 403, 200, 403, 403, body=_next),
    "api-page-shown": Rule("POST", 403, 204, 404, 404, note="someone else's page does not exist"),
    "api-page-submit": Rule("POST", 403, 200, 404, 404, body=_submit, note="someone else's page does not exist"),
    "api-guideline": Rule("GET", 403, 200, 403, 200),
    "api-clarification-ack": Rule("POST", 403, 204, 403, 403),
    # --- admins ------------------------------------------------------------------------------------------------
    "dashboard": Rule("GET", ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
    "upload": Rule("GET", ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
    "api-dashboard": Rule("GET", 403, 403, 403, 200),
    "api-dashboard-class": Rule("GET", 403, 403, 403, 200),
    "api-export-clips": Rule("GET", 403, 403, 403, 200),
    "api-clarification-post": Rule("POST", 403, 403, 403, 201, body=lambda w: {"text": "Refills count too."}),
    "api-send-back": Rule("POST", 403, 403, 403, 200, body=lambda w: {"action_class": w.action_class.pk}),
    "api-gold-next": Rule("POST", 403, 403, 403, 200, body=_next),
    "api-gold-submit": Rule("POST", 403, 403, 403, 200, body=lambda w: {"labels": {str(w.clips[-2].uid): 1}}),
    "api-mining": Rule("GET", 403, 403, 403, 200),
    "api-video-remove": Rule("POST", 403, 403, 403, 200, body=lambda w: {"reason": "authorization check"}),
    "api-bill": Rule("GET", 403, 403, 403, 200),
    "api-gold-candidates": Rule("GET", 403, 403, 403, 200),
    "api-gold-candidate-confirm": Rule(
        "POST", 403, 403, 403, 409, note="409: the world's clip is no candidate (no unanimous qualified labels)"
    ),
    "api-gold-candidate-dismiss": Rule("POST", 403, 403, 403, 200),
    "api-segment-agreement": Rule("GET", 403, 403, 403, 200),
    "qualify": Rule("GET", LOGIN, 200, 403, 403, note="the qualification page of a class's annotators"),
    "api-qualification": Rule("GET", 403, 200, 403, 403, note="the set without its answers; POST: the score only"),
    "api-qualification-attempts": Rule("GET", 403, 403, 403, 200),
    "api-qualification-attempt-reset": Rule("POST", 403, 403, 403, 200),
    "api-qualification-items": Rule("POST", 403, 403, 403, 200, body=lambda w: {"labels": {str(_free_clip(w).uid): 1}}),
    "api-qualification-items-next": Rule("POST", 403, 403, 403, 200, body=_next),
    "api-qualification-video": Rule(
        "PUT", 403, 403, 403, 200, body=lambda w: {"segments": [[1.0, 3.0]]}, note="a video's known segments"
    ),
    "bill": Rule("GET", ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
    # --- review (issue 15 item 2): reviewers (quality.review) and staff; tests/quality/test_review.py covers reviewers
    "review": Rule("GET", LOGIN, 403, 403, 200),
    "review-video": Rule("GET", LOGIN, 403, 403, 200),
    "api-review-clips": Rule("GET", 403, 403, 403, 200),
    "api-review-clip": Rule(
        "POST", 403, 403, 403, 409, body=lambda w: {"value": 1}, note="409: the world's clip has no split labels"
    ),
    "api-review-videos": Rule("GET", 403, 403, 403, 200),
    "api-review-video": Rule("GET", 403, 403, 403, 200),
    "api-review-video-decide": Rule(
        "POST",
        403,
        403,
        403,
        409,
        body=lambda w: {"source": "merged", "segments": []},
        note="409: the world's video has one finished annotation",
    ),
    # --- the timeline tool (segments) ------------------------------------------------------------------------
    "timeline": Rule("GET", LOGIN, 200, 403, 403, note="admins use ?mode=gold"),
    "api-segment-queues": Rule("GET", 403, 200, 200, 200),
    "api-segments-me": Rule("GET", 403, 200, 200, 200),
    "api-segment-task-next": Rule("POST", 403, 200, 403, 403, body=_next),
    "api-segment-task-draft": Rule(
        "PUT",
        403,
        200,
        404,
        404,
        body=lambda w: {"segments": [[1.0, 3.5]], "seconds_spent": 4},
        note="someone else's task does not exist",
    ),
    "api-segment-task-submit": Rule(
        "POST", 403, 200, 404, 404, body=lambda w: {"segments": [[1.0, 3.5]], "seconds_spent": 40}
    ),
    "api-segment-task-reject": Rule(
        "POST", 403, 200, 404, 404, body=lambda w: {"reason": "too_dark", "seconds_spent": 5}
    ),
    "api-segment-task-suggestions": Rule("GET", 403, 200, 404, 404, note="someone else's task does not exist"),
    "api-segment-dashboard": Rule("GET", 403, 403, 403, 200),
    "api-segment-media-job": Rule("GET", 403, 403, 403, 200),
    "api-job": Rule("GET", 403, 403, 403, 200, note="any long job's status: admins only"),
    "api-segment-enqueue": Rule("POST", 403, 403, 403, 202, body=lambda w: {"action_class": w.other_class.pk}),
    "api-export-segments": Rule("GET", 403, 403, 403, 200),
    "api-segment-final": Rule(
        "POST", 403, 403, 403, 200, body=lambda w: {"annotation": w.extra["segment_annotation_done"].pk}
    ),
    "api-segment-send-back": Rule("POST", 403, 403, 403, 200, body=lambda w: {"action_class": w.action_class.pk}),
    "api-video-upload": Rule(
        "POST",
        403,
        403,
        403,
        400,
        multipart=True,
        note="400: the test file is no video",
        body=lambda w: {"project": w.project.pk, "action_class": w.action_class.pk, "file": _text_file()},
    ),
    # --- the guided "add a class" flow (admins) ---------------------------------------------------------------
    "add-class": Rule("GET", ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
    "class-setup": Rule("GET", ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
    "api-class-setup-start": Rule(
        "POST",
        403,
        403,
        403,
        201,
        body=lambda w: {
            "name": "Spinning a plate",
            "group": w.project.groups.first().pk,
            "started_at": "2026-01-01T00:00:00Z",
        },
    ),
    "api-class-setup": Rule("GET", 403, 403, 403, 200),
    "api-class-setup-guideline": Rule(
        "PUT",
        403,
        403,
        403,
        200,
        body=lambda w: {"definition": "The clubs leave the hands and come back to them at least twice."},
    ),
    "api-class-setup-example": Rule(
        "POST",
        403,
        403,
        403,
        400,
        body=lambda w: {"clip": str(w.clips[0].uid), "kind": "positive"},
        note="400: that clip is of another class",
    ),
    "api-class-setup-step": Rule(
        "POST", 403, 403, 403, 400, body=lambda w: {"step": "videos"}, note="400: no video uploaded yet"
    ),
    "api-class-setup-finish": Rule("POST", 403, 403, 403, 400, note="400: steps left"),
}

# --- HAA500 curation (admins) ---------------------------------------------------------------------------------
RULES.update(
    {
        "api-curation-clips": Rule("GET", 403, 403, 403, 200, query="?split=none&min_human_centric=0"),
        "api-curation-score": Rule(
            "POST",
            403,
            403,
            403,
            200,
            body=lambda w: {},
            note="200: the world's videos have no files, nothing to score (else 202 and a job)",
        ),
        "api-curation-job": Rule("GET", 403, 403, 403, 200),
    }
)

# --- the trim tool (HAA500 curation): admins and annotators of the clip's class ---------------------------------
RULES.update(
    {
        "trim": Rule("GET", LOGIN, 200, 403, 200),
        "trim-from-segment": Rule(
            "GET",
            LOGIN,
            404,
            403,
            200,
            note="a GET writes nothing (it offers the button that POSTs); the world's segment is "
            "another annotator's, which does not exist for the member",
        ),
        "api-clip-curation": Rule(
            "PUT",
            403,
            200,
            403,
            200,
            body=lambda w: {"first_frame": 10, "last_frame": 40, "dominant_people": 1, "camera_moving": False},
        ),
        "curation": Rule("GET", ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
    }
)

# --- imports and exports of release files (admins) ------------------------------------------------------------
RULES.update(
    {
        "imports": Rule("GET", ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
        "api-import-start": Rule(
            "POST",
            403,
            403,
            403,
            202,
            multipart=True,
            note="202 and a job: the file is checked by the job, which refuses it there",
            body=lambda w: {"kind": "clips", "file": _clips_file(w)},
        ),
    }
)

# The Django admin, as a whole: only staff get in; everyone else is sent to its log-in page. Exceptions by name.
ADMIN_RULE = Rule("GET", ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200)
ADMIN_EXCEPTIONS: dict[str, Rule] = {
    "admin:login": Rule("GET", 200, 200, 200, 302, note="staff already logged in go to the index"),
    "admin:logout": Rule("POST", 302, 302, 302, 302),
    "admin:autocomplete": Rule(
        "GET", ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 403, note="403 without the query a select widget sends"
    ),
    "admin:view_on_site": Rule("GET", ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 404, note="no model has a public page"),
    "admin:catch_all": Rule("GET", ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 404),
    "admin:object_redirect": Rule("GET", ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 302, note="to the change page"),
}


def _text_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("notes.mp4", b"not a video\n" * 20, content_type="video/mp4")


def _clips_file(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = f"classname,youtube_id,subset,start,end,label\n{w.action_class.name},authz_video,training,1.0,3.0,1\n"
    return SimpleUploadedFile("clips.csv", text.encode(), content_type="text/csv")


# --- the URL conf --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Url:
    route: str  # the full pattern, e.g. "api/pages/<uuid:page_uid>/submit/"
    name: str  # "api-page-submit", "admin:catalog_video_change"; admin's unnamed ones get a made-up name
    params: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:")


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace) if x)
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            name = p.name
            if name is None and namespace == "admin":
                name = "catch_all" if "(?P<url>" in route else "object_redirect"
            params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route)) + tuple(re.findall(r"\(\?P<(\w+)>", route))
            yield Url(route=route, name=f"{namespace}:{name}" if namespace else (name or route), params=params)


def all_urls() -> list[Url]:
    """Every URL pattern of the URL conf, walked recursively (includes, namespaces)."""
    return list(_walk(get_resolver().url_patterns))


def rule_for(url: Url) -> Rule | None:
    if url.is_admin:
        return ADMIN_EXCEPTIONS.get(url.name, ADMIN_RULE)
    return RULES.get(url.name)


# How each path parameter is filled: with a real object of the world the member works in.
PARAMS: dict[str, Callable[[World], object]] = {
    "project_id": lambda w: w.project.pk,
    "class_id": lambda w: w.action_class.pk,
    "page_uid": lambda w: w.page.uid,
    "clarification_id": lambda w: w.clarification.pk,
    "user_id": lambda w: w.member.pk,
    "path": lambda w: w.media_path,
    "task_uid": lambda w: w.extra["segment_task"].uid,
    "segment_video_id": lambda w: w.extra["segment_video_done"].pk,
    "job_id": lambda w: w.extra["segment_media_job"].pk,
    "setup_id": lambda w: w.extra["class_setup"].pk,
    "curation_job_id": lambda w: _curation_job(w).pk,
    "clip_uid": lambda w: w.clips[0].uid,
    "video_id": lambda w: w.clips[0].video_id,
    "segment_id": lambda w: _regular_segment(w).pk,
    "attempt_id": lambda w: _qualification_attempt(w).pk,
    "video_uid": lambda w: _free_segment_video(w).uid,
}


def _curation_job(w):
    from backend.core.models import Job
    from backend.curation.services import JOB_KIND

    return Job.objects.get_or_create(kind=JOB_KIND, message="the world's scoring job")[0]


def _free_clip(w):
    """A clip of the world's class in no real work yet (unlabelled, unleased, not gold, not an example)."""
    from backend.clips.models import Clip

    return (
        Clip.objects.filter(action_class=w.action_class, label_count=0, lease_count=0, gold__isnull=True)
        .exclude(example_roles__isnull=False)
        .order_by("pk")
        .first()
    )


def _free_segment_video(w):
    """A ready timeline video of the world's class that nobody has annotated: one a qualification set can take."""
    from backend.catalog.models import Video
    from backend.segments.models import SegmentVideo

    video, _ = Video.objects.get_or_create(
        project=w.project, external_id="qualification-video", defaults=dict(query_class=w.action_class, duration=20.0)
    )
    return SegmentVideo.objects.get_or_create(
        video=video,
        defaults=dict(
            action_class=w.action_class,
            media_state=SegmentVideo.MediaState.READY,
            media_duration=20.0,
            media_fps=25.0,
        ),
    )[0]


def _qualification_attempt(w):
    from backend.catalog.models import QualificationAttempt

    return QualificationAttempt.objects.get_or_create(
        annotator=w.member,
        project=w.project,
        action_class=w.action_class,
        defaults={"correct": 1, "total": 2, "score": 0.5, "passed": False},
    )[0]


def _regular_segment(w):
    from backend.segments.models import Segment

    return Segment.objects.filter(annotation__kind="regular").order_by("pk").first()


def fill(url: Url, world: World) -> str:
    """The URL's path with every parameter filled with a real object's value."""
    route = url.route
    if url.is_admin:
        values = _admin_params(url, world)
    else:
        missing = [p for p in url.params if p not in PARAMS]
        assert not missing, f"{url.name}: no way to fill {missing}; add them to PARAMS in this file"
        values = {p: PARAMS[p](world) for p in url.params}
    for name, value in values.items():
        route = re.sub(rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", str(value), route)
    return "/" + route.replace("^", "").replace("$", "")


def _admin_params(url: Url, world: World) -> dict:
    from django.contrib.contenttypes.models import ContentType

    out = {}
    if "app_label" in url.params:
        out["app_label"] = "catalog"
    if "url" in url.params:
        out["url"] = "no-such-page/"
    if "content_type_id" in url.params:
        out["content_type_id"] = ContentType.objects.get_for_model(world.project).pk
        out["object_id"] = world.project.pk
    elif "object_id" in url.params or "id" in url.params:
        app_label, model_name = url.route.split("/")[1:3]
        obj = apps.get_model(app_label, model_name)._default_manager.order_by("pk").first()
        assert obj is not None, f"{url.name}: the world has no {app_label}.{model_name}; add one to the world fixture"
        out["object_id" if "object_id" in url.params else "id"] = obj.pk
    return out


def markdown_table() -> str:
    def cell(v) -> str:
        return str(v)

    rows = [
        "| URL | method | anonymous | annotator of the class | annotator of another class | admin | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for url in all_urls():
        if url.is_admin:
            continue
        rule = RULES.get(url.name)
        if rule is None:
            rows.append(f"| `/{url.route}` | ? | **no rule** | | | | |")
            continue
        rows.append(
            f"| `/{url.route}` | {rule.method} | "
            + " | ".join(cell(rule.expect[r]) for r in ("anonymous", "member", "outsider", "admin"))
            + f" | {rule.note} |"
        )
    admin_count = sum(1 for u in all_urls() if u.is_admin)
    rows.append(
        f"| `/admin/…` ({admin_count} patterns) | GET | {ADMIN_LOGIN} | {ADMIN_LOGIN} | {ADMIN_LOGIN} | 200 "
        "| log-in page open to all; see ADMIN_EXCEPTIONS |"
    )
    return "\n".join(rows)


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    print(markdown_table())
