"""The guided "add a class" flow: its rules, its record of minutes, its API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.catalog.access import annotator_can_label
from backend.catalog.models import ActionClass, ClassSetup, GuidelineExample
from backend.curation.class_setup import (
    FIRST_OWN_NODE_ID,
    ClassSetupError,
    class_setup_example,
    class_setup_finish,
    class_setup_guideline,
    class_setup_minutes,
    class_setup_progress,
    class_setup_start,
    class_setup_step_done,
)
from tests.factories import ActionClassFactory, ClipFactory, GroupFactory, ProjectFactory, VideoFactory

pytestmark = pytest.mark.django_db
DEFINITION = "The clubs leave the hands and are caught again at least twice; ends at the last catch."


@pytest.fixture
def group(project, annotators):
    return annotators[0].annotator_groups.get(project=project)


@pytest.fixture
def area(db):
    return ActionClassFactory(name="Games and hobbies", is_leaf=False)


def start(project, group, admin_user, parent=None, name="Juggling clubs", minutes_ago=10):
    return class_setup_start(
        project=project,
        name=name,
        parent=parent,
        group=group,
        created_by=admin_user,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_the_new_class_is_a_leaf_under_its_parent_with_a_guideline_and_the_groups_queue(
    project, group, admin_user, area, annotators
):
    setup = start(project, group, admin_user, parent=area)
    cls = setup.action_class
    assert (cls.parent, cls.is_leaf, cls.node_id >= FIRST_OWN_NODE_ID) == (area, True, True)
    assert cls.guideline.definition == "" and group.classes.filter(pk=cls.pk).exists()
    # the annotators of the group can label it at once (no clip yet: the queue is there, empty)
    assert annotator_can_label(user=annotators[0], project=project, action_class=cls)
    assert list(setup.step_done_at) == ["class"]


@pytest.mark.parametrize(
    "name, parent_kind, message",
    [
        ("  ", None, "give the class a name"),
        ("juggling CLUBS", None, "exists already"),
        ("Spinning plates", "leaf", "is an action class, not a group of classes"),
    ],
)
def test_a_class_that_cannot_be_made_is_refused_with_the_reason(project, group, admin_user, name, parent_kind, message):
    start(project, group, admin_user)  # "Juggling clubs" exists from here on
    parent = ActionClassFactory(name="Long jump", is_leaf=True) if parent_kind == "leaf" else None
    before = ActionClass.objects.count()
    with pytest.raises(ClassSetupError, match=message):
        start(project, group, admin_user, parent=parent, name=name)
    assert ActionClass.objects.count() == before


def test_a_group_of_another_project_is_refused(project, admin_user):
    other_group = GroupFactory(project=ProjectFactory(), classes=[])
    with pytest.raises(ClassSetupError, match="another project"):
        start(project, other_group, admin_user)


def test_steps_need_what_they_stand_for_and_finishing_needs_every_step(project, group, admin_user):
    setup = start(project, group, admin_user)
    with pytest.raises(ClassSetupError, match="at least a sentence"):
        class_setup_guideline(setup=setup, definition="juggle")
    with pytest.raises(ClassSetupError, match="upload at least one video"):
        class_setup_step_done(setup=setup, step="videos")
    video = VideoFactory(project=project, query_class=setup.action_class)
    clip = ClipFactory(video=video, media_state="pending")
    class_setup_step_done(setup=setup, step="videos")
    with pytest.raises(ClassSetupError, match="no clip is ready"):
        class_setup_step_done(setup=setup, step="mining")
    clip.media_state = "ready"
    clip.save()
    class_setup_step_done(setup=setup, step="mining")
    with pytest.raises(ClassSetupError, match="at least one positive example"):
        class_setup_step_done(setup=setup, step="examples")
    class_setup_example(setup=setup, clip=clip, kind=GuidelineExample.Kind.POSITIVE)
    class_setup_step_done(setup=setup, step="examples")
    with pytest.raises(ClassSetupError, match="steps left: guideline"):
        class_setup_finish(setup=setup)
    class_setup_guideline(setup=setup, definition=DEFINITION)
    assert class_setup_finish(setup=setup).finished_at is not None
    assert setup.action_class.guideline.definition == DEFINITION


def test_examples_cycle_and_must_be_clips_of_the_class(project, group, admin_user):
    setup = start(project, group, admin_user)
    clip = ClipFactory(video=VideoFactory(project=project, query_class=setup.action_class))
    class_setup_example(setup=setup, clip=clip, kind="positive")
    class_setup_example(setup=setup, clip=clip, kind="hard_negative")
    assert list(GuidelineExample.objects.values_list("kind", flat=True)) == ["hard_negative"]
    assert class_setup_progress(setup=setup).hard_negative_examples == 1
    class_setup_example(setup=setup, clip=clip, kind=None)
    assert not GuidelineExample.objects.exists()
    with pytest.raises(ClassSetupError, match="not of this class"):
        class_setup_example(setup=setup, clip=ClipFactory(), kind="positive")


def test_minutes_are_counted_from_opening_the_flow_step_by_step(project, group, admin_user):
    setup = start(project, group, admin_user, minutes_ago=30)
    t0 = setup.started_at
    setup.step_done_at = {
        s: (t0 + timedelta(minutes=m)).isoformat()
        for s, m in [("class", 1), ("guideline", 4), ("videos", 10), ("mining", 22), ("examples", 25)]
    }
    setup.finished_at = t0 + timedelta(minutes=25.5)
    assert class_setup_minutes(setup=setup) == {
        "steps": {"class": 1.0, "guideline": 3.0, "videos": 6.0, "mining": 12.0, "examples": 3.0},
        "total": 25.5,
    }


def test_a_step_done_again_keeps_its_first_time(project, group, admin_user):
    setup = start(project, group, admin_user)
    class_setup_guideline(setup=setup, definition=DEFINITION)
    first = setup.step_done_at["guideline"]
    class_setup_guideline(setup=setup, definition=DEFINITION + " Also with rings.")
    setup.refresh_from_db()
    assert setup.step_done_at["guideline"] == first
    assert "rings" in setup.action_class.guideline.definition


def test_the_api_walks_the_flow_and_answers_400_with_the_reason(client, admin_user, project, group):
    client.force_login(admin_user)
    res = client.post(
        f"/api/projects/{project.pk}/class-setups/",
        {"name": "Juggling clubs", "group": group.pk, "started_at": timezone.now().isoformat()},
        content_type="application/json",
    )
    assert res.status_code == 201, res.json()
    body = res.json()
    assert body["steps_done"] == ["class"] and body["progress"]["videos"] == 0 and body["clips"] == []
    setup_id = body["id"]
    res = client.put(
        f"/api/class-setups/{setup_id}/guideline/", {"definition": "juggle"}, content_type="application/json"
    )
    assert res.status_code == 400 and "at least a sentence" in res.json()["detail"]
    res = client.post(f"/api/class-setups/{setup_id}/steps/", {"step": "videos"}, content_type="application/json")
    assert res.status_code == 400 and res.json()["detail"] == "upload at least one video first"
    setup = ClassSetup.objects.get(pk=setup_id)
    clip = ClipFactory(video=VideoFactory(project=project, query_class=setup.action_class))
    res = client.post(
        f"/api/class-setups/{setup_id}/examples/",
        {"clip": str(clip.uid), "kind": "positive"},
        content_type="application/json",
    )
    assert [c["example"] for c in res.json()["clips"]] == ["positive"]
    assert res.json()["grid_url"] == f"/grid/{project.pk}/{setup.action_class.pk}/"


def test_the_pages_start_and_resume_the_flow(client, admin_user, project, group):
    client.force_login(admin_user)
    html = client.get(f"/projects/{project.pk}/add-class/").content.decode()
    assert 'data-setup=""' in html and "add_class/add_class.js" in html and group.name in html
    setup = start(project, group, admin_user)
    html = client.get(f"/class-setups/{setup.pk}/").content.decode()
    assert f'data-setup="{setup.pk}"' in html
