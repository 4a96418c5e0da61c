"""The dashboard's issue-15 parts in Chromium: an admin confirms one gold candidate and dismisses another; a too-fast
annotator carries a badge; the segment agreement table lists each annotator against the reference and the others."""

import pytest

from backend.clips.models import ConsensusResult, GoldAnswer, Label
from backend.segments.models import SegmentVideo
from tests.factories import ClipFactory, GroupFactory, UserFactory, VideoFactory
from tests.segments.factories import SegmentAnnotationFactory, SegmentVideoFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def quality_project(project, action_class, settings):
    settings.FAST_MIN_LABELS = 3
    users = [UserFactory(username=f"annotator{i}", password=f"pass-{i}") for i in (1, 2, 3, 4)]
    GroupFactory(project=project, members=users, classes=[action_class])
    admin = UserFactory(username="admin", password="pass-admin", is_staff=True, is_superuser=True)
    video = VideoFactory(project=project, query_class=action_class)
    clips = [ClipFactory(video=video, action_class=action_class, start=2.0 * i, end=2.0 * i + 2) for i in range(5)]
    gold, (keep, drop) = clips[:3], clips[3:]
    for clip in gold:  # annotator1-3: three right answers of three, qualified
        GoldAnswer.objects.create(clip=clip, value=1)
        for user in users[:3]:
            Label.objects.create(clip=clip, annotator=user, value=1, seconds_spent=2.0)
    for clip, value in ((keep, -1), (drop, 1)):
        for user in users[:3]:
            Label.objects.create(clip=clip, annotator=user, value=value, seconds_spent=2.0)
        ConsensusResult.objects.create(clip=clip, value=value, mode="fixed", n_labels=3, unanimous=True)
    for clip in clips[:3]:  # annotator4 clicks through
        Label.objects.create(clip=clip, annotator=users[3], value=1, seconds_spent=0.1)
    segment_video = SegmentVideoFactory(video=video, action_class=action_class)
    final = SegmentAnnotationFactory(segment_video=segment_video, annotator=users[0], segments=[(2.0, 6.0)])
    SegmentAnnotationFactory(segment_video=segment_video, annotator=users[1], segments=[(3.0, 6.0)])
    SegmentVideo.objects.filter(pk=segment_video.pk).update(final=final)
    return {"admin": admin, "keep": keep, "drop": drop}


def test_admin_confirms_and_dismisses_gold_candidates_and_sees_agreement(open_as, shot, quality_project, project):
    admin = open_as("admin", "pass-admin")
    admin.goto(admin.url.rstrip("/") + f"/dashboard/{project.pk}/")
    keep, drop = quality_project["keep"], quality_project["drop"]
    admin.wait_for_selector(f"#gold-candidates tr[data-clip='{keep.uid}']")
    admin.wait_for_selector(f"#gold-candidates tr[data-clip='{drop.uid}']")
    admin.wait_for_selector("#annotators tr[data-user='annotator4'] .too-fast")
    assert admin.locator("#annotators tr[data-user='annotator1'] .too-fast").count() == 0
    # annotator2 against the reference (annotator1's final [2,6]): |start| 1.00, boundary F1 at 1 s 1.000
    row = admin.locator("#agreement-annotators tr[data-user='annotator2']")
    row.wait_for()
    assert "1.00 / 1.00" in row.inner_text()
    shot(admin, "dashboard-gold-candidates")

    admin.locator(f"#gold-candidates tr[data-clip='{keep.uid}'] button.confirm").click()
    admin.wait_for_selector(f"#gold-candidates tr[data-clip='{keep.uid}']", state="detached")
    assert GoldAnswer.objects.get(clip=keep).value == -1
    admin.locator(f"#gold-candidates tr[data-clip='{drop.uid}'] button.dismiss").click()
    admin.wait_for_selector(f"#gold-candidates tr[data-clip='{drop.uid}']", state="detached")
    assert not GoldAnswer.objects.filter(clip=drop).exists()
    admin.wait_for_selector("#gold-candidates-empty:visible")
