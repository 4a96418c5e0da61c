"""Suggestions in an annotator's task (issue 6): shown only when the project's switch is on and never in gold mode,
polled while pending, never stored as annotations; the annotation records what was accepted, adjusted or dismissed;
the learned head; `evaluate_segments --proposals` on the platform's own proposals and times."""

import io
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from backend.mining.models import ClassifierModel
from backend.segments import proposal_head, proposals, services
from backend.segments.models import (
    Segment,
    SegmentAnnotation,
    SegmentProposal,
    SegmentProposalHead,
    SegmentProposalRun,
    SegmentSettings,
)
from tests.factories import UserFactory
from tests.segments.factories import SegmentAnnotationFactory, SegmentVideoFactory

pytestmark = pytest.mark.django_db


def with_proposals(video, spans, *, state="ready", scores=None):
    """Give a video a ready run with proposals [(start, end, score), …] (best first)."""
    run = SegmentProposalRun.objects.create(segment_video=video, state=state, method="mean_probability", scores=scores)
    return [
        SegmentProposal.objects.create(run=run, segment_video=video, start=a, end=b, score=s, rank=i)
        for i, (a, b, s) in enumerate(spans, start=1)
    ]


@pytest.fixture
def video(project, action_class):
    return SegmentVideoFactory(video__project=project, video__query_class=action_class)


def next_task(client, project, action_class, mode="annotate"):
    return client.post(
        "/api/segment-tasks/next/",
        {"project": project.pk, "action_class": action_class.pk, "mode": mode},
        content_type="application/json",
    )


def test_the_task_carries_the_suggestions_best_first_and_records_that_they_were_shown(
    client, annotators, project, action_class, video
):
    made = with_proposals(video, [(2.0, 6.0, 0.93), (10.0, 12.56, 0.81)])
    client.force_login(annotators[0])
    payload = next_task(client, project, action_class).json()
    assert payload["suggestions"] == {
        "state": "ready",
        "message": "",
        "method": "mean_probability",
        "items": [
            {"id": made[0].pk, "start": 2.0, "end": 6.0, "score": 0.93, "rank": 1},
            {"id": made[1].pk, "start": 10.0, "end": 12.56, "score": 0.81, "rank": 2},
        ],
    }
    assert SegmentAnnotation.objects.get(uid=payload["task"]).suggestions_shown


def test_with_suggestions_switched_off_none_are_shown_and_none_recorded(
    client, annotators, project, action_class, video
):
    with_proposals(video, [(2.0, 6.0, 0.93)])
    SegmentSettings.objects.create(project=project, suggestions=False)
    client.force_login(annotators[0])
    payload = next_task(client, project, action_class).json()
    assert payload["suggestions"] == {"state": "off", "message": "", "method": "", "items": []}
    assert not SegmentAnnotation.objects.get(uid=payload["task"]).suggestions_shown


def test_gold_mode_shows_no_suggestions(client, admin_user, project, action_class, video):
    with_proposals(video, [(2.0, 6.0, 0.93)])
    client.force_login(admin_user)
    assert next_task(client, project, action_class, mode="gold").json()["suggestions"]["state"] == "off"


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("no_classifier", "No frame classifier knows this class yet"),
        ("failed", "Suggestions could not be computed."),
        ("ready", "No window reached the threshold"),
    ],
)
def test_without_suggestions_the_task_says_why_and_shows_no_scores(
    client, annotators, project, action_class, video, state, message
):
    SegmentProposalRun.objects.create(
        segment_video=video, state=state, message=message + " (train one)" if state == "no_classifier" else ""
    )
    client.force_login(annotators[0])
    payload = next_task(client, project, action_class).json()
    assert payload["suggestions"]["state"] == state and payload["suggestions"]["items"] == []
    assert payload["suggestions"]["message"].startswith(message)
    assert not SegmentAnnotation.objects.get(uid=payload["task"]).suggestions_shown


def test_pending_suggestions_are_polled_until_they_are_ready(client, annotators, project, action_class, video):
    SegmentProposalRun.objects.create(segment_video=video, state="running")
    client.force_login(annotators[0])
    payload = next_task(client, project, action_class).json()
    assert payload["suggestions"]["state"] == "pending"
    url = f"/api/segment-tasks/{payload['task']}/suggestions/"
    assert client.get(url).json()["state"] == "pending"
    SegmentProposalRun.objects.filter(segment_video=video).delete()
    with_proposals(video, [(1.0, 3.0, 0.9)])
    answer = client.get(url).json()
    assert answer["state"] == "ready" and [i["start"] for i in answer["items"]] == [1.0]
    assert SegmentAnnotation.objects.get(uid=payload["task"]).suggestions_shown
    # someone else's task: no such task
    client.force_login(annotators[1])
    assert client.get(url).status_code == 404


def submit(client, task_uid, body):
    return client.post(f"/api/segment-tasks/{task_uid}/submit/", body, content_type="application/json")


def test_only_segments_are_stored_and_the_annotation_records_the_decisions(
    client, annotators, project, action_class, video
):
    a, b, c = with_proposals(video, [(2.0, 6.0, 0.93), (10.0, 12.56, 0.81), (14.0, 15.28, 0.75)])
    client.force_login(annotators[0])
    task = next_task(client, project, action_class).json()["task"]
    # a accepted as is, b accepted then its end moved, c dismissed; an unknown id and a contradiction are dropped
    body = {
        "segments": [[2.0, 6.0], [10.0, 13.0]],
        "seconds_spent": 31.5,
        "suggestions": {"accepted": [a.pk, b.pk, 999999], "adjusted": [b.pk, c.pk], "dismissed": [c.pk, a.pk]},
    }
    assert submit(client, task, body).json() == {"stored": 2, "already_submitted": False}
    annotation = SegmentAnnotation.objects.get(uid=task)
    assert list(annotation.segments.values_list("start", "end")) == [(2.0, 6.0), (10.0, 13.0)]
    assert (annotation.suggestions_accepted, annotation.suggestions_adjusted, annotation.suggestions_dismissed) == (
        2,
        1,
        1,
    )
    assert annotation.suggestion_decisions == {"accepted": [a.pk, b.pk], "adjusted": [b.pk], "dismissed": [c.pk]}
    assert annotation.seconds_spent == 31.5
    assert Segment.objects.count() == 2  # the proposals themselves are no annotation, only rows of their own
    assert SegmentProposal.objects.filter(segment_video=video).count() == 3


def test_suggestions_alone_are_no_annotation(client, annotators, project, action_class, video):
    (a,) = with_proposals(video, [(2.0, 6.0, 0.93)])
    client.force_login(annotators[0])
    task = next_task(client, project, action_class).json()["task"]
    res = submit(client, task, {"segments": [], "seconds_spent": 3, "suggestions": {"dismissed": [a.pk]}})
    assert res.status_code == 400 and not Segment.objects.exists()


def test_decisions_on_suggestions_that_were_never_shown_are_not_recorded(annotators, project, action_class, video):
    (a,) = with_proposals(video, [(2.0, 6.0, 0.93)])
    SegmentSettings.objects.create(project=project, suggestions=False)
    task = services.segment_task_next(annotator=annotators[0], project=project, action_class=action_class)
    services.segment_task_submit(
        annotator=annotators[0],
        task_uid=task.uid,
        segments=[[2.0, 6.0]],
        seconds_spent=9,
        suggestions={"accepted": [a.pk]},
    )
    task.refresh_from_db()
    assert (task.suggestions_shown, task.suggestions_accepted) == (False, 0)


def test_the_draft_keeps_the_suggestion_decisions(client, annotators, project, action_class, video):
    with_proposals(video, [(2.0, 6.0, 0.93)])
    client.force_login(annotators[0])
    task = next_task(client, project, action_class).json()["task"]
    draft = {"segments": [[2.0, 6.0]], "seconds_spent": 4, "suggestions": {"origins": [1], "dismissed": [7]}}
    assert client.put(f"/api/segment-tasks/{task}/draft/", draft, content_type="application/json").status_code == 200
    assert next_task(client, project, action_class).json()["draft"]["suggestions"] == {"origins": [1], "dismissed": [7]}


# --- the learned head --------------------------------------------------------------------------------------------


def npz(times, probabilities) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, times=np.asarray(times, dtype=float), probabilities=np.asarray(probabilities, dtype=float))
    return buf.getvalue()


@pytest.fixture
def annotated(project, action_class):
    """12 annotated 60-s videos whose stored class probabilities are noisy (0.6–1 in the action, 0–0.3 outside),
    scored by the current classifiers; a head is trained from them."""
    names = [action_class.name, "background"]
    youtube, web = (
        ClassifierModel.objects.create(kind=k, version=1, file=f"models/{k}.pt", val_accuracy=0.9, class_names=names)
        for k in ("youtube", "web")
    )
    rng = np.random.default_rng(3)
    times = np.arange(0.25, 60.0, 0.5)
    videos = []
    for _ in range(12):
        start = rng.uniform(2, 30)
        spans = [(round(start, 3), round(start + rng.uniform(5, 20), 3))]
        inside = (times >= spans[0][0]) & (times < spans[0][1])
        probs = np.where(inside, rng.uniform(0.6, 1.0, len(times)), rng.uniform(0.0, 0.3, len(times)))
        video = SegmentVideoFactory(
            video__project=project, video__query_class=action_class, video__duration=60.0, media_duration=60.0
        )
        SegmentProposalRun.objects.create(
            segment_video=video,
            state="ready",
            method="mean_probability",
            scores=npz(times, probs),
            youtube_model=youtube,
            web_model=web,
        )
        final = SegmentAnnotationFactory(segment_video=video, segments=spans)
        video.final = final
        video.save(update_fields=["final"])
        videos.append((video, spans))
    return videos


def test_a_head_is_trained_only_with_enough_segments_and_used_only_if_it_wins_on_held_out_videos(
    project, annotated, monkeypatch
):
    SegmentSettings.objects.create(project=project, proposal_head_min_segments=13)
    assert proposal_head.proposal_head_train(project=project) is None  # 12 segments < 13
    SegmentSettings.objects.filter(project=project).update(proposal_head_min_segments=12)
    head = proposal_head.proposal_head_train(project=project)
    assert (head.version, head.videos, head.segments, head.holdout_videos) == (1, 12, 12, 3)  # every 4th held out
    assert head.holdout_auc_head > head.holdout_auc_mean and head.active

    # the proposals are re-ranked by the head from the stored scores: the proxy is never decoded (there is none)
    def no_decoding(**kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(proposals.scnn, "sample_class_probabilities", no_decoding)
    video, spans = annotated[0]
    run = proposals.segment_proposals_make(segment_video_id=video.pk)
    assert (run.state, run.method, run.head, run.threshold) == ("ready", "proposal_head", head, 0.5)
    best = SegmentProposal.objects.filter(segment_video=video).order_by("rank").first()
    overlap = min(best.end, spans[0][1]) - max(best.start, spans[0][0])
    assert overlap / (max(best.end, spans[0][1]) - min(best.start, spans[0][0])) >= 0.5  # tIoU of the top one


def test_propose_segments_trains_the_head_and_reranks_every_video(project, annotated):
    SegmentSettings.objects.create(project=project, proposal_head_min_segments=10)
    out = StringIO()
    call_command(
        "propose_segments",
        "--project",
        project.name,
        "--train-head",
        "--head-subset",
        "training",
        stdout=out,
        stderr=StringIO(),
    )
    text = out.getvalue()
    assert "proposal head v1 from 12 segments of 12 videos" in text and ": in use" in text
    assert "proposals: ready 12;" in text
    assert set(SegmentProposalRun.objects.values_list("method", flat=True)) == {"proposal_head"}
    # no validation videos are annotated: a head for that subset has nothing to learn from
    out = StringIO()
    call_command(
        "propose_segments",
        "--project",
        project.name,
        "--train-head",
        "--head-subset",
        "validation",
        stdout=out,
        stderr=StringIO(),
    )
    assert "too few annotated segments" in out.getvalue()


def test_a_head_that_loses_on_held_out_videos_is_kept_but_not_used(project, annotated, monkeypatch):
    SegmentSettings.objects.create(project=project, proposal_head_min_segments=1)
    # the held-out comparison scores the head first, then the mean probability: say the head lost
    verdicts = iter([40.0, 60.0])
    monkeypatch.setattr(proposals.head_compute, "proposals_auc", lambda **kwargs: next(verdicts))
    head = proposal_head.proposal_head_train(project=project)
    assert (head.holdout_auc_head, head.holdout_auc_mean, head.active) == (40.0, 60.0, False)
    assert proposals.current_head(project=project) is None
    assert SegmentProposalHead.objects.count() == 1


def test_a_head_is_queued_when_a_submitted_video_brings_the_annotated_segments_to_the_minimum(
    annotators, project, action_class, monkeypatch, django_capture_on_commit_callbacks
):
    from backend.segments import tasks

    SegmentSettings.objects.create(project=project, proposal_head_min_segments=3)
    published = []
    monkeypatch.setattr(tasks.segment_proposal_head_task, "delay", lambda pk: published.append(pk))
    for segments in ([[1.0, 2.0], [4.0, 5.0]], [[6.0, 7.0]]):
        SegmentVideoFactory(video__project=project, video__query_class=action_class)
        task = services.segment_task_next(annotator=annotators[0], project=project, action_class=action_class)
        with django_capture_on_commit_callbacks(execute=True):
            services.segment_task_submit(annotator=annotators[0], task_uid=task.uid, segments=segments, seconds_spent=5)
        # 2 segments: not yet; 3: due
        assert published == ([] if len(segments) == 2 else [project.pk])
    # once a head learnt from 3, the next one waits for a quarter more (4)
    SegmentProposalHead.objects.create(project=project, version=1, parameters={}, videos=2, segments=3)
    assert not proposal_head.proposal_head_due(project=project)


# --- evaluate_segments --proposals on the platform's own data --------------------------------------------------------


def test_evaluate_segments_scores_the_stored_proposals_and_times_with_and_without(project, action_class):
    annotator = UserFactory(username="timer")
    # video 1: its proposal is its annotated segment; video 2: the proposal misses the segment
    v1, v2 = (
        SegmentVideoFactory(video__project=project, video__query_class=action_class, video__external_id=name)
        for name in ("v1", "v2")
    )
    with_proposals(v1, [(2.0, 6.0, 0.9)])
    with_proposals(v2, [(12.0, 14.0, 0.8)])
    for video, seconds, shown in ((v1, 20.0, True), (v2, 60.0, False)):
        final = SegmentAnnotationFactory(
            segment_video=video,
            annotator=annotator,
            segments=[(2.0, 6.0)],
            seconds_spent=seconds,
            suggestions_shown=shown,
            suggestions_accepted=1 if shown else 0,
        )
        video.final = final
        video.save(update_fields=["final"])
    out = StringIO()
    call_command("evaluate_segments", "--proposals", "--project", project.name, stdout=out, stderr=StringIO())
    text = out.getvalue()
    # one of two instances recalled at every tIoU threshold from AN = 1 on: AR 50 % everywhere; the AN axis runs
    # from 1 to 100, so AUC = 100 * (0.5 * 99) / 100 = 49.5
    assert "   AR@1     50.00" in text and "  AR@100     50.00" in text and "     AUC     49.50" in text, text
    assert "state ready: 2, method mean_probability: 2" in text
    assert "    with suggestions       1      20.0      20.0       1.0       0.0        0.0" in text
    assert " without suggestions       1      60.0      60.0       0.0       0.0        0.0" in text


def test_evaluate_segments_without_files_needs_proposals():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--proposals"):
        call_command("evaluate_segments", stdout=StringIO(), stderr=StringIO())
