"""S-CNN proposals of a video in segment annotation (issue 6): computed after its proxy with the frame classifiers, on
the tool's time axis; none, said so, without a classifier; the task is idempotent and re-ranks without decoding."""

import numpy as np
import pytest

from backend.catalog.services import video_ingest
from backend.mining.models import ClassifierModel
from backend.segments import proposals
from backend.segments.media import segment_videos_enqueue
from backend.segments.models import SegmentProposal, SegmentProposalRun, SegmentSettings, SegmentVideo
from backend.segments.tasks import segment_proposals_make_task
from tests.segments.media import BrightnessClassifier, make_span_video, media_inline
from workers import proposals_scnn

pytestmark = pytest.mark.django_db
ACTION = (4.0, 8.0)  # seconds in which the span video is bright: "the action" for the stand-in classifier


@pytest.fixture(scope="module")
def span_video(tmp_path_factory):
    return make_span_video(tmp_path_factory.mktemp("proposals") / "span.ts", seconds=12, spans=[ACTION])


@pytest.fixture
def classifiers(action_class, monkeypatch):
    """Both frame classifiers (youtube and web) as ClassifierModel rows; their "weights" read brightness."""
    names = ["Some other action", action_class.name, "background"]
    rows = [
        ClassifierModel.objects.create(
            kind=kind, version=1, file=f"models/{kind}-v1.pt", val_accuracy=0.9, class_names=names
        )
        for kind in ("youtube", "web")
    ]
    models = {}

    def load(model):
        return models.setdefault(model.file.name, BrightnessClassifier(class_index=1, num_classes=len(names)))

    monkeypatch.setattr(proposals, "classifier_load", load)
    return rows, models


@pytest.fixture
def in_segments(project, action_class, monkeypatch, span_video, django_capture_on_commit_callbacks):
    """Send the span video to segment annotation; on commit its media and then its proposals are made in-process."""
    media_inline(monkeypatch)

    def send() -> SegmentVideo:
        video = video_ingest(project=project, path=span_video, action_class=action_class, external_id="span")
        with django_capture_on_commit_callbacks(execute=True):
            segment_videos_enqueue(project=project)
        return SegmentVideo.objects.get(video=video)

    return send


def stored(segment_video) -> list[tuple[float, float, float, int]]:
    return list(
        SegmentProposal.objects.filter(segment_video=segment_video)
        .order_by("rank")
        .values_list("start", "end", "score", "rank")
    )


def test_without_a_frame_classifier_there_are_no_proposals_and_the_run_says_why(in_segments):
    segment_video = in_segments()
    run = SegmentProposalRun.objects.get(segment_video=segment_video)
    assert run.state == SegmentProposalRun.State.NO_CLASSIFIER
    assert "classifier" in run.message and run.scores is None
    assert stored(segment_video) == []


def test_a_classifier_that_does_not_know_the_class_gives_no_proposals_either(in_segments, action_class):
    ClassifierModel.objects.create(
        kind="youtube", version=1, file="models/y.pt", val_accuracy=0.9, class_names=["Another class", "background"]
    )
    run = SegmentProposalRun.objects.get(segment_video=in_segments())
    assert run.state == SegmentProposalRun.State.NO_CLASSIFIER


def test_proposals_follow_the_media_and_sit_on_the_action_on_the_tools_time_axis(in_segments, classifiers):
    # given both frame classifiers, when the video's proxy is made, then its proposals are computed from the proxy
    segment_video = in_segments()
    run = SegmentProposalRun.objects.get(segment_video=segment_video)
    assert (run.state, run.method) == ("ready", "mean_probability")
    assert (run.youtube_model, run.web_model) == tuple(classifiers[0])
    assert run.sample_fps == proposals_scnn.SAMPLE_FPS and run.threshold == 0.7 and run.nms_tiou == 0.4
    # the classifiers saw the proxy at 2 fps: 12 s → 24 frames each
    assert [m.frames_seen for m in classifiers[1].values()] == [24, 24]
    times, probabilities = proposals.run_scores(run)
    assert times.tolist() == [k / 2 for k in range(24)]  # frame k / 2 s: the frame on screen at that time
    bright = (times >= ACTION[0]) & (times < ACTION[1])
    assert probabilities[bright].min() > 0.85 and probabilities[~bright].max() < 0.15  # the span, not shifted

    rows = stored(segment_video)
    assert rows and [r[3] for r in rows] == list(range(1, len(rows) + 1))
    assert all(score >= 0.7 for _, _, score, _ in rows)
    assert [r[2] for r in rows] == sorted((r[2] for r in rows), reverse=True)
    # Windows are frame windows at 25 fps (k / 25 s); every proposal lies mostly on the action …
    for start, end, _, _ in rows:
        assert (min(end, ACTION[1]) - max(start, ACTION[0])) >= 0.5 * (end - start), (start, end)
        assert start * 25 == pytest.approx(round(start * 25), abs=1e-6)
    # … the best one entirely ([3.84, 6.4): the earliest of the longest windows holding only bright samples)
    assert rows[0][:2] == (3.84, 6.4) and rows[0][2] == pytest.approx(probabilities[bright].mean(), abs=0.02)


def test_running_the_task_again_changes_nothing_and_new_settings_rerank_without_decoding(
    in_segments, classifiers, monkeypatch, project
):
    segment_video = in_segments()
    before = list(SegmentProposal.objects.filter(segment_video=segment_video).values_list("pk", "start", "end"))
    seen = [m.frames_seen for m in classifiers[1].values()]
    # a redelivered task: nothing changed, nothing is rewritten and no frame is looked at again
    segment_proposals_make_task(segment_video.pk)
    assert list(SegmentProposal.objects.filter(segment_video=segment_video).values_list("pk", "start", "end")) == before
    assert [m.frames_seen for m in classifiers[1].values()] == seen

    # a stricter threshold: re-ranked from the stored scores (decoding would fail here)
    def no_decoding(**kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(proposals_scnn, "sample_class_probabilities", no_decoding)
    SegmentSettings.objects.filter(project=project).update(proposal_threshold=0.95)
    run = proposals.segment_proposals_make(segment_video_id=segment_video.pk)
    assert (run.state, run.threshold, stored(segment_video)) == ("ready", 0.95, [])


def test_new_classifiers_score_the_frames_again(in_segments, classifiers, action_class):
    segment_video = in_segments()
    youtube_v2 = ClassifierModel.objects.create(
        kind="youtube",
        version=2,
        file="models/youtube-v2.pt",
        val_accuracy=0.95,
        class_names=classifiers[0][0].class_names,
    )
    run = proposals.segment_proposals_make(segment_video_id=segment_video.pk)
    assert run.youtube_model == youtube_v2
    # the new version looked at every sampled frame; the web classifier (unchanged) looked at them again with it
    assert classifiers[1][youtube_v2.file.name].frames_seen == 24
    assert classifiers[1][classifiers[0][1].file.name].frames_seen == 48


def test_a_proxy_ffmpeg_cannot_read_fails_the_run_with_a_message(in_segments, classifiers, monkeypatch):
    segment_video = in_segments()

    def broken(**kwargs):
        raise RuntimeError("ffmpeg failed on proxy.mp4 (exit 1)")

    monkeypatch.setattr(proposals_scnn, "sample_class_probabilities", broken)
    segment_proposals_make_task(segment_video.pk, True)  # force: score again
    run = SegmentProposalRun.objects.get(segment_video=segment_video)
    assert run.state == "failed" and "ffmpeg" in run.message


def test_the_task_for_a_vanished_video_does_nothing():
    segment_proposals_make_task(987654)  # no exception: logged and dropped
    assert not SegmentProposalRun.objects.exists()


def test_pending_proposals_are_published_again_when_a_worker_starts(in_segments, classifiers, monkeypatch):
    from backend.segments.media import segment_media_requeue_pending
    from backend.segments.tasks import segment_proposals_make_task as task

    segment_video = in_segments()
    SegmentProposalRun.objects.filter(segment_video=segment_video).update(state="pending")
    published = []
    monkeypatch.setattr(task, "delay", lambda *args: published.append(args))
    assert segment_media_requeue_pending() == 1 and published == [(segment_video.pk,)]


def test_sampled_probabilities_are_the_mean_of_the_classifiers_at_k_over_2_seconds(span_video):
    # workers level: 2 fps over 12 s, one value per sampled frame, the mean of the predictors
    half = BrightnessClassifier(class_index=0, num_classes=2)
    times, probs = proposals_scnn.sample_class_probabilities(
        path=span_video, predictors=[half.predict_proba, lambda f: np.full((len(f), 2), 0.5)], class_index=0
    )
    assert times.tolist() == [k / 2 for k in range(24)]
    inside = (times >= 4) & (times < 8)
    assert probs[inside].min() > (0.85 + 0.5) / 2 - 0.01 and probs[~inside].max() < (0.15 + 0.5) / 2
