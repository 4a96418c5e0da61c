"""Clip sampling: HACS §3.3.2 strategies and SLAC §3.6 query-by-committee, with hand-computed scores."""

import math

import numpy as np
import pytest

from workers.sampling import (
    CLIP_SECONDS,
    CONSENSUS_TAU,
    EASY_POSITIVE,
    QBC_MAX_SAMPLES,
    CandidateFrames,
    Strategy,
    entropy,
    frame_scores,
    kl_divergence,
    mean_cosine_to_others,
    place_clip,
    sample_clips,
)
from workers.shots import Shot

LN2 = math.log(2)


def frames(times, shots, p_youtube, p_google, features=None) -> CandidateFrames:
    times = np.asarray(times, dtype=float)
    if features is None:
        features = np.ones((len(times), 4))
    return CandidateFrames.from_shots(
        times=times,
        shots=[Shot(i, start, end) for i, (start, end) in enumerate(shots)],
        p_youtube=np.asarray(p_youtube, dtype=float),
        p_google=np.asarray(p_google, dtype=float),
        features=np.asarray(features, dtype=float),
    )


def random_video(count=40, classes=201, seed=0, shots=((0.0, 12.0), (12.0, 13.5), (13.5, 30.0), (30.0, 40.0))):
    """``count`` frames over 40 s with random (peaky) predictions; shot 1 is only 1.5 s long."""
    rng = np.random.default_rng(seed)
    times = (np.arange(count) + 0.5) * 40.0 / count
    return frames(
        times,
        shots,
        rng.dirichlet(np.full(classes, 0.05), count),
        rng.dirichlet(np.full(classes, 0.05), count),
        rng.random((count, 16)),
    )


def assert_valid_clips(clips, candidates: CandidateFrames) -> None:
    for clip in clips:
        shot_start = candidates.shot_starts[clip.frame_index]
        shot_end = candidates.shot_ends[clip.frame_index]
        assert clip.end - clip.start == pytest.approx(CLIP_SECONDS)
        assert shot_start - 1e-9 <= clip.start and clip.end <= shot_end + 1e-9  # inside its shot
        assert clip.start - 1e-9 <= clip.center <= clip.end + 1e-9  # still shows its frame
    for before, after in zip(clips, clips[1:], strict=False):
        assert before.end <= after.start + 1e-9  # sorted and not overlapping


# --- scores -----------------------------------------------------------------------------------------------------

# Three frames, three classes, query class c = 0:
#   A: P_Y = [.5, .25, .25], P_G = [.25, .5, .25]; feature [1, 0]
#   B: P_Y = P_G = [1/3, 1/3, 1/3];                feature [0, 1]
#   C: P_Y = [1, 0, 0], P_G = [0, 1, 0];          feature [1, 1]
HAND = frames(
    [1.0, 5.0, 9.0],
    [(0.0, 10.0)],
    [[0.5, 0.25, 0.25], [1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]],
    [[0.25, 0.5, 0.25], [1 / 3, 1 / 3, 1 / 3], [0.0, 1.0, 0.0]],
    [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
)


def test_entropy_in_nats_by_hand():
    # H([.5, .25, .25]) = .5 ln 2 + 2 · .25 ln 4 = 1.5 ln 2 = 1.039721; uniform over 3: ln 3; one-hot: 0
    np.testing.assert_allclose(entropy(HAND.p_youtube), [1.5 * LN2, math.log(3), 0.0], atol=1e-12)
    # Max-Entropy averages both classifiers: A (1.5 ln 2 + 1.5 ln 2) / 2 = 1.5 ln 2
    np.testing.assert_allclose(frame_scores(candidates=HAND, class_index=0)["entropy"], [1.5 * LN2, math.log(3), 0])


def test_kl_by_hand_and_clipped():
    # A: .5 ln(.5/.25) + .25 ln(.25/.5) + .25 ln 1 = .5 ln 2 − .25 ln 2 = .25 ln 2 = 0.173287
    # B: identical distributions, 0
    # C: disjoint supports would be infinite; clipped at ε = 1e-8 and renormalised by (1 + 2ε):
    #    KL = (1/(1+2ε)) ln(1/ε) + (ε/(1+2ε)) ln ε = (1 − ε)/(1 + 2ε) · ln 1e8 = 18.420681 − 5.5e-7
    eps = 1e-8
    expected = [0.25 * LN2, 0.0, (1 - eps) / (1 + 2 * eps) * math.log(1 / eps)]

    np.testing.assert_allclose(kl_divergence(HAND.p_youtube, HAND.p_google), expected, rtol=1e-9, atol=1e-12)


def test_cosine_term_by_hand():
    # cos(A,B) = 0, cos(A,C) = cos(B,C) = 1/√2 = 0.707107
    # A: (0 + 0.707107) / 2 = 0.353553; B: the same; C: (0.707107 + 0.707107) / 2 = 0.707107
    half = 1 / math.sqrt(2)

    np.testing.assert_allclose(mean_cosine_to_others(HAND.features), [half / 2, half / 2, half])
    assert mean_cosine_to_others(np.array([[3.0, 4.0]])).tolist() == [1.0]  # a lone frame is representative


def test_qbc_score_by_hand():
    scores = frame_scores(candidates=HAND, class_index=0)

    # consensus = P_Y,0 + P_G,0: A .5 + .25 = .75; B 1/3 + 1/3 = 2/3; C 1 + 0 = 1
    np.testing.assert_allclose(scores["consensus"], [0.75, 2 / 3, 1.0])
    np.testing.assert_allclose(scores["p_y_c"], [0.5, 1 / 3, 1.0])
    np.testing.assert_allclose(scores["p_g_c"], [0.25, 1 / 3, 0.0])
    # R = consensus · KL · cosine
    # A: .75 · .25 ln 2 · 0.353553 = .75 · 0.173287 · 0.353553 = 0.045950
    # B: KL = 0, so 0
    # C: 1 · 18.420681 · 0.707107 = 13.025388
    np.testing.assert_allclose(scores["qbc"], [0.045950, 0.0, 13.025388], rtol=1e-5)


def test_clip_scores_are_plain_floats():
    clips = sample_clips(candidates=random_video(), class_index=3, strategy="qbc", seed=1)

    assert clips
    for clip in clips:
        assert set(clip.scores) == {"p_y_c", "p_g_c", "consensus", "entropy", "kl", "cosine", "qbc"}
        assert all(type(value) is float for value in clip.scores.values())


# --- QBC rules --------------------------------------------------------------------------------------------------


def test_qbc_keeps_at_most_eight_plus_one_easy_positive():
    candidates = random_video(count=200)

    for seed in range(5):
        clips = sample_clips(candidates=candidates, class_index=7, strategy=Strategy.QBC, seed=seed, tau=0.0)

        methods = [clip.method for clip in clips]
        assert methods.count("qbc") <= QBC_MAX_SAMPLES
        assert methods.count(EASY_POSITIVE) == 1
        assert_valid_clips(clips, candidates)


def test_tau_drops_frames_at_chance_level():
    # 201 classes, class c = 0, two frames in separate long shots:
    #   frame 0: P_Y uniform; P_G gives c its chance share 1/201 and the rest to class 5. consensus = 2/201
    #            = 0.00995 ≤ τ = 0.01 (chance level), but KL(P_Y ‖ P_G) ≈ (199/201)(ln 1e8 − ln 201) ≈ 13, so it
    #            has by far the largest QBC score: the τ filter, not the draw, must drop it
    #   frame 1: P_Y,0 = P_G,0 = 0.5 (consensus 1.0) with a slight disagreement elsewhere (KL ≈ 4.4e-4)
    uniform = np.full(201, 1 / 201)
    elsewhere = np.zeros(201)
    elsewhere[[0, 5]] = [1 / 201, 200 / 201]
    half = np.full(201, 0.5 / 200)
    half[0] = 0.5
    nearly_half = half.copy()
    nearly_half[[1, 2]] += [0.001, -0.001]
    candidates = frames([5.0, 15.0], [(0.0, 10.0), (10.0, 20.0)], [uniform, half], [elsewhere, nearly_half])
    scores = frame_scores(candidates=candidates, class_index=0)
    assert scores["consensus"][0] == pytest.approx(2 / 201) and 2 / 201 <= CONSENSUS_TAU
    assert scores["qbc"][0] > 100 * scores["qbc"][1]

    clips = sample_clips(candidates=candidates, class_index=0, strategy="qbc", seed=0)

    # both frames are drawn (two non-zero weights, budget 8); frame 0 fails τ; frame 1 is kept as a QBC clip,
    # and no easy positive is left: frame 1 is taken and frame 0 is below τ
    assert [(clip.frame_index, clip.method) for clip in clips] == [(1, "qbc")]


def test_easy_positive_is_the_highest_consensus_frame_even_when_the_committee_agrees():
    # frame 0 disagrees a little (drawn by QBC); frame 2 is a confident agreed positive: KL = 0, so QBC weight 0
    candidates = frames(
        [5.0, 15.0, 25.0],
        [(0.0, 10.0), (10.0, 20.0), (20.0, 30.0)],
        [[0.5, 0.5], [0.1, 0.9], [0.95, 0.05]],
        [[0.3, 0.7], [0.1, 0.9], [0.95, 0.05]],
    )

    clips = sample_clips(candidates=candidates, class_index=0, strategy="qbc", seed=0)

    assert [(clip.frame_index, clip.method) for clip in clips] == [(0, "qbc"), (2, EASY_POSITIVE)]


def test_draws_follow_the_l1_normalised_scores():
    # c = 0: consensus 0.2 (frame 0) vs 0.6 (frame 1); the two frames also disagree by different amounts
    candidates = frames(
        [5.0, 15.0],
        [(0.0, 10.0), (10.0, 20.0)],
        [[0.1, 0.5, 0.4], [0.3, 0.5, 0.2]],
        [[0.1, 0.4, 0.5], [0.3, 0.2, 0.5]],
    )
    qbc = frame_scores(candidates=candidates, class_index=0)["qbc"]
    rng = np.random.default_rng(0)

    def share_of_frame_1(strategy: str) -> float:
        picks = []
        for _ in range(2000):
            clips = sample_clips(candidates=candidates, class_index=0, strategy=strategy, seed=rng, num_samples=1)
            picks += [clip.frame_index for clip in clips if clip.method == strategy]
        return float(np.mean(picks))

    # Max-Consensus: 0.6 / (0.2 + 0.6) = 0.75
    assert share_of_frame_1("max_consensus") == pytest.approx(0.75, abs=0.03)
    # QBC: R(1) / (R(0) + R(1))
    assert share_of_frame_1("qbc") == pytest.approx(qbc[1] / qbc.sum(), abs=0.03)


# --- clip placement ---------------------------------------------------------------------------------------------


def test_clip_is_centred_when_it_fits():
    assert place_clip(time=5.0, shot_start=0.0, shot_end=10.0, taken=[]) == (4.0, 6.0)


def test_clip_near_a_cut_is_moved_into_its_shot_not_cut():
    assert place_clip(time=0.3, shot_start=0.0, shot_end=10.0, taken=[]) == (0.0, 2.0)
    assert place_clip(time=9.5, shot_start=0.0, shot_end=10.0, taken=[]) == (8.0, 10.0)


def test_shot_shorter_than_a_clip_gives_no_clip():
    assert place_clip(time=1.0, shot_start=0.5, shot_end=2.0, taken=[]) is None


def test_overlapping_clip_is_shifted_when_it_still_shows_its_frame():
    # centred would be [4, 6], overlapping [5.5, 7.5]; the nearest free start that still contains t = 5 is 3.5
    assert place_clip(time=5.0, shot_start=0.0, shot_end=10.0, taken=[(5.5, 7.5)]) == (3.5, 5.5)


def test_overlapping_clip_is_dropped_when_no_shift_keeps_its_frame():
    # [4.5, 6.5] covers t = 5; any clip containing 5 overlaps it
    assert place_clip(time=5.0, shot_start=0.0, shot_end=10.0, taken=[(4.5, 6.5)]) is None


def test_frames_in_too_short_shots_never_yield_clips():
    candidates = random_video()  # shot [12, 13.5) is 1.5 s

    for strategy in Strategy:
        for seed in range(10):
            clips = sample_clips(candidates=candidates, class_index=2, strategy=strategy, seed=seed, num_samples=8)
            assert all(not 12.0 <= clip.center < 13.5 for clip in clips)
            assert_valid_clips(clips, candidates)


def test_a_video_made_only_of_short_shots_yields_nothing():
    candidates = frames([0.5, 1.5], [(0.0, 1.0), (1.0, 2.5)], [[0.5, 0.5]] * 2, [[0.9, 0.1]] * 2)

    for strategy in Strategy:
        assert sample_clips(candidates=candidates, class_index=0, strategy=strategy, seed=0) == []


def test_sampled_clips_never_overlap_even_with_dense_frames():
    candidates = random_video(count=400, shots=((0.0, 40.0),))

    for strategy in Strategy:
        clips = sample_clips(candidates=candidates, class_index=1, strategy=strategy, seed=3, num_samples=15)
        assert_valid_clips(clips, candidates)


# --- union and determinism ----------------------------------------------------------------------------------------


def test_union_tags_each_frame_with_the_method_that_picked_it():
    candidates = random_video(count=120)

    clips = sample_clips(candidates=candidates, class_index=4, strategy=Strategy.UNION, seed=5, num_samples=3)

    assert {clip.method for clip in clips} <= {"random", "max_entropy", "max_consensus"}
    assert len({clip.frame_index for clip in clips}) == len(clips)
    assert 1 <= len(clips) <= 9
    assert_valid_clips(clips, candidates)


def test_union_merges_a_frame_picked_by_every_method_into_one_clip():
    # only frame 1 sits in a shot long enough for a clip, so all three methods draw it
    candidates = frames(
        [0.5, 5.0, 11.0],
        [(0.0, 1.0), (1.0, 10.0), (10.0, 11.5)],
        [[0.6, 0.4]] * 3,
        [[0.5, 0.5]] * 3,
    )

    clips = sample_clips(candidates=candidates, class_index=0, strategy="union", seed=0)

    assert [(clip.frame_index, clip.method) for clip in clips] == [(1, "random")]


def test_same_seed_same_clips_different_seeds_can_differ():
    candidates = random_video(count=80)

    for strategy in Strategy:
        first = sample_clips(candidates=candidates, class_index=9, strategy=strategy, seed=42, num_samples=3)
        again = sample_clips(candidates=candidates, class_index=9, strategy=strategy, seed=42, num_samples=3)
        assert first == again
        outcomes = set()
        for seed in range(10):
            clips = sample_clips(candidates=candidates, class_index=9, strategy=strategy, seed=seed, num_samples=3)
            outcomes.add(tuple(clip.frame_index for clip in clips))
        assert len(outcomes) > 1
