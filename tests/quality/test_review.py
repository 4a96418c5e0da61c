"""Review and adjudication (issue 15 item 2): the reviewer role, the queue of split clips (lowest agreement first),
decisions stored beside the labels, and the label source every export carries."""

import csv
import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client

from backend.clips import consensus
from backend.clips.dawid_skene import consensus_dawid_skene
from backend.clips.models import ClipDecision, ConsensusResult, Label
from backend.clips.selectors_review import clips_in_dispute
from backend.clips.services import clip_labels_revoke, clips_consensus_update
from backend.segments.models import SegmentAnnotation, SegmentVideo, VideoDecision
from backend.segments.selectors_review import videos_in_dispute
from tests.factories import UserFactory
from tests.segments.factories import SegmentAnnotationFactory, SegmentVideoFactory

pytestmark = pytest.mark.django_db


def labelled(clip, annotators, values):
    for user, value in zip(annotators, values, strict=False):
        Label.objects.create(clip=clip, annotator=user, value=value, seconds_spent=2.0)
    clips_consensus_update(clips=[clip], mode=clip.video.project.consensus_mode)
    clip.save(update_fields=["required_labels", "is_open"])


def reviewer_client(username="rev"):
    user = UserFactory(username=username)
    user.user_permissions.add(Permission.objects.get(codename="review", content_type__app_label="quality"))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("values", "adjudicated", "source"),
    [
        ([1], False, "single"),
        ([-1, -1, -1], False, "unanimous"),
        ([1, -1, 1], False, "majority"),
        ([1, -1, 1], True, "adjudicated"),
    ],
)
def test_label_source(values, adjudicated, source):
    assert consensus.label_source(values, adjudicated=adjudicated) == source


def test_a_decision_overrides_the_majority_and_decides_a_split_clip_at_once():
    assert consensus.settle([1, -1], consensus.ADAPTIVE).decision.decided is False
    settled = consensus.settle([1, -1], consensus.ADAPTIVE, reviewed=-1)
    assert (settled.decision.value, settled.source) == (-1, "adjudicated")
    assert consensus.settle([1, 1, -1], consensus.FIXED, reviewed=-1).decision.value == -1


def test_the_queue_holds_split_clips_lowest_agreement_first(make_clips, annotators):
    clips = make_clips(videos=1, per_video=5)
    labelled(clips[0], annotators, [1, 1, -1])  # 2/3
    labelled(clips[1], annotators, [1, 1, 1])  # unanimous: not in the queue
    labelled(clips[2], annotators, [1, -1])  # 1/2: lowest
    labelled(clips[3], annotators, [-1])  # single: nothing to review
    labelled(clips[4], annotators, [-1, -1, 1])  # 2/3, a later clip
    queue = clips_in_dispute()
    assert [item.clip.pk for item in queue] == [clips[2].pk, clips[0].pk, clips[4].pk]
    assert [round(item.agreement, 3) for item in queue] == [0.5, 0.667, 0.667]
    assert [(label.annotator, label.value) for label in queue[0].labels] == [("ann1", 1), ("ann2", -1)]


def test_only_reviewers_see_the_queue_and_decide(make_clips, annotators):
    [clip] = make_clips(videos=1, per_video=1)
    labelled(clip, annotators, [1, -1, -1])
    annotator = Client()
    annotator.force_login(annotators[0])
    assert annotator.get("/api/review/clips/").status_code == 403
    assert annotator.post(f"/api/review/clips/{clip.uid}/decide/", {"value": 1}).status_code == 403
    assert annotator.get("/review/").status_code in (302, 403)
    reviewer = reviewer_client()  # not staff: the permission alone makes a reviewer
    assert [c["uid"] for c in reviewer.get("/api/review/clips/").json()["clips"]] == [str(clip.uid)]
    assert reviewer.get("/review/").status_code == 200


def test_a_decision_is_stored_beside_the_labels_and_the_clip_leaves_the_queue(make_clips, annotators):
    [clip] = make_clips(videos=1, per_video=1)
    labelled(clip, annotators, [1, -1, -1])
    assert clip.consensus.value == -1 and clip.consensus.source == "majority"
    # when
    answer = reviewer_client().post(
        f"/api/review/clips/{clip.uid}/decide/",
        {"value": 1, "note": "the jump is there"},
        content_type="application/json",
    )
    # then
    assert answer.status_code == 200 and answer.json()["source"] == "adjudicated"
    result = ConsensusResult.objects.get(clip=clip)
    assert (result.value, result.source, result.n_labels) == (1, "adjudicated", 3)
    assert sorted(Label.objects.filter(clip=clip, active=True).values_list("value", flat=True)) == [-1, -1, 1]
    assert ClipDecision.objects.get(clip=clip).note == "the jump is there"
    assert clips_in_dispute() == []


def test_a_split_adaptive_clip_awaiting_its_third_label_is_closed_by_a_decision(make_clips, annotators, project):
    project.consensus_mode = consensus.ADAPTIVE
    project.save()
    [clip] = make_clips(videos=1, per_video=1)
    labelled(clip, annotators, [1, -1])
    clip.refresh_from_db()
    assert clip.is_open and not ConsensusResult.objects.filter(clip=clip).exists()
    reviewer_client().post(f"/api/review/clips/{clip.uid}/decide/", {"value": -1}, content_type="application/json")
    clip.refresh_from_db()
    assert not clip.is_open and clip.consensus.value == -1 and clip.consensus.source == "adjudicated"


def test_clips_without_disagreement_cannot_be_decided(make_clips, annotators):
    [clip] = make_clips(videos=1, per_video=1)
    labelled(clip, annotators, [1, 1, 1])
    answer = reviewer_client().post(
        f"/api/review/clips/{clip.uid}/decide/", {"value": -1}, content_type="application/json"
    )
    assert answer.status_code == 409
    assert not ClipDecision.objects.exists() and ConsensusResult.objects.get(clip=clip).value == 1


def test_a_later_label_revoke_keeps_the_decision(make_clips, annotators, admin_user):
    [clip] = make_clips(videos=1, per_video=1)
    labelled(clip, annotators, [1, -1, -1])
    reviewer_client().post(f"/api/review/clips/{clip.uid}/decide/", {"value": 1}, content_type="application/json")
    clip_labels_revoke(annotator=annotators[1], action_class=clip.action_class)
    result = ConsensusResult.objects.get(clip=clip)
    assert (result.value, result.source) == (1, "adjudicated")


def test_dawid_skene_leaves_adjudicated_clips_alone(make_clips, annotators, project):
    clips = make_clips(videos=1, per_video=3)
    for clip in clips:
        labelled(clip, annotators, [1, -1, -1])
    reviewer_client().post(f"/api/review/clips/{clips[0].uid}/decide/", {"value": 1}, content_type="application/json")
    consensus_dawid_skene(project=project, apply=True)
    assert ConsensusResult.objects.get(clip=clips[0]).value == 1
    assert ConsensusResult.objects.get(clip=clips[0]).source == "adjudicated"


def test_the_clips_export_says_where_each_label_came_from(make_clips, annotators, tmp_path):
    clips = make_clips(videos=1, per_video=4)
    labelled(clips[0], annotators, [1])
    labelled(clips[1], annotators, [1, 1, 1])
    labelled(clips[2], annotators, [1, 1, -1])
    labelled(clips[3], annotators, [1, -1, -1])
    reviewer_client().post(f"/api/review/clips/{clips[3].uid}/decide/", {"value": 1}, content_type="application/json")
    ConsensusResult.objects.filter(clip=clips[0]).delete()  # a single label decides nothing in fixed mode:
    ConsensusResult.objects.create(clip=clips[0], value=1, mode="fixed", n_labels=1, unanimous=True, source="single")
    out = tmp_path / "clips.csv"
    call_command("export_clips", "--format", "hacs-csv", "-o", str(out))
    rows = {float(r["start"]): (r["label"], r["source"]) for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert rows == {0.0: ("1", "single"), 2.0: ("1", "unanimous"), 4.0: ("1", "majority"), 6.0: ("1", "adjudicated")}


# --- videos ----------------------------------------------------------------------------------------------------------


def annotated_video(project, action_class, annotators, answers, *, final=0):
    """A timeline video with one finished annotation per answer ((start, end) lists; None: a rejection)."""
    video = SegmentVideoFactory(video__project=project, video__query_class=action_class, video__duration=60.0)
    made = []
    for user, answer in zip(annotators, answers, strict=False):
        if answer is None:
            made.append(
                SegmentAnnotationFactory(
                    segment_video=video,
                    annotator=user,
                    status=SegmentAnnotation.Status.REJECTED,
                    reject_reason="no_action",
                )
            )
        else:
            made.append(SegmentAnnotationFactory(segment_video=video, annotator=user, segments=answer))
    SegmentVideo.objects.filter(pk=video.pk).update(final=made[final], annotation_count=len(made), is_open=False)
    video.refresh_from_db()
    return video, made


def test_the_video_queue_holds_disagreeing_videos_lowest_mean_tiou_first(project, action_class, annotators):
    agree, _ = annotated_video(project, action_class, annotators, [[(2.0, 6.0)], [(2.2, 6.0)]])  # tIoU 0.95: agree
    slight, _ = annotated_video(project, action_class, annotators, [[(2.0, 6.0)], [(4.0, 8.0)]])  # tIoU 2/6
    apart, _ = annotated_video(project, action_class, annotators, [[(2.0, 6.0)], [(10.0, 12.0)], [(2.0, 6.0)]])
    annotated_video(project, action_class, annotators, [[(1.0, 3.0)]])  # one annotator: nothing to compare
    queue = videos_in_dispute()
    assert [item.segment_video.pk for item in queue] == [slight.pk, apart.pk]
    # slight: one pair at 2/6; apart: pairs 0, 1, 0 -> 1/3 as well, so the older video comes first
    assert [item.agreement for item in queue] == pytest.approx([1 / 3, 1 / 3])
    assert [lane.annotator for lane in queue[1].annotations] == ["ann1", "ann2", "ann3"]
    assert agree.pk not in [item.segment_video.pk for item in queue]


def test_a_rejection_against_segments_is_the_lowest_agreement(project, action_class, annotators):
    partial, _ = annotated_video(project, action_class, annotators, [[(2.0, 6.0)], [(4.0, 8.0)]])
    rejected, _ = annotated_video(project, action_class, annotators, [[(2.0, 6.0)], None])
    assert [item.segment_video.pk for item in videos_in_dispute()] == [rejected.pk, partial.pk]


def test_taking_one_annotation_makes_a_reviewed_final_beside_the_others(project, action_class, annotators):
    video, (first, second) = annotated_video(project, action_class, annotators, [[(2.0, 6.0)], [(4.0, 8.0)]])
    client = reviewer_client()
    lanes = client.get(f"/api/review/videos/{video.pk}/").json()["lanes"]
    assert [(lane["annotator"], lane["segments"]) for lane in lanes] == [("ann1", [[2.0, 6.0]]), ("ann2", [[4.0, 8.0]])]
    # when
    answer = client.post(
        f"/api/review/videos/{video.pk}/decide/",
        {"source": "taken", "taken": str(second.uid), "segments": [[4.0, 8.0]]},
        content_type="application/json",
    )
    # then
    assert answer.status_code == 200, answer.content
    video.refresh_from_db()
    decision = VideoDecision.objects.get(segment_video=video)
    assert (decision.source, decision.taken_id, video.final_id) == ("taken", second.pk, decision.result_id)
    assert decision.result.kind == SegmentAnnotation.Kind.REVIEWED
    assert list(decision.result.segments.values_list("start", "end")) == [(4.0, 8.0)]
    for annotation in (first, second):  # beside, never over
        annotation.refresh_from_db()
        assert annotation.active and annotation.status == SegmentAnnotation.Status.SUBMITTED
    assert list(first.segments.values_list("start", "end")) == [(2.0, 6.0)]
    assert videos_in_dispute() == []


def test_a_taken_decision_must_be_the_annotation_as_it_is(project, action_class, annotators):
    video, (first, _) = annotated_video(project, action_class, annotators, [[(2.0, 6.0)], [(4.0, 8.0)]])
    answer = reviewer_client().post(
        f"/api/review/videos/{video.pk}/decide/",
        {"source": "taken", "taken": str(first.uid), "segments": [[3.0, 7.0]]},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert not VideoDecision.objects.exists()


def test_a_merged_decision_replaces_an_earlier_one_and_both_are_kept(project, action_class, annotators):
    video, _ = annotated_video(project, action_class, annotators, [[(2.0, 6.0)], [(4.0, 8.0), (20.0, 25.0)]])
    client = reviewer_client()
    for segments in ([[3.0, 7.0]], [[3.0, 7.0], [20.0, 25.0]]):
        answer = client.post(
            f"/api/review/videos/{video.pk}/decide/",
            {"source": "merged", "segments": segments},
            content_type="application/json",
        )
        assert answer.status_code == 200
    earlier, later = VideoDecision.objects.order_by("pk")
    video.refresh_from_db()
    assert video.final_id == later.result_id
    earlier.result.refresh_from_db()
    assert not earlier.result.active and later.result.active


def test_only_reviewers_decide_videos(project, action_class, annotators):
    video, _ = annotated_video(project, action_class, annotators, [[(2.0, 6.0)], [(4.0, 8.0)]])
    annotator = Client()
    annotator.force_login(annotators[0])
    assert annotator.get("/api/review/videos/").status_code == 403
    assert annotator.get(f"/review/videos/{video.pk}/").status_code in (302, 403)
    post = annotator.post(
        f"/api/review/videos/{video.pk}/decide/", {"source": "merged", "segments": []}, content_type="application/json"
    )
    assert post.status_code == 403


def test_the_segments_export_says_where_each_video_came_from(project, action_class, annotators, tmp_path):
    single, _ = annotated_video(project, action_class, annotators, [[(1.0, 3.0)]])
    unanimous, _ = annotated_video(project, action_class, annotators, [[(1.0, 3.0)], [(1.1, 3.0)]])
    majority, _ = annotated_video(project, action_class, annotators, [[(1.0, 3.0)], [(1.0, 3.1)], [(9.0, 12.0)]])
    disputed, _ = annotated_video(project, action_class, annotators, [[(1.0, 3.0)], [(9.0, 12.0)]])
    reviewed, made = annotated_video(project, action_class, annotators, [[(1.0, 3.0)], [(9.0, 12.0)]])
    reviewer_client().post(
        f"/api/review/videos/{reviewed.pk}/decide/",
        {"source": "edited", "taken": str(made[1].uid), "segments": [[9.5, 12.0]]},
        content_type="application/json",
    )
    sources = {}
    for fmt in ("activitynet", "actionformer", "opentad", "mmaction2"):
        out = tmp_path / f"{fmt}.json"
        call_command("export_segments", "--format", fmt, "-o", str(out), "--default-fps", "25")
        data = json.loads(out.read_text())
        entries = data.get("database", data)
        sources[fmt] = {name: entry["label_source"] for name, entry in entries.items()}
    expected = {
        single.video.external_id: "single",
        unanimous.video.external_id: "unanimous",
        majority.video.external_id: "majority",
        disputed.video.external_id: "disputed",
        reviewed.video.external_id: "adjudicated",
    }
    assert all(found == expected for found in sources.values()), sources
    anet = json.loads((tmp_path / "activitynet.json").read_text())["database"]
    assert anet[reviewed.video.external_id]["annotations"][0]["segment"] == [9.5, 12.0]


def test_the_dashboard_counts_label_sources_as_the_exports_write_them(make_clips, annotators, project):
    clips = make_clips(videos=1, per_video=3)
    labelled(clips[0], annotators, [1, 1, 1])
    labelled(clips[1], annotators, [1, 1, -1])
    labelled(clips[2], annotators, [1, -1, -1])
    reviewer_client().post(f"/api/review/clips/{clips[2].uid}/decide/", {"value": 1}, content_type="application/json")
    admin = Client()
    admin.force_login(UserFactory(username="boss", is_staff=True))
    sources = admin.get(f"/api/projects/{project.pk}/dashboard/").json()["label_sources"]
    assert sources == {"single": 0, "unanimous": 1, "majority": 1, "adjudicated": 1, "imported": 0}
