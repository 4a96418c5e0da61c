"""Review and adjudication in Chromium (issue 15 item 2): a reviewer who is not staff (the quality.review permission)
works the queue of split clips with the keyboard, then opens a disagreeing video's lanes, takes one annotator's lane,
edits it and stores the decision. Screenshots: review-queue.png, review-lanes.png, review-lanes-decided.png."""

import subprocess
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile

from backend.clips.models import ClipDecision, ConsensusResult, Label
from backend.clips.services import clips_consensus_update
from backend.segments.models import SegmentAnnotation, SegmentVideo, VideoDecision
from tests.factories import ClipFactory, UserFactory, VideoFactory
from tests.segments.factories import SegmentAnnotationFactory, SegmentVideoFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pattern_video(seconds: float) -> bytes:
    """A small H.264 test pattern made here (ffmpeg lavfi), so the clip and the lanes' player show a picture."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pattern.mp4"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc=size=320x180:rate=25:duration={seconds}",
             "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-movflags", "+faststart", str(path)],
            check=True,
        )  # fmt: skip
        return path.read_bytes()


@pytest.fixture
def disputes(project, action_class):
    reviewer = UserFactory(username="reviewer", password="pass-rev")
    reviewer.user_permissions.add(Permission.objects.get(codename="review", content_type__app_label="quality"))
    annotators = [UserFactory(username=f"annotator{i}") for i in (1, 2, 3)]
    video = VideoFactory(project=project, query_class=action_class, external_id="review_vid01", duration=30.0)
    media = pattern_video(2)
    clips = []
    for i, values in enumerate(([1, -1, 1], [1, -1], [-1, -1, -1])):  # 2/3, 1/2, unanimous
        clip = ClipFactory(video=video, action_class=action_class, start=2.0 * i, end=2.0 * i + 2)
        clip.media.save("clip.mp4", ContentFile(media))
        for user, value in zip(annotators, values, strict=False):
            Label.objects.create(clip=clip, annotator=user, value=value, seconds_spent=2.0)
        clips_consensus_update(clips=[clip], mode=project.consensus_mode)
        clip.save()
        clips.append(clip)
    segment_video = SegmentVideoFactory(video=video, action_class=action_class, media_duration=30.0)
    segment_video.proxy.save("proxy.mp4", ContentFile(pattern_video(30)))
    lanes = [
        SegmentAnnotationFactory(
            segment_video=segment_video, annotator=annotators[0], segments=[(2.0, 8.0), (15.0, 20.0)]
        ),
        SegmentAnnotationFactory(segment_video=segment_video, annotator=annotators[1], segments=[(3.0, 9.0)]),
        SegmentAnnotationFactory(
            segment_video=segment_video, annotator=annotators[2], segments=[(2.5, 8.5), (22.0, 26.0)]
        ),
    ]
    SegmentVideo.objects.filter(pk=segment_video.pk).update(final=lanes[0], annotation_count=3, is_open=False)
    return {"clips": clips, "segment_video": segment_video, "lanes": lanes}


def test_reviewer_settles_clips_by_key_and_a_video_from_its_lanes(open_as, shot, disputes, live_server):
    page = open_as("reviewer", "pass-rev")
    page.click("header a[href='/review/']")  # the topbar offers the queue to a reviewer who is not staff
    split, halves, unanimous = disputes["clips"]
    # lowest agreement first: the 1-1 clip, then the 2-1 clip; the unanimous clip is not there
    page.wait_for_selector(".review-clip")
    assert page.locator(".review-clip").evaluate_all("els => els.map(e => e.dataset.uid)") == [
        str(halves.uid),
        str(split.uid),
    ]
    assert page.locator(".review-clip").first.locator(".label-chip").all_inner_texts() == [
        "annotator1: positive",
        "annotator2: negative",
    ]
    page.wait_for_selector("#review-videos tbody tr")
    page.wait_for_function("() => [...document.querySelectorAll('.review-clip video')].every(v => v.readyState >= 2)")
    shot(page, "review-queue")

    page.keyboard.press("n")  # the selected (first) clip: negative
    page.wait_for_selector(f".review-clip[data-uid='{halves.uid}']", state="detached")
    page.keyboard.press("p")  # now the 2-1 clip, against its majority
    page.wait_for_selector("#clips-empty:visible")
    assert ConsensusResult.objects.get(clip=halves).source == "adjudicated"
    assert ConsensusResult.objects.get(clip=halves).value == -1
    assert (ConsensusResult.objects.get(clip=split).value, ConsensusResult.objects.get(clip=split).source) == (
        1,
        "adjudicated",
    )
    assert ClipDecision.objects.count() == 2 and Label.objects.filter(active=True).count() == 8  # labels untouched
    assert ConsensusResult.objects.get(clip=unanimous).source == "unanimous"

    # the video: three read-only lanes and the result lane
    page.click("#review-videos a.open-lanes")
    page.wait_for_selector(".lane[data-annotator='annotator3'] .lane-seg")
    assert page.locator(".lane:not(.result-lane)").count() == 3
    assert page.locator(".lane[data-annotator='annotator1'] .lane-seg").count() == 2
    page.wait_for_function("() => document.getElementById('player').readyState >= 2")
    # merge: what at least two of the three lanes mark, [2.5, 8.5]
    page.keyboard.press("m")
    page.wait_for_function("() => document.querySelectorAll('.result-lane .lane-seg').length === 1")
    assert "merged" in page.inner_text("#result-source")
    assert page.locator(".result-lane .lane-seg").get_attribute("title") == "2.500–8.500 s"
    page.keyboard.press("3")  # take annotator3's lane
    page.wait_for_selector(".result-lane .lane-seg >> nth=1")
    assert "taken" in page.inner_text("#result-source")
    shot(page, "review-lanes")

    # edit: drop the second segment ([22, 26]) — the result is now "edited", from annotator3's lane
    page.locator(".result-lane .lane-seg").nth(1).click()
    page.keyboard.press("Delete")
    page.wait_for_function("() => document.querySelectorAll('.result-lane .lane-seg').length === 1")
    assert "edited" in page.inner_text("#result-source")
    page.click("#save")
    page.wait_for_selector("#saved:not([hidden])")
    shot(page, "review-lanes-decided")

    decision = VideoDecision.objects.get()
    assert (decision.source, decision.taken_id) == ("edited", disputes["lanes"][2].pk)
    assert list(decision.result.segments.values_list("start", "end")) == [(2.5, 8.5)]
    segment_video = SegmentVideo.objects.get(pk=disputes["segment_video"].pk)
    assert segment_video.final_id == decision.result_id
    assert SegmentAnnotation.objects.filter(kind="regular", active=True).count() == 3
