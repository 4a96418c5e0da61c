"""The trim tool's API and pages: a clip's exact frames and metadata stored as given and read back with their seconds,
refused outside the video, for admins and the class's annotators only; a segment becomes a clip once; the page
plays the video on the axis the frames are counted on (the proxy, or a source file with a container offset)."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from django.test import Client

from backend.clips.models import Clip
from backend.curation import selectors_trim
from backend.curation.models import Curation
from backend.curation.timing import clip_frames
from backend.segments.models import SegmentAnnotation, SegmentVideo
from tests.curation.conftest import stored_video
from tests.factories import ActionClassFactory, ClipFactory, GroupFactory, UserFactory, VideoFactory
from tests.segments.factories import SegmentAnnotationFactory, SegmentVideoFactory
from tests.segments.media import HEIGHT, WIDTH, decode_index, make_index_video

pytestmark = pytest.mark.django_db
FPS = 25


@pytest.fixture
def people(project, action_class):
    member, outsider = UserFactory(username="member"), UserFactory(username="outsider")
    admin = UserFactory(username="chief", is_staff=True)
    GroupFactory(project=project, members=[member], classes=[action_class])
    GroupFactory(project=project, members=[outsider], classes=[ActionClassFactory(name="Long jump")])
    return {"member": member, "outsider": outsider, "admin": admin}


def client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def put(c: Client, clip: Clip, body: dict):
    return c.put(f"/api/clips/{clip.uid}/curation/", json.dumps(body), content_type="application/json")


@pytest.fixture
def clip(project, action_class):
    """A 2-s clip at 4 s of a 20-s, 25-fps video (500 frames) without a file: frames count from Video.fps."""
    video = VideoFactory(project=project, query_class=action_class, fps=FPS, duration=20.0)
    return ClipFactory(video=video, start=4.0, end=6.0)


def test_an_annotator_of_the_class_trims_a_clip_and_reads_back_its_frames_and_seconds(people, clip):
    # when
    res = put(
        client(people["member"]),
        clip,
        {"first_frame": 105, "last_frame": 139, "dominant_people": 2, "camera_moving": True},
    )
    # then: stored as given; seconds derived on the first-frame axis, the end when the last frame leaves the screen
    assert res.status_code == 200, res.content
    body = res.json()
    assert {
        k: body[k]
        for k in (
            "first_frame",
            "last_frame",
            "frames",
            "start_time",
            "end_time",
            "duration",
            "dominant_people",
            "camera_moving",
            "trimmed",
        )
    } == {
        "first_frame": 105,
        "last_frame": 139,
        "frames": 35,
        "start_time": 4.2,
        "end_time": 5.6,
        "duration": 1.4,
        "dominant_people": 2,
        "camera_moving": True,
        "trimmed": True,
    }
    curation = Curation.objects.get(clip=clip)
    assert (
        curation.first_frame,
        curation.last_frame,
        curation.dominant_people,
        curation.camera_moving,
        curation.curated_by,
    ) == (105, 139, 2, True, people["member"])
    # an annotator reads the trim, never the admin's fields; the admin reads those too
    mine = client(people["member"]).get(f"/api/clips/{clip.uid}/curation/").json()
    assert mine == body and not {"human_centric", "split", "curated_by"} & set(mine)
    theirs = client(people["admin"]).get(f"/api/clips/{clip.uid}/curation/").json()
    assert theirs["curated_by"] == "member" and theirs["human_centric"] is None and theirs["split"] == ""


def test_an_untrimmed_clip_reads_as_not_trimmed(people, clip):
    body = client(people["member"]).get(f"/api/clips/{clip.uid}/curation/").json()
    assert body["trimmed"] is False and body["first_frame"] is None and body["start_time"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_frame": 120, "last_frame": 119}, "last_frame"),  # last before first
        ({"first_frame": 480, "last_frame": 500}, "last_frame"),  # frame 500 of a 500-frame video
        ({"first_frame": -1, "last_frame": 10}, "first_frame"),
        ({"first_frame": 2**40, "last_frame": 2**41}, "first_frame"),
        ({"first_frame": 1, "last_frame": 10, "dominant_people": 4}, "dominant_people"),
        ({"first_frame": 1, "last_frame": 10, "dominant_people": 0}, "dominant_people"),
        ({"first_frame": 1, "last_frame": 10, "camera_moving": "maybe"}, "camera_moving"),
        ({"last_frame": 10}, "first_frame"),
    ],
)
def test_frames_outside_the_video_reversed_frames_and_bad_metadata_are_refused(people, clip, body, field):
    res = put(client(people["member"]), clip, body)
    assert res.status_code == 400 and field in res.json(), res.content
    assert not Curation.objects.exists()


def test_the_last_frame_of_the_video_and_a_one_frame_action_are_accepted(people, clip):
    assert put(client(people["member"]), clip, {"first_frame": 499, "last_frame": 499}).json()["frames"] == 1


def test_only_admins_and_annotators_of_the_class_may_read_or_trim(people, clip):
    body = {"first_frame": 100, "last_frame": 120}
    assert put(client(people["outsider"]), clip, body).status_code == 403
    assert client(people["outsider"]).get(f"/api/clips/{clip.uid}/curation/").status_code == 403
    assert put(client(), clip, body).status_code == 403
    assert client(people["outsider"]).get(f"/trim/{clip.uid}/").status_code == 403
    assert client().get(f"/trim/{clip.uid}/").status_code == 302  # to the log-in page
    assert not Curation.objects.exists()
    assert put(client(people["admin"]), clip, body).status_code == 200
    assert client(people["member"]).get(f"/trim/{clip.uid}/").status_code == 200
    assert client(people["member"]).get("/api/clips/00000000-0000-0000-0000-000000000000/curation/").status_code == 404


def test_new_frames_clear_a_score_of_the_old_ones_and_metadata_alone_keeps_it(people, clip):
    Curation.objects.create(
        clip=clip,
        first_frame=100,
        last_frame=149,
        human_centric=0.7,
        human_centric_state=Curation.ScoreState.READY,
        split="train",
    )
    put(client(people["admin"]), clip, {"first_frame": 100, "last_frame": 149, "dominant_people": 1})
    curation = Curation.objects.get(clip=clip)
    assert (curation.human_centric, curation.human_centric_state, curation.split) == (0.7, "ready", "train")
    put(client(people["admin"]), clip, {"first_frame": 104, "last_frame": 149, "dominant_people": 1})
    curation.refresh_from_db()
    assert (curation.human_centric, curation.human_centric_state, curation.split) == (None, "none", "train")


# --- a clip from a segment ----------------------------------------------------------------------------------------


@pytest.fixture
def segment(project, action_class, people):
    """A submitted segment 2.08–2.48 s (frames 52…62: those that start in it), the video's exported annotation, of
    a video whose first frame sits 0.5 s after its container start."""
    video = VideoFactory(project=project, query_class=action_class, fps=FPS, duration=20.0)
    annotation = SegmentAnnotationFactory(
        segment_video=SegmentVideoFactory(video=video, first_frame_offset=0.5),
        annotator=people["member"],
        segments=[(2.08, 2.48)],
    )
    SegmentVideo.objects.filter(pk=annotation.segment_video_id).update(final=annotation, is_open=False)
    return annotation.segments.get()


def test_a_segment_becomes_one_clip_holding_exactly_its_frames(people, segment):
    member = client(people["member"])  # who marked the segment
    # a GET writes nothing: it offers the button that makes the clip
    offer = member.get(f"/trim/from-segment/{segment.pk}/")
    assert offer.status_code == 200 and b"Make the clip and trim it" in offer.content and not Clip.objects.exists()
    res = member.post(f"/trim/from-segment/{segment.pk}/")
    clip = Clip.objects.get(method=Clip.Method.SEGMENT)
    assert res.status_code == 302 and res["Location"] == f"/trim/{clip.uid}/"
    # clip times count from the container start: frame times + 0.5 s
    assert (clip.start, clip.end) == (pytest.approx(52 / FPS + 0.5), pytest.approx(63 / FPS + 0.5))
    timing = selectors_trim.trim_timing(video=clip.video)
    assert clip_frames(clip=clip, curation=None, timing=timing) == (52, 62)
    assert not clip.is_open and clip.media_state == Clip.MediaState.NONE  # never served in the grid; no file
    # the trim page starts from those frames
    page = member.get(res["Location"])
    assert page.status_code == 200 and page.context["trim"]["clip_frames"] == [52, 62]
    # idempotent: again (GET or POST), by an admin too, the same clip
    assert client(people["admin"]).post(f"/trim/from-segment/{segment.pk}/")["Location"] == f"/trim/{clip.uid}/"
    assert member.get(f"/trim/from-segment/{segment.pk}/")["Location"] == f"/trim/{clip.uid}/"
    assert Clip.objects.count() == 1


def test_another_annotators_segment_does_not_exist_for_an_annotator_and_nothing_is_written(
    people, project, action_class, segment
):
    # given a second annotator of the same class, who did not mark the segment, reading sequential ids
    peer = UserFactory(username="peer")
    project.groups.get(classes=action_class).members.add(peer)
    for method in ("get", "post"):
        # then another person's segment is not found (no frames, no media URL) and no row is written
        assert getattr(client(peer), method)(f"/trim/from-segment/{segment.pk}/").status_code == 404
    assert not Clip.objects.exists()


@pytest.mark.parametrize("fps", [25.0, 30000 / 1001])
def test_a_segment_clip_gives_back_the_segments_frames_at_any_rate_and_offset(project, action_class, fps):
    # given segment edges as the timeline stores them: frame starts rounded to the millisecond; D = 0.023222 s
    video = VideoFactory(project=project, query_class=action_class, fps=fps, duration=60.0)
    segment_video = SegmentVideoFactory(video=video, media_duration=60.0, first_frame_offset=0.023222)
    annotation = SegmentAnnotationFactory(segment_video=segment_video, segments=[(0.0, 0.0)])
    segment = annotation.segments.get()
    timing = selectors_trim.trim_timing(video=video)
    for first in range(0, 1400, 13):
        last = first + first % 40
        segment.start, segment.end = round(first / fps, 3), round(last / fps, 3)
        # when its clip's times are computed, then: the clip holds exactly those frames (as the curation back end
        # counts a clip's frames)
        start, end = selectors_trim.segment_clip_span(segment=segment, timing=timing)
        assert clip_frames(clip=Clip(video=video, start=start, end=end), curation=None, timing=timing) == (
            first,
            last,
        ), (first, last)


def test_reference_segments_of_gold_videos_are_the_admins_alone(people, project, action_class):
    video = VideoFactory(project=project, query_class=action_class, fps=FPS, duration=20.0)
    gold = SegmentAnnotationFactory(
        segment_video=SegmentVideoFactory(video=video, is_gold=True),
        annotator=None,
        kind=SegmentAnnotation.Kind.GOLD,
        segments=[(1.0, 3.0)],
    ).segments.get()
    assert client(people["member"]).post(f"/trim/from-segment/{gold.pk}/").status_code == 404
    assert client(people["outsider"]).post(f"/trim/from-segment/{gold.pk}/").status_code == 403
    assert not Clip.objects.exists()
    assert client(people["admin"]).post(f"/trim/from-segment/{gold.pk}/").status_code == 302


def test_a_segment_that_holds_no_frame_is_refused(people, project, action_class):
    video = VideoFactory(project=project, query_class=action_class, fps=FPS, duration=20.0)
    tiny = SegmentAnnotationFactory(
        segment_video=SegmentVideoFactory(video=video), segments=[(2.01, 2.03)]
    ).segments.get()
    res = client(people["admin"]).post(f"/trim/from-segment/{tiny.pk}/")
    assert res.status_code == 409 and b"holds no frame" in res.content and not Clip.objects.exists()


# --- what the page plays, and where --------------------------------------------------------------------------------


def test_the_page_plays_the_proxy_from_frame_zero_in_a_window_around_the_clip(people, project, action_class):
    video = VideoFactory(project=project, query_class=action_class, fps=FPS, duration=100.0)
    SegmentVideoFactory(video=video, media_duration=100.0)
    clip = ClipFactory(video=video, start=40.0, end=42.0)
    trim = client(people["member"]).get(f"/trim/{clip.uid}/").context["trim"]
    assert trim["media"]["kind"] == "proxy" and trim["media"]["origin"] == 0.0 and trim["media"]["sprite"]["count"]
    assert trim["frame_count"] == 2500 and trim["clip_frames"] == [1000, 1049]
    assert trim["window"] == [1000 - 125, 1049 + 125]  # ± 5 s
    assert "video" not in trim["clip"] and trim["list_url"] is None  # annotators: no video name, no admin list
    short = ClipFactory(video=VideoFactory(project=project, query_class=action_class, fps=FPS, duration=12.0))
    assert client(people["member"]).get(f"/trim/{short.uid}/").context["trim"]["window"] == [0, 299]  # whole


def test_a_clip_without_playable_media_still_opens_and_says_so(people, clip):
    res = client(people["member"]).get(f"/trim/{clip.uid}/")
    assert res.status_code == 200 and res.context["trim"]["media"] is None and b"no playable media" in res.content


def first_frame_at(source, seconds: float) -> int:
    """The index of the first frame ffmpeg gives when cutting ``source`` from ``seconds``, an input seek as
    clips.services.clip_media_cut makes (it counts from the container start)."""
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-ss",
            f"{seconds:.6f}",
            "-i",
            str(source),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-s",
            f"{WIDTH}x{HEIGHT}",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return decode_index(np.frombuffer(raw, np.uint8).reshape(HEIGHT, WIDTH))


def test_a_source_with_a_container_offset_plays_from_its_first_frame_and_cuts_at_the_frames_stored(
    people, project, action_class, tmp_path
):
    # given: MPEG-TS of numbered frames: container start ≈ 1.4 s, first video frame ≈ 0.023 s after it, no proxy
    # (every frame a keyframe: ffmpeg's input seek in MPEG-TS lands on the frame asked for only at a keyframe)
    path = make_index_video(tmp_path / "numbered.ts", seconds=12, gop=1)
    video = stored_video(path, project=project, query_class=action_class)
    timing = selectors_trim.trim_timing(video=video)
    assert video.start_time > 1.0 and 0 < timing.offset < 0.1
    clip = ClipFactory(video=video, start=2.0 + timing.offset, end=4.0 + timing.offset)
    # when: the page's context and a trim of frames 53…74
    trim = client(people["admin"]).get(f"/trim/{clip.uid}/").context["trim"]
    body = put(client(people["admin"]), clip, {"first_frame": 53, "last_frame": 74}).json()
    # then: the browser plays the file on its own timestamps: frame 0 at the first frame's time (V0 = S + D)
    assert trim["media"]["kind"] == "source"
    assert trim["media"]["origin"] == pytest.approx(video.start_time + timing.offset, abs=1e-6)
    assert trim["clip_frames"] == [50, 99] and trim["frame_count"] == 300
    # and the container times of the trim cut exactly from the frame stored
    assert body["container_start_time"] == pytest.approx(53 / FPS + timing.offset, abs=1e-6)
    assert first_frame_at(path, body["container_start_time"]) == 53
    assert first_frame_at(path, body["container_end_time"]) == 75  # the frame after the last one


# --- the admin's curation page ------------------------------------------------------------------------------------


def test_the_curation_page_is_for_admins_and_lists_segments_to_start_from(people, project, segment):
    res = client(people["admin"]).get(f"/curation/{project.pk}/")
    assert res.status_code == 200
    assert f'action="/trim/from-segment/{segment.pk}/"'.encode() in res.content  # a POST: a GET writes nothing
    assert client(people["member"]).get(f"/curation/{project.pk}/")["Location"].startswith("/admin/login/")


def test_an_annotator_reads_nothing_of_gold_scores_or_other_people_on_the_trim_page(people, clip):
    from backend.clips import services

    services.clip_gold_set(clip=clip, value=-1, author=people["admin"])
    Curation.objects.create(
        clip=clip,
        first_frame=100,
        last_frame=140,
        human_centric=0.8123,
        human_centric_state="ready",
        split="test",
        curated_by=people["admin"],
    )
    member = client(people["member"])
    answers = [
        member.get(f"/trim/{clip.uid}/").content.decode(),
        member.get(f"/api/clips/{clip.uid}/curation/").content.decode(),
    ]
    for text in answers:
        for word in ("gold", "score", "0.8123", "chief", "consensus", "reference", "human_centric", "split"):
            assert word not in text.lower(), word
