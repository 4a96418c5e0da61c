"""HAA500's human-centric score ("detectable joints") with MediaPipe's shipped BlazePose, on real photos.

Photos (nothing is downloaded or committed):
- full-body people: OpenCV's sample photos as Debian's ``opencv-doc`` package ships them
  (``/usr/share/doc/opencv-doc/examples/data``): ``messi5.jpg`` (a footballer, head to boots, mid-kick) and
  ``basketball1.png`` / ``basketball2.png`` (two men passing a ball indoors; the left one whole, head to shoes);
- an upper body: scikit-image's ``astronaut`` (head to waist);
- face close-ups: the faces of scikit-image's astronaut and of matplotlib's Grace Hopper portrait, cropped to
  the head (a close-up is exactly that crop of a real photo);
- no person: scikit-image's ``coffee`` and ``rocket``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from workers.detection.blaze import Candidate, Region, crop_region
from workers.human_centric import (
    COCO_JOINTS,
    JOINT_SCORE_THRESHOLD,
    HumanCentricScorer,
    _crop_to_frame,
    detectable_share,
    largest_candidate,
)

OPENCV_SAMPLES = Path("/usr/share/doc/opencv-doc/examples/data")


def rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[..., :3].astype(np.uint8))


def opencv_sample(name: str) -> np.ndarray:
    from skimage.io import imread

    path = OPENCV_SAMPLES / name
    if not path.exists():
        pytest.fail(f"{path} is missing: install Debian's opencv-doc (apt-get install opencv-doc), which ships it")
    return rgb(imread(path))


def grace_hopper() -> np.ndarray:
    from matplotlib import cbook
    from skimage.io import imread

    return rgb(imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))


def astronaut() -> np.ndarray:
    from skimage import data

    return rgb(data.astronaut())


# Head-only crops (y0:y1, x0:x1), chosen by looking at the photos: hair to chin, ear to ear, little collar.
def astronaut_face() -> np.ndarray:
    return astronaut()[20:230, 120:300]


def grace_hopper_face() -> np.ndarray:
    return grace_hopper()[60:380, 140:420]


# --- the rule, without the model ------------------------------------------------------------------------------


def test_joints_are_the_17_coco_keypoints_and_the_threshold_is_haa500s():
    assert len(COCO_JOINTS) == 17
    assert len(set(COCO_JOINTS.values())) == 17 and max(COCO_JOINTS.values()) < 33
    assert JOINT_SCORE_THRESHOLD == 0.5


def test_a_joint_counts_when_scored_above_half_and_inside_the_frame():
    scores = np.array([0.9, 0.51, 0.5, 0.2, 0.99])
    inside = np.array([True, True, True, True, False])
    # 0.9 and 0.51 count; 0.5 is not above 0.5; 0.2 is low; 0.99 lies outside the frame → 2 of 5
    assert detectable_share(scores=scores, inside=inside) == pytest.approx(2 / 5)
    with pytest.raises(ValueError, match="shape"):
        detectable_share(scores=scores, inside=inside[:3])


def test_the_largest_person_is_the_one_with_the_largest_body_region():
    def candidate(score: float) -> Candidate:
        return Candidate("pose", score, (0, 0, 1, 1), np.zeros((4, 2)))

    candidates = [candidate(0.9), candidate(0.6), candidate(0.7)]
    regions = [Region(0, 0, 100, 0), Region(0, 0, 300, 0), Region(0, 0, 300, 0)]
    # sides 100, 300, 300: the two large ones tie on size, the better-scored of them wins
    assert largest_candidate(candidates, regions=regions) == 2
    assert largest_candidate([], regions=[]) is None


def test_landmarks_map_back_from_the_rotated_crop_to_the_frame():
    # given a frame with one bright pixel, and a rotated region around it
    frame = np.zeros((300, 400, 3), np.uint8)
    frame[120, 250] = 255
    region = Region(center_x=230.0, center_y=140.0, side=128.0, rotation=math.radians(30))
    # when the region is cropped to 256 × 256 as the landmark model sees it, and the brightest crop pixel mapped back
    crop = crop_region(frame, region, 256).max(axis=2)
    v, u = np.unravel_index(np.argmax(crop), crop.shape)
    back = _crop_to_frame(np.array([[u + 0.5, v + 0.5]], np.float64), region)
    # then it lands on the bright pixel (pixel centres: within a pixel)
    assert back[0] == pytest.approx([250.5, 120.5], abs=1.0)


# --- the real model on real photos ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scorer():
    with HumanCentricScorer() as built:
        yield built


@pytest.mark.slow
@pytest.mark.parametrize("photo", ["messi5.jpg", "basketball1.png"])
def test_a_full_body_person_scores_high(scorer, photo):
    assert scorer.frame_score(opencv_sample(photo)) >= 0.9


@pytest.mark.slow
@pytest.mark.parametrize("face", [astronaut_face, grace_hopper_face])
def test_a_face_close_up_scores_low(scorer, face):
    # the face's 5 keypoints (nose, eyes, ears) are at most 5 / 17 = 0.29; shoulders at the crop's edge may add a few
    assert scorer.frame_score(face()) <= 0.4


@pytest.mark.slow
def test_more_of_the_body_in_view_scores_higher(scorer):
    full_body = scorer.frame_score(opencv_sample("messi5.jpg"))
    upper_body = scorer.frame_score(astronaut())
    face = scorer.frame_score(astronaut_face())
    assert full_body > upper_body > face


@pytest.mark.slow
def test_the_largest_person_is_scored(scorer):
    # basketball2.png: the man on the left is whole and far; the man on the right is near, large, seen from behind
    # and cut off by the frame's right and bottom edges
    frame = opencv_sample("basketball2.png")
    pose = scorer.largest_person(frame)
    assert pose is not None
    assert pose.region.center_x > frame.shape[1] / 2  # the near man on the right
    # his legs are out of the frame: fewer joints than the whole man on the left in basketball1.png
    assert scorer.frame_score(frame) < scorer.frame_score(opencv_sample("basketball1.png"))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["coffee", "rocket"])
def test_a_photo_without_people_scores_zero(scorer, name):
    from skimage import data

    assert scorer.largest_person(rgb(getattr(data, name)())) is None
    assert scorer.frame_score(rgb(getattr(data, name)())) == 0.0


@pytest.mark.slow
def test_a_clip_scores_the_mean_of_its_frames(scorer):
    full_body, face = opencv_sample("messi5.jpg"), grace_hopper_face()
    expected = (scorer.frame_score(full_body) + scorer.frame_score(face)) / 2
    assert scorer.clip_score([full_body, face]) == pytest.approx(expected)
    with pytest.raises(ValueError, match="at least one frame"):
        scorer.clip_score([])


def test_frames_must_be_rgb_uint8():
    from workers.human_centric import _check_frame

    with pytest.raises(ValueError, match="uint8"):
        _check_frame(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="H×W×3"):
        _check_frame(np.zeros((8, 8), np.uint8))
