import factory
from django.contrib.auth import get_user_model

from backend.catalog.models import ActionClass, AnnotatorGroup, Project, Video
from backend.clips.models import Clip


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")


class ActionClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionClass

    node_id = factory.Sequence(lambda n: 10_000 + n)
    name = factory.Sequence(lambda n: f"Action {n}")
    is_leaf = True


class VideoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Video

    project = factory.SubFactory(ProjectFactory)
    external_id = factory.Sequence(lambda n: f"vid{n:08d}")
    query_class = factory.SubFactory(ActionClassFactory)
    duration = 20.0
    fps = 25.0


class ClipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clip

    video = factory.SubFactory(VideoFactory)
    action_class = factory.SelfAttribute("video.query_class")
    start = 0.0
    end = 2.0
    media_state = Clip.MediaState.READY
    media = factory.LazyAttribute(lambda c: f"clips/{c.video.external_id}-{c.start}.mp4")
    poster = factory.LazyAttribute(lambda c: f"clips/{c.video.external_id}-{c.start}.jpg")


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnotatorGroup
        skip_postgeneration_save = True

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Group {n}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if extracted:
            self.members.set(extracted)

    @factory.post_generation
    def classes(self, create, extracted, **kwargs):
        if extracted:
            self.classes.set(extracted)
