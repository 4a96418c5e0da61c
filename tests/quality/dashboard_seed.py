"""A project of many classes and annotators for the dashboard, made with bulk_create (seconds, not minutes)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from backend.catalog.models import ActionClass, AnnotatorGroup, Project, Video
from backend.clips.models import Clip, GoldAnswer, Label


@dataclass
class Seeded:
    project: Project
    classes: list[ActionClass]
    users: list


def seed_dashboard(
    *, classes: int, annotators: int, clips_per_class: int = 2, password: str = "pw", prefix: str = ""
) -> Seeded:
    """`classes` classes, one video of `clips_per_class` clips each (the first one gold, +1), one group of
    `annotators` members labelling every class; `prefix` keeps names apart when a test seeds twice. Annotator i answers every clip of class c, rightly unless
    (i + c) % 7 == 0 or c < i // 4, so accuracies differ; labels take 1 + i % 5 seconds."""
    project = Project.objects.create(name=f"{prefix}Scale {classes}x{annotators}")
    base = 900_000 + 1000 * ActionClass.objects.filter(node_id__gte=900_000).count()
    made = ActionClass.objects.bulk_create(
        [ActionClass(node_id=base + c, name=f"{prefix}Class {c:03d}", is_leaf=True) for c in range(classes)]
    )
    hashed = make_password(password)
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"{prefix}annotator{i:03d}", password=hashed) for i in range(annotators)]
    )
    group = AnnotatorGroup.objects.create(project=project, name="everyone")
    group.members.set(users)
    group.classes.set(made)
    videos = Video.objects.bulk_create(
        [
            Video(project=project, external_id=f"{prefix}scale{c:05d}", query_class=cls, duration=20.0)
            for c, cls in enumerate(made)
        ]
    )
    clips = Clip.objects.bulk_create(
        [
            Clip(video=v, action_class=v.query_class, start=2.0 * k, end=2.0 * k + 2, media_state=Clip.MediaState.READY)
            for v in videos
            for k in range(clips_per_class)
        ]
    )
    admin = get_user_model().objects.filter(is_staff=True).first() or users[0]
    GoldAnswer.objects.bulk_create([GoldAnswer(clip=c, value=1, author=admin) for c in clips[::clips_per_class]])
    index = {cls.pk: c for c, cls in enumerate(made)}

    def wrong(i: int, c: int) -> bool:
        return (i + c) % 7 == 0 or c < i // 4

    Label.objects.bulk_create(
        [
            Label(
                clip=clip,
                annotator=user,
                value=-1 if wrong(i, index[clip.action_class_id]) else 1,
                seconds_spent=1.0 + i % 5,
            )
            for i, user in enumerate(users)
            for clip in clips
        ],
        batch_size=5000,
    )
    Clip.objects.filter(video__project=project).update(label_count=min(annotators, 3))
    return Seeded(project=project, classes=list(made), users=list(users))
