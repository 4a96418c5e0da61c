"""S-CNN sliding-window proposals (Shou et al., CVPR 2016 §3.1) and temporal NMS, against hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from workers.evaluation.tiou import pairwise_tiou
from workers.proposals_scnn import (
    DEFAULT_NMS_TIOU,
    DEFAULT_SCORE_THRESHOLD,
    WINDOW_LENGTHS,
    Proposal,
    scnn_proposals,
    score_windows,
    sliding_windows,
    temporal_nms,
    window_stride,
    windows_in_seconds,
)


def test_defaults_are_the_papers_and_the_issues():
    assert WINDOW_LENGTHS == (16, 32, 64, 128, 256, 512)
    assert DEFAULT_SCORE_THRESHOLD == 0.7
    assert DEFAULT_NMS_TIOU == 0.4


@pytest.mark.parametrize(("length", "stride"), [(16, 4), (32, 8), (64, 16), (128, 32), (256, 64), (512, 128)])
def test_75_percent_overlap_means_a_stride_of_a_quarter_window(length, stride):
    assert window_stride(length) == stride
    # consecutive windows share 3/4 of their frames
    first, second = sliding_windows(num_frames=2 * length, lengths=[length])[:2]
    assert first[1] - second[0] == 3 * length // 4


def test_window_counts_and_positions_on_100_frames():
    # Windows of L frames start every L/4 frames while start + L <= 100: (100 - L) // (L/4) + 1 of them.
    #   L=16, stride 4:  (100 - 16) // 4 + 1 = 21 + 1 = 22, starts 0, 4, …, 84 (84 + 16 = 100)
    #   L=32, stride 8:  (100 - 32) // 8 + 1 =  8 + 1 =  9, starts 0, 8, …, 64 (64 + 32 = 96; 72 + 32 = 104 > 100)
    #   L=64, stride 16: (100 - 64) // 16 + 1 = 2 + 1 = 3, starts 0, 16, 32
    #   L >= 128: longer than the video, none
    windows = sliding_windows(num_frames=100)
    lengths = windows[:, 1] - windows[:, 0]
    assert {int(length): int(np.sum(lengths == length)) for length in np.unique(lengths)} == {16: 22, 32: 9, 64: 3}
    assert len(windows) == 34
    assert windows[lengths == 16][[0, -1]].tolist() == [[0, 16], [84, 100]]
    assert windows[lengths == 32][[0, -1]].tolist() == [[0, 32], [64, 96]]
    assert windows[lengths == 64].tolist() == [[0, 64], [16, 80], [32, 96]]


def test_window_counts_on_512_frames():
    # (512 - L) // (L/4) + 1:  16 → 496/4 + 1 = 125;  32 → 480/8 + 1 = 61;  64 → 448/16 + 1 = 29;
    #                          128 → 384/32 + 1 = 13; 256 → 256/64 + 1 = 5;  512 → 0/128 + 1 = 1.   Total 234.
    windows = sliding_windows(num_frames=512)
    lengths = (windows[:, 1] - windows[:, 0]).tolist()
    assert [lengths.count(length) for length in WINDOW_LENGTHS] == [125, 61, 29, 13, 5, 1]
    assert len(windows) == 234
    assert windows.min() == 0 and windows.max() == 512


@pytest.mark.parametrize(
    ("num_frames", "expected"),
    [
        (0, {}),
        (15, {}),  # shorter than the shortest window: nothing
        (16, {16: 1}),
        (19, {16: 1}),  # (19 - 16) // 4 + 1 = 1: the next start, 4, would end at 20 > 19
        (20, {16: 2}),
        # (300-16)//4+1 = 72, (300-32)//8+1 = 34, (300-64)//16+1 = 15, (300-128)//32+1 = 6, (300-256)//64+1 = 1, no 512
        (300, {16: 72, 32: 34, 64: 15, 128: 6, 256: 1}),
    ],
)
def test_windows_longer_than_the_video_are_not_made(num_frames, expected):
    windows = sliding_windows(num_frames=num_frames)
    lengths = (windows[:, 1] - windows[:, 0]).tolist()
    assert {length: lengths.count(length) for length in set(lengths)} == expected
    assert np.all(windows[:, 1] <= num_frames)


def test_frames_become_seconds_at_the_videos_rate():
    # frame i covers [i/fps, (i+1)/fps): frames [4, 20) at 25 fps are [0.16, 0.80) s
    assert windows_in_seconds(np.array([[4, 20]]), fps=25).tolist() == [[0.16, 0.8]]


def test_a_window_scores_the_mean_probability_of_the_samples_inside_it():
    times = [0.1, 0.3, 0.5, 0.7]
    probabilities = [1.0, 0.5, 0.0, 0.9]
    scores = score_windows(
        windows_s=[[0.0, 0.5], [0.3, 0.7], [0.0, 1.0], [0.8, 1.0]], times=times, probabilities=probabilities
    )
    assert scores[0] == pytest.approx((1.0 + 0.5) / 2)  # 0.1, 0.3 (0.5 is the excluded end)
    assert scores[1] == pytest.approx((0.5 + 0.0) / 2)  # 0.3, 0.5 (0.7 is the excluded end)
    assert scores[2] == pytest.approx((1.0 + 0.5 + 0.0 + 0.9) / 4)
    assert np.isnan(scores[3])  # no sample inside: no score


def test_scores_do_not_depend_on_the_order_of_the_samples():
    scores = score_windows(windows_s=[[0.0, 0.5]], times=[0.3, 0.1, 0.7], probabilities=[0.5, 1.0, 0.0])
    assert scores[0] == pytest.approx(0.75)


def test_probabilities_must_be_probabilities():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        score_windows(windows_s=[[0, 1]], times=[0.5], probabilities=[1.5])
    with pytest.raises(ValueError, match="differ in length"):
        score_windows(windows_s=[[0, 1]], times=[0.5, 0.6], probabilities=[0.5])


# --- temporal NMS ------------------------------------------------------------------------------------------


def test_nms_suppresses_a_lower_scored_overlapping_window():
    # tIoU([0,10], [2,12]) = 8 / (10 + 10 - 8) = 0.667 > 0.4; [20,30] overlaps neither
    kept = temporal_nms(segments=[[0, 10], [2, 12], [20, 30]], scores=[0.9, 0.8, 0.7])
    assert kept.tolist() == [0, 2]


def test_nms_keeps_a_window_exactly_at_the_threshold():
    # tIoU([0,7], [3,10]) = 4 / (7 + 7 - 4) = 0.4: not greater than 0.4, so both stay
    assert temporal_nms(segments=[[0, 7], [3, 10]], scores=[0.9, 0.8]).tolist() == [0, 1]
    assert temporal_nms(segments=[[0, 7], [3, 10]], scores=[0.9, 0.8], tiou_threshold=0.39).tolist() == [0]


def test_nms_breaks_score_ties_by_longer_then_earlier_whatever_the_input_order():
    # equal scores and lengths, tIoU 8/12 = 0.667: the window that starts first wins
    assert temporal_nms(segments=[[0, 10], [2, 12]], scores=[0.8, 0.8]).tolist() == [0]
    assert temporal_nms(segments=[[2, 12], [0, 10]], scores=[0.8, 0.8]).tolist() == [1]
    # equal scores: the longer window wins, even when it starts later (tIoU([0,10],[1,13]) = 9/13 = 0.69)
    assert temporal_nms(segments=[[0, 10], [1, 13]], scores=[0.8, 0.8]).tolist() == [1]
    assert temporal_nms(segments=[[1, 13], [0, 10]], scores=[0.8, 0.8]).tolist() == [0]


def test_scores_equal_but_for_rounding_are_ties():
    # 0.95 as a mean of 3 and of 7 equal samples can differ in the last bits; the longer window still wins
    short_mean, long_mean = np.mean([0.95] * 3), np.mean([0.95] * 7) - 1e-15
    kept = temporal_nms(segments=[[0, 3], [0, 7]], scores=[short_mean, long_mean])
    assert kept.tolist() == [1]  # tIoU = 3/7 = 0.43 > 0.4: the 3-long window falls to the 7-long one


def test_nms_in_a_chain_a_suppressed_window_suppresses_nothing():
    # A=[0,10] 0.9, B=[4,14] 0.8, C=[8,18] 0.7
    # tIoU(A,B) = 6/14 = 0.43 > 0.4 → B suppressed by A
    # tIoU(B,C) = 6/14 = 0.43 > 0.4, but B is gone; tIoU(A,C) = 2/18 = 0.11 → C kept
    kept = temporal_nms(segments=[[0, 10], [4, 14], [8, 18]], scores=[0.9, 0.8, 0.7])
    assert kept.tolist() == [0, 2]


def test_nms_returns_the_best_first():
    kept = temporal_nms(segments=[[0, 1], [5, 6], [10, 11]], scores=[0.1, 0.3, 0.2])
    assert kept.tolist() == [1, 2, 0]
    assert temporal_nms(segments=np.zeros((0, 2)), scores=[]).tolist() == []


# --- the whole method ----------------------------------------------------------------------------------------


def test_threshold_then_nms_on_a_small_hand_computed_video():
    # 32 frames at 16 fps (2 s); windows of 16 and 32 frames:
    #   16: [0,1) [0.25,1.25) [0.5,1.5) [0.75,1.75) [1,2) s;  32: [0,2) s
    # samples at 0.125 + 0.25k (k = 0..7), four per second: 0.2 in the first second, 0.9 in the second
    times = 0.125 + 0.25 * np.arange(8)
    probabilities = [0.2] * 4 + [0.9] * 4
    # window means: 0.2, 0.375, 0.55, 0.725, 0.9 and 0.55 for [0,2)
    # ≥ 0.7: [0.75,1.75) 0.725 and [1,2) 0.9; their tIoU = 0.75 / 1.25 = 0.6 > 0.4 → only [1,2) remains
    proposals = scnn_proposals(num_frames=32, fps=16, times=times, probabilities=probabilities, lengths=(16, 32))
    assert proposals == [Proposal(1.0, 2.0, pytest.approx(0.9))]
    # with a looser NMS both survive, best first
    loose = scnn_proposals(
        num_frames=32, fps=16, times=times, probabilities=probabilities, lengths=(16, 32), nms_tiou=0.7
    )
    assert [(p.start_s, p.end_s) for p in loose] == [(1.0, 2.0), (0.75, 1.75)]
    assert loose[1].score == pytest.approx(0.725)
    # above every window's score: nothing
    assert scnn_proposals(num_frames=32, fps=16, times=times, probabilities=probabilities, score_threshold=0.95) == []


def test_a_window_scoring_exactly_the_threshold_is_kept():
    # one 16-frame window at 16 fps = [0, 1) s; samples 0.5 and 1.0 → mean 0.75 exactly
    kwargs = {"num_frames": 16, "fps": 16, "times": [0.25, 0.75], "probabilities": [0.5, 1.0]}
    assert scnn_proposals(**kwargs, score_threshold=0.75) == [Proposal(0.0, 1.0, 0.75)]
    assert scnn_proposals(**kwargs, score_threshold=0.7500001) == []


def test_windows_without_a_sampled_frame_are_never_proposed():
    # one sample at 0.1 s: only windows that start at 0 hold it, so every proposal starts at 0
    proposals = scnn_proposals(num_frames=100, fps=25, times=[0.1], probabilities=[1.0], nms_tiou=1.0)
    assert proposals and all(p.start_s == 0.0 for p in proposals)
    assert len(proposals) == 3  # the 16-, 32- and 64-frame windows at start 0


def test_an_action_in_a_long_video_is_found_with_the_default_settings():
    # 60 s at 25 fps; the class is on screen in [10, 20) s; frames sampled every 0.5 s
    times = np.arange(0.25, 60.0, 0.5)
    probabilities = np.where((times >= 10) & (times < 20), 0.95, 0.05)
    proposals = scnn_proposals(num_frames=1500, fps=25, times=times, probabilities=probabilities)
    segments = np.array([(p.start_s, p.end_s) for p in proposals])
    assert proposals
    assert all(p.score >= 0.7 for p in proposals)
    assert [p.score for p in proposals] == sorted((p.score for p in proposals), reverse=True)
    overlaps = pairwise_tiou(segments=segments, candidates=segments)
    np.fill_diagonal(overlaps, 0.0)
    assert overlaps.max() <= 0.4  # NMS left no near-duplicates
    # Every window inside the action scores 0.95; the longest that fits goes first. 256 frames = 10.24 s cannot fit
    # in 10 s; 128-frame windows (5.12 s) start every 32 frames = 1.28 s: 8.96 (too early), then 10.24.
    assert proposals[0] == Proposal(10.24, 15.36, pytest.approx(0.95))
    # proposals sit on the action: each has most of its length inside [10, 20), and together they cover it
    inside = np.minimum(segments[:, 1], 20.0) - np.maximum(segments[:, 0], 10.0)
    assert np.all(inside >= 0.5 * (segments[:, 1] - segments[:, 0]))
    covered = np.zeros(2000, dtype=bool)  # 10 ms bins of [0, 20) s
    for start, end in segments:
        covered[int(round(start * 100)) : int(round(end * 100))] = True
    assert covered[1000:2000].mean() >= 0.9
