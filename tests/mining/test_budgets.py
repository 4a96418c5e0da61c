"""Issue 12 item 4: one per-video clip budget for every strategy, the same number of candidate frames from every
shot, the nearest analysis frame, and sampled clips that never cross a shot cut."""

import io

import numpy as np
import pytest

from backend.catalog.models import ActionClass, Video
from backend.mining.models import Shot, Stage, VideoMining
from backend.mining.services import class_names, stage_run
from tests.factories import VideoFactory
from workers.mining import CUT_LATENESS, AnalysisFrames, CandidatePlacement, candidate_times, sampling_span
from workers.shots import Shot as ShotSpan

pytestmark = pytest.mark.django_db

SHOT_SECONDS = 5.0
SHOTS = 6


def scored_video(project) -> Video:
    """A "Long jump" video at the scores stage: SHOTS person shots of 5 s, one scored central frame each.

    Every frame is a plausible positive (consensus > τ) on which the two classifiers disagree a little, so every
    strategy has frames to draw and QBC's τ filter keeps them all. The classifiers' label list is today's."""
    rng = np.random.default_rng(7)
    names = class_names()
    column = names.index("Long jump")
    video = VideoFactory(
        project=project,
        duration=SHOTS * SHOT_SECONDS,
        subset=Video.Subset.TRAINING,
        query_class=ActionClass.objects.get(name="Long jump"),
    )
    VideoMining.objects.create(video=video, stage=Stage.SCORES)
    for index in range(SHOTS):
        p_y, p_g = rng.dirichlet(np.ones(len(names)), size=1), rng.dirichlet(np.ones(len(names)), size=1)
        p_y[0, column] += 1.0
        p_g[0, column] += 1.0
        buf = io.BytesIO()
        np.savez(
            buf,
            times=np.array([(index + 0.5) * SHOT_SECONDS]),
            p_youtube=p_y / p_y.sum(),
            p_google=p_g / p_g.sum(),
            features=rng.uniform(0.1, 1.0, size=(1, 8)),
            class_index=np.asarray(column),
        )
        Shot.objects.create(
            video=video,
            index=index,
            start=index * SHOT_SECONDS,
            end=(index + 1) * SHOT_SECONDS,
            person_score=0.9,
            candidates=buf.getvalue(),
        )
    return video


@pytest.mark.parametrize("budget", [3, 5])
def test_every_strategy_gives_a_video_the_projects_clip_budget(mining_project, budget):
    # given a project asking for `budget` clips per video, and a video with more candidate shots than that
    mining_project.clips_per_video = budget
    counts = {}
    for strategy in ["random", "max_entropy", "max_consensus", "qbc"]:
        mining_project.sampling_training = strategy
        mining_project.save()
        video = scored_video(mining_project)
        # when it is sampled
        assert stage_run(video_id=video.pk) == Stage.SAMPLE
        assert VideoMining.objects.get(video=video).strategy == strategy
        counts[strategy] = video.clips.count()
    # then every strategy gives it the same number of clips: the budget (QBC's easy positive is one of them)
    assert counts == dict.fromkeys(counts, budget)


@pytest.mark.parametrize("placement", list(CandidatePlacement))
@pytest.mark.parametrize("per_shot", [1, 3])
def test_a_long_and_a_short_shot_get_the_same_number_of_candidates(placement, per_shot):
    long, short = ShotSpan(index=0, start=0.0, end=60.0), ShotSpan(index=1, start=60.0, end=62.5)

    long_times = candidate_times(shot=long, placement=placement, per_shot=per_shot, seed=[1, 0])
    short_times = candidate_times(shot=short, placement=placement, per_shot=per_shot, seed=[1, 1])

    assert len(long_times) == len(short_times) == per_shot
    assert all(0.0 <= t <= 60.0 for t in long_times) and all(60.0 <= t <= 62.5 for t in short_times)
    if placement is CandidatePlacement.CENTRAL and per_shot == 1:  # HACS: the shot's central frame
        assert (long_times, short_times) == ([30.0], [61.25])


def test_the_random_candidate_of_a_shot_is_fixed_by_its_seed_and_differs_between_shots():
    shot = ShotSpan(index=0, start=0.0, end=60.0)
    first = candidate_times(shot=shot, placement=CandidatePlacement.RANDOM, seed=[5, 0])
    assert candidate_times(shot=shot, placement=CandidatePlacement.RANDOM, seed=[5, 0]) == first
    assert candidate_times(shot=shot, placement=CandidatePlacement.RANDOM, seed=[5, 1]) != first


@pytest.mark.parametrize(
    ("t", "expected"), [(-1.0, 0), (0.0, 0), (0.2, 0), (0.3, 1), (0.6, 1), (0.9, 2), (1.0, 2), (7.0, 2)]
)
def test_nearest_is_the_closest_analysis_frame(t, expected):
    frames = AnalysisFrames(frames=np.zeros((3, 1, 1, 3), np.uint8), times=np.array([0.0, 0.5, 1.0]))
    assert frames.nearest(t) == expected


def test_no_sampled_clip_crosses_a_cut_even_one_detected_late(mining_project, cut_video, mine_as_people, settings):
    """Hard cuts at 3.04 s and 5.08 s: the 10-fps shot detection finds them at 3.1 s and 5.1 s (late, by up to
    0.1 s). The middle shot is 2.04 s long but detected as 3.1–5.1, where a 2-s clip would cross the true cut."""
    settings.MINING_CANDIDATES_PER_SHOT = 3
    mining_project.clips_per_video = 10  # more than the candidates: every placeable one becomes a clip
    mining_project.save()
    path = cut_video([("testsrc", 3.04), ("smptebars", 2.04), ("testsrc2", 3.0)])
    true_shots = [(0.0, 3.04), (3.04, 5.08), (5.08, 8.08)]

    video = mine_as_people(path)

    # the cuts bounding the shots clips come from are refined to their exact frame (25 fps: 3.04 s and 5.08 s)
    shots = list(Shot.objects.filter(video=video))
    assert [(s.start, s.end) for s in shots] == [
        (0.0, pytest.approx(3.04)),
        (pytest.approx(3.04), pytest.approx(5.08)),
        (pytest.approx(5.08), pytest.approx(8.08, abs=0.05)),
    ]
    # the same number of candidate frames from the long and the short shots (the setting: 3 per shot)
    assert [len(np.load(io.BytesIO(bytes(s.candidates)))["times"]) for s in shots] == [3, 3, 3]
    clips = list(video.clips.all())
    for clip in clips:
        assert clip.end - clip.start == pytest.approx(2.0)
        assert any(a - 1e-6 <= clip.start and clip.end <= b + 1e-6 for a, b in true_shots), (clip.start, clip.end)
    # every shot holds a clip; the 2.04-s one just one (a second would overlap the first)
    assert [sum(a - 1e-6 <= c.start and c.end <= b + 1e-6 for c in clips) for a, b in true_shots] == [1, 1, 1]


def test_a_shot_whose_cut_was_not_refined_keeps_clear_of_it():
    """Shots scored before cuts were refined: a shot's end at a cut may hold CUT_LATENESS of the next shot."""
    assert sampling_span(ShotSpan(index=0, start=0.0, end=3.1), duration=8.08) == ShotSpan(0, 0.0, 3.1 - CUT_LATENESS)
    assert sampling_span(ShotSpan(index=2, start=5.1, end=8.08), duration=8.08) == ShotSpan(2, 5.1, 8.08)  # video end
