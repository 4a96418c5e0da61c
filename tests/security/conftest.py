"""The world the security tests ask about: a project with a class whose group has `member`, another class whose
group has `outsider`, an `admin`, ready clips (one gold, real media files), a page leased by the member, and an
acknowledged clarification. Every URL parameter is filled from it with a real object."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.authtoken.models import Token

from backend.catalog.models import ActionClass, Clarification, ClarificationAck, Guideline, Project, Video
from backend.clips import services
from backend.clips.models import Clip, ConsensusResult, GoldAnswer, Label, Page
from backend.core.models import Job
from backend.quality.models import SendBack
from tests.factories import ActionClassFactory, ClipFactory, GroupFactory, ProjectFactory, UserFactory, VideoFactory

ROLES = ("anonymous", "member", "outsider", "admin")
PASSWORD = "pw"  # factories.UserFactory


@dataclass
class World:
    project: Project
    action_class: ActionClass
    other_class: ActionClass
    users: dict  # role -> user (anonymous: None)
    clips: list[Clip]
    gold_clip: Clip
    page: Page
    clarification: Clarification
    extra: dict = field(default_factory=dict)  # objects other apps' rules need

    @property
    def member(self):
        return self.users["member"]

    @property
    def media_path(self) -> str:
        return self.clips[0].media.name


def write_media(clip: Clip, media_root: Path) -> None:
    for name in (clip.media.name, clip.poster.name):
        path = media_root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(200))


def clip_with_key(**kwargs) -> Clip:
    """A ready clip whose media names have the production shape (clips/<2 hex>/<uid hex>.mp4)."""
    clip = ClipFactory(**kwargs)
    clip.media.name = f"clips/{clip.uid.hex[:2]}/{clip.uid.hex}.mp4"
    clip.poster.name = f"clips/{clip.uid.hex[:2]}/{clip.uid.hex}.jpg"
    clip.save(update_fields=["media", "poster"])
    return clip


@pytest.fixture
def world(db, settings) -> World:
    project = ProjectFactory(name="Secured", gold_rate=0.25, page_size=8)
    action_class, other_class = ActionClassFactory(name="Drinking coffee"), ActionClassFactory(name="Long jump")
    Guideline.objects.create(action_class=action_class, definition="Cup reaches the mouth.")
    member, outsider = UserFactory(username="member"), UserFactory(username="outsider")
    admin = UserFactory(username="chief", is_staff=True, is_superuser=True)
    GroupFactory(project=project, members=[member], classes=[action_class])
    GroupFactory(project=project, members=[outsider], classes=[other_class])
    clips = []
    for _ in range(3):
        video = VideoFactory(project=project, query_class=action_class)
        clips += [
            clip_with_key(
                video=video, action_class=action_class, start=2.0 * i, end=2.0 * i + 2, scores={"entropy": 0.8123}
            )
            for i in range(3)
        ]
    gold_video = VideoFactory(project=project, query_class=action_class)
    gold_clip = clip_with_key(video=gold_video, action_class=action_class, start=1.0, end=3.0)
    services.clip_gold_set(clip=gold_clip, value=-1, author=admin)
    other_video = VideoFactory(project=project, query_class=other_class)
    clips += [clip_with_key(video=other_video, action_class=other_class, start=0, end=2)]
    for clip in clips + [gold_clip]:
        write_media(clip, Path(settings.MEDIA_ROOT))
    clarification = Clarification.objects.create(action_class=action_class, text="Sipping counts.", author=admin)
    ClarificationAck.objects.create(clarification=clarification, user=member)
    page = services.page_next(annotator=member, project=project, action_class=action_class)
    # rows of every kind the admin lists, so that each admin change page has a real object
    Job.objects.create(kind="ingest", video=video, state=Job.State.DONE)
    done_page = Page.objects.create(
        annotator=outsider,
        project=project,
        action_class=other_class,
        expires_at=timezone.now(),
        submitted_at=timezone.now(),
    )
    Label.objects.create(clip=clips[-1], annotator=outsider, page=done_page, value=1)
    ConsensusResult.objects.create(clip=clips[-1], value=1, mode="fixed", n_labels=3, unanimous=True)
    SendBack.objects.create(annotator=outsider, action_class=other_class, admin=admin, labels_revoked=0)
    Group.objects.create(name="Django permissions group")
    Token.objects.create(user=admin)
    extra = _segments_and_mining(
        project=project,
        action_class=action_class,
        member=member,
        outsider=outsider,
        videos=list(Video.objects.filter(query_class=action_class).order_by("pk")),
    )
    extra["class_setup"] = _class_setup(project=project, admin=admin)
    from backend.curation.models import Curation

    Curation.objects.create(clip=clips[0], first_frame=10, last_frame=40, dominant_people=1)
    assert GoldAnswer.objects.count() == 1
    return World(
        project=project,
        action_class=action_class,
        other_class=other_class,
        users={"anonymous": None, "member": member, "outsider": outsider, "admin": admin},
        clips=clips,
        gold_clip=gold_clip,
        page=page,
        clarification=clarification,
        extra=extra,
    )


def _class_setup(*, project, admin):
    from backend.curation.class_setup import class_setup_start

    group = GroupFactory(project=project, members=[], classes=[])
    return class_setup_start(
        project=project, name="Juggling clubs", parent=None, group=group, created_by=admin, started_at=timezone.now()
    )


def _segments_and_mining(*, project, action_class, member, outsider, videos) -> dict:
    """The timeline tool's rows (a ready video leased to the member, one with a submitted annotation, a gold one)
    and the mining rows, so their URLs and admin pages have real objects."""
    from backend.mining.models import ClassifierModel, Shot, VideoMining
    from backend.segments import media as segment_media
    from backend.segments import services as segment_services
    from backend.segments.models import Segment, SegmentAnnotation, SegmentVideo

    ready = dict(
        action_class=action_class, media_state=SegmentVideo.MediaState.READY, media_duration=20.0, media_fps=25.0
    )
    leased, done, gold = (SegmentVideo.objects.create(video=v, **ready) for v in videos[:3])
    for video in (leased, done, gold):
        video.proxy.name = f"segments/{video.uid.hex[:2]}/{video.uid.hex}.mp4"
        video.save(update_fields=["proxy"])
    submitted = SegmentAnnotation.objects.create(
        segment_video=done, annotator=outsider, status="submitted", submitted_at=timezone.now(), seconds_spent=50
    )
    Segment.objects.create(annotation=submitted, action_class=action_class, start=2.0, end=6.5)
    reference = SegmentAnnotation.objects.create(
        segment_video=gold, annotator=None, kind="gold", status="submitted", submitted_at=timezone.now()
    )
    Segment.objects.create(annotation=reference, action_class=action_class, start=3.25, end=9.75)
    SegmentVideo.objects.filter(pk=gold.pk).update(is_gold=True, is_open=False)
    SegmentVideo.objects.filter(pk=done.pk).update(annotation_count=1, is_open=False)
    task = segment_services.segment_task_next(annotator=member, project=project, action_class=action_class)
    VideoMining.objects.create(video=videos[0])
    Shot.objects.create(video=videos[0], index=0, start=0.0, end=4.0, person_score=0.9)
    ClassifierModel.objects.create(
        kind="youtube",
        version=1,
        file="models/frame-v1.pt",
        val_accuracy=0.8,
        class_names=[action_class.name, "background"],
    )
    # S-CNN proposals (issue 6) of the finished video, and a proposal head: their admin pages have objects
    from backend.segments.models import SegmentProposal, SegmentProposalHead, SegmentProposalRun

    run = SegmentProposalRun.objects.create(segment_video=done, state="ready", method="mean_probability")
    SegmentProposal.objects.create(run=run, segment_video=done, start=2.0, end=6.0, score=0.9, rank=1)
    SegmentProposalHead.objects.create(project=project, version=1, parameters={}, videos=1, segments=1)
    job = Job.objects.create(kind=segment_media.JOB_KIND, video=videos[0], state=Job.State.RUNNING, progress=0.5)
    return {
        "segment_task": task,
        "segment_video_done": done,
        "segment_annotation_done": submitted,
        "segment_video_gold": gold,
        "segment_media_job": job,
    }
