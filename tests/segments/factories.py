import uuid

import factory
from django.utils import timezone

from backend.segments.models import Segment, SegmentAnnotation, SegmentVideo
from tests.factories import VideoFactory


class SegmentVideoFactory(factory.django.DjangoModelFactory):
    """A video in segment annotation whose proxy media is marked ready (no files: API and queue tests)."""

    class Meta:
        model = SegmentVideo

    uid = factory.LazyFunction(uuid.uuid4)
    video = factory.SubFactory(VideoFactory)
    action_class = factory.SelfAttribute("video.query_class")
    media_state = SegmentVideo.MediaState.READY
    media_duration = factory.SelfAttribute("video.duration")
    media_fps = 25.0
    proxy = factory.LazyAttribute(lambda v: f"segments/{v.uid.hex[:2]}/{v.uid.hex}.mp4")
    sprite = factory.LazyAttribute(lambda v: f"segments/{v.uid.hex[:2]}/{v.uid.hex}.jpg")
    sprite_meta = factory.LazyFunction(
        lambda: {"interval": 1.0, "tile_width": 128, "tile_height": 72, "columns": 10, "rows": 2, "count": 20}
    )


class SegmentAnnotationFactory(factory.django.DjangoModelFactory):
    """A submitted annotation; pass `segments=[(start, end), …]`."""

    class Meta:
        model = SegmentAnnotation
        skip_postgeneration_save = True

    segment_video = factory.SubFactory(SegmentVideoFactory)
    kind = SegmentAnnotation.Kind.REGULAR
    status = SegmentAnnotation.Status.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def segments(self, create, extracted, **kwargs):
        for i, (start, end) in enumerate(extracted or []):
            Segment.objects.create(
                annotation=self, action_class=self.segment_video.action_class, start=start, end=end, position=i
            )
