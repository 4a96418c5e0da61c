"""Demo project: real photos (scikit-image) made into short videos with camera motion, users, a group, gold."""

import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from backend.catalog.models import ActionClass, AnnotatorGroup, Guideline, GuidelineExample, Project
from backend.catalog.services import taxonomy_load, video_ingest
from backend.clips.services import clip_gold_set
from workers.media.synthetic import make_motion_video

DEMO_PROJECT = "Demo project"
ADMIN = ("admin", "actionloom-admin")
ANNOTATORS = [("annotator1", "actionloom-1"), ("annotator2", "actionloom-2"), ("annotator3", "actionloom-3")]

# (class, definition, [(photo, motion, shows the action?)]); the last video of each class gives guideline examples.
DEMO = [
    (
        "Drinking coffee",
        "A person drinks coffee from a cup or mug. The cup must reach the mouth in the clip.",
        [
            ("astronaut", "pan", True),
            ("coffee", "zoom", True),
            ("camera", "pan", False),
            ("rocket", "zoom", False),
            ("astronaut", "zoom", True),
        ],
    ),
    (
        "Walking the dog",
        "A person walks a dog on a leash. A dog alone or a person alone is not this action.",
        [
            ("camera", "zoom", True),
            ("chelsea", "pan", False),
            ("astronaut", "pan", True),
            ("coffee", "pan", False),
            ("camera", "pan", True),
        ],
    ),
]


class Command(BaseCommand):
    help = "Create the demo project (taxonomy, users, annotator group, videos, gold answers). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=8.0, help="length of each demo video")

    def handle(self, *args, seconds, **options):
        if not ActionClass.objects.exists():
            taxonomy_load()
        users = self._users()
        if Project.objects.filter(name=DEMO_PROJECT).exists():
            self.stdout.write("demo project already present")
        else:
            self._project(users, seconds)
        self._print_credentials()

    def _users(self) -> dict:
        User = get_user_model()
        admin, _ = User.objects.get_or_create(username=ADMIN[0], defaults={"is_staff": True, "is_superuser": True})
        admin.set_password(ADMIN[1])
        admin.save()
        out = {"admin": admin}
        for name, password in ANNOTATORS:
            user, _ = User.objects.get_or_create(username=name)
            user.set_password(password)
            user.save()
            out[name] = user
        return out

    def _project(self, users: dict, seconds: float) -> None:
        from skimage import data

        with transaction.atomic():
            project = Project.objects.create(name=DEMO_PROJECT)
            group = AnnotatorGroup.objects.create(project=project, name="Demo annotators")
            group.members.set([users[name] for name, _ in ANNOTATORS])
            with tempfile.TemporaryDirectory() as tmp:
                for class_name, definition, videos in DEMO:
                    action_class = ActionClass.objects.get(name=class_name)
                    group.classes.add(action_class)
                    guideline = Guideline.objects.get(action_class=action_class)
                    guideline.definition = definition
                    guideline.save()
                    for i, (photo, motion, shows_action) in enumerate(videos):
                        path = Path(tmp) / f"{class_name.replace(' ', '_')}_{i}.mp4"
                        make_motion_video(image=getattr(data, photo)(), out=path, seconds=seconds, motion=motion)
                        video = video_ingest(
                            project=project,
                            path=path,
                            action_class=action_class,
                            original_name=path.name,
                            external_id=f"demo-{action_class.pk}-{i}",
                        )
                        clips = list(video.clips.order_by("start"))
                        if i == len(videos) - 1:  # guideline examples, never asked
                            GuidelineExample.objects.create(
                                guideline=guideline,
                                clip=clips[0],
                                kind=GuidelineExample.Kind.POSITIVE,
                                note=f"{class_name}: the action is clearly visible",
                            )
                            GuidelineExample.objects.create(
                                guideline=guideline,
                                clip=clips[-1],
                                kind=GuidelineExample.Kind.HARD_NEGATIVE,
                                note="similar scene, but the action does not happen",
                            )
                        elif i < 2:  # one gold clip in each of the first two videos
                            clip_gold_set(clip=clips[0], value=1 if shows_action else -1, author=users["admin"])
            from backend.segments.media import segment_videos_enqueue

            segment_videos_enqueue(project=project)  # the timeline tool has the demo videos too
        self.stdout.write(
            self.style.SUCCESS(f"created {DEMO_PROJECT}: the worker is cutting clips and making the timeline's proxies")
        )

    def _print_credentials(self) -> None:
        self.stdout.write("\nDemo accounts (http://127.0.0.1:8000/accounts/login/):")
        self.stdout.write(f"  admin       {ADMIN[0]} / {ADMIN[1]}")
        for name, password in ANNOTATORS:
            self.stdout.write(f"  annotator   {name} / {password}")
