"""A small labelled person / no-person evaluation set built from photos that installed packages ship.

SLAC §3.5 keeps a shot only if a person detector fires on it. Web video often shows people small, far away,
several at once or partly visible, so besides the three real portraits (scikit-image's astronaut and
cameraman, matplotlib's Grace Hopper) the set derives frames that stress exactly those cases, and controls
that make the same edits to photos without people (so that "something was pasted here" cannot pass for
"a person is here"). Everything is built deterministically from a fixed seed; nothing is downloaded.

Categories (``EvalFrame.category``):
- positives: ``photo``, ``small`` (a person 8–30 % of a 720p frame's height pasted into a no-person scene),
  ``crowd`` (several people in one frame), ``partial`` (cropped or occluded people);
- negatives: ``scene`` (real photos without people), ``scene_small`` (non-person objects pasted small, the
  control for ``small``), ``scene_tiled`` (mosaics of no-person photos, the control for ``crowd``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np

VIDEO_HEIGHT, VIDEO_WIDTH = 720, 1280
EVALSET_SEED = 20240917

POSITIVE_CATEGORIES = ("photo", "small", "crowd", "partial")
NEGATIVE_CATEGORIES = ("scene", "scene_small", "scene_tiled")


@dataclass(frozen=True)
class EvalFrame:
    name: str
    category: str
    has_person: bool
    image: np.ndarray  # H×W×3 uint8 RGB


# --- source photos ---------------------------------------------------------------------------------------


def _as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    elif image.dtype != np.uint8:
        image = np.clip(np.asarray(image, dtype=np.float64) * (255.0 if image.max() <= 1.0 else 1.0), 0, 255)
        image = image.astype(np.uint8)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[..., :3])


def _grace_hopper() -> np.ndarray:
    from matplotlib import cbook
    from skimage.io import imread

    return imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


@cache
def _photo(name: str) -> np.ndarray:
    import skimage.data

    loaders: dict[str, Callable[[], np.ndarray]] = {
        "grace_hopper": _grace_hopper,
        "motorcycle": lambda: skimage.data.stereo_motorcycle()[0],
        "clock": skimage.data.clock,
    }
    image = loaders[name]() if name in loaders else getattr(skimage.data, name)()
    result = _as_rgb_uint8(image)
    result.setflags(write=False)
    return result


# Crops (y0, y1, x0, x1) holding the person and little else, chosen by looking at the photos.
PERSON_CROPS: dict[str, tuple[int, int, int, int]] = {
    "astronaut": (0, 512, 0, 380),
    "camera": (30, 512, 0, 340),
    "grace_hopper": (0, 600, 110, 512),
}
# Same-sized crops of photos without a person, pasted the same way as the people (the controls).
OBJECT_CROPS: dict[str, tuple[int, int, int, int]] = {
    "chelsea": (0, 300, 60, 390),
    "coffee": (0, 400, 120, 480),
    "rocket": (0, 427, 220, 480),
    "motorcycle": (100, 500, 250, 620),
    "horse": (0, 328, 0, 400),
}
NO_PERSON_PHOTOS = (
    "coffee",
    "chelsea",
    "rocket",
    "brick",
    "grass",
    "gravel",
    "motorcycle",
    "hubble_deep_field",
    "immunohistochemistry",
    "coins",
    "moon",
    "page",
    "text",
    "horse",
    "retina",
    "clock",
    "cell",
    "logo",
)
BACKGROUNDS = ("grass", "rocket", "motorcycle", "gravel", "brick")


def _crop(name: str, box: tuple[int, int, int, int]) -> np.ndarray:
    y0, y1, x0, x1 = box
    return _photo(name)[y0:y1, x0:x1]


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    from skimage.transform import resize

    out = resize(image, (height, width), order=1, anti_aliasing=True, preserve_range=True)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _resize_to_height(image: np.ndarray, height: int) -> np.ndarray:
    width = max(1, round(image.shape[1] * height / image.shape[0]))
    return _resize(image, height, width)


def _cover(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Scale ``image`` to cover height×width, then centre-crop (a video frame made from a still)."""
    scale = max(height / image.shape[0], width / image.shape[1])
    scaled = _resize(image, max(height, round(image.shape[0] * scale)), max(width, round(image.shape[1] * scale)))
    top = (scaled.shape[0] - height) // 2
    left = (scaled.shape[1] - width) // 2
    return scaled[top : top + height, left : left + width]


@cache
def _scene_frame(name: str) -> np.ndarray:
    frame = _cover(_photo(name), VIDEO_HEIGHT, VIDEO_WIDTH)
    frame.setflags(write=False)
    return frame


def _paste(canvas: np.ndarray, patch: np.ndarray, top: int, left: int) -> None:
    canvas[top : top + patch.shape[0], left : left + patch.shape[1]] = patch


# --- derived frames --------------------------------------------------------------------------------------


def _small_frames(
    rng: np.random.Generator, sources: dict[str, tuple[int, int, int, int]], *, person: bool
) -> Iterator[EvalFrame]:
    category = "small" if person else "scene_small"
    names = list(sources)
    for turn, fraction in enumerate((0.30, 0.20, 0.13, 0.08)):
        # Three pastes per size; the controls rotate through their five objects so each appears.
        for index in range(3):
            source = names[(turn + index) % len(names)]
            box = sources[source]
            background = BACKGROUNDS[(index + round(fraction * 100)) % len(BACKGROUNDS)]
            canvas = _scene_frame(background).copy()
            patch = _resize_to_height(_crop(source, box), round(VIDEO_HEIGHT * fraction))
            top = int(rng.integers(0, VIDEO_HEIGHT - patch.shape[0]))
            left = int(rng.integers(0, VIDEO_WIDTH - patch.shape[1]))
            _paste(canvas, patch, top, left)
            yield EvalFrame(f"{category}_{source}_{round(fraction * 100)}pct_on_{background}", category, person, canvas)


def _row_of(crops: list[np.ndarray], height: int, background: str) -> np.ndarray:
    """Several crops side by side at one height on a 720p scene, evenly spread, bottoms aligned."""
    canvas = _scene_frame(background).copy()
    patches = [_resize_to_height(crop, height) for crop in crops]
    gap = (VIDEO_WIDTH - sum(p.shape[1] for p in patches)) // (len(patches) + 1)
    left = gap
    for patch in patches:
        _paste(canvas, patch, VIDEO_HEIGHT - height - 20, left)
        left += patch.shape[1] + gap
    return canvas


def _grid_of(crops: list[np.ndarray], rows: int, cols: int) -> np.ndarray:
    cell_h, cell_w = VIDEO_HEIGHT // rows, VIDEO_WIDTH // cols
    canvas = np.zeros((VIDEO_HEIGHT, VIDEO_WIDTH, 3), np.uint8)
    for i in range(rows * cols):
        _paste(canvas, _cover(crops[i % len(crops)], cell_h, cell_w), (i // cols) * cell_h, (i % cols) * cell_w)
    return canvas


def _crowd_frames(rng: np.random.Generator) -> Iterator[EvalFrame]:
    people = [_crop(name, box) for name, box in PERSON_CROPS.items()]
    yield EvalFrame("crowd_row_of_3_at_45pct", "crowd", True, _row_of(people, round(VIDEO_HEIGHT * 0.45), "grass"))
    six = [people[i % 3] for i in range(6)]
    yield EvalFrame("crowd_row_of_6_at_30pct", "crowd", True, _row_of(six, round(VIDEO_HEIGHT * 0.30), "motorcycle"))
    ten = [people[int(i)] for i in rng.integers(0, 3, size=10)]
    yield EvalFrame("crowd_row_of_10_at_18pct", "crowd", True, _row_of(ten, round(VIDEO_HEIGHT * 0.18), "rocket"))
    yield EvalFrame("crowd_grid_2x3", "crowd", True, _grid_of(people, 2, 3))
    yield EvalFrame("crowd_grid_3x4", "crowd", True, _grid_of(people, 3, 4))


def _tiled_scene_frames() -> Iterator[EvalFrame]:
    scenes = [_photo(name) for name in ("coffee", "chelsea", "rocket", "motorcycle", "coins", "clock")]
    yield EvalFrame("scene_tiled_grid_2x3", "scene_tiled", False, _grid_of(scenes, 2, 3))
    yield EvalFrame("scene_tiled_grid_3x4", "scene_tiled", False, _grid_of(scenes[::-1], 3, 4))
    objects = [_crop(name, box) for name, box in OBJECT_CROPS.items()]
    yield EvalFrame("scene_tiled_row_of_5_objects", "scene_tiled", False, _row_of(objects, 240, "grass"))


def _partial_frames() -> Iterator[EvalFrame]:
    astronaut, camera, grace = (_photo(name) for name in ("astronaut", "camera", "grace_hopper"))
    yield EvalFrame("partial_astronaut_left_half", "partial", True, astronaut[:, :150].copy())
    yield EvalFrame("partial_astronaut_head_and_shoulders", "partial", True, astronaut[:300, 60:400].copy())
    yield EvalFrame("partial_grace_face_close_up", "partial", True, grace[120:420, 150:480].copy())
    yield EvalFrame("partial_camera_cut_at_frame_edge", "partial", True, camera[:, 160:].copy())
    occluded = camera.copy()
    occluded[260:, :] = 127  # a grey wall hides the lower half of the body
    yield EvalFrame("partial_camera_lower_half_occluded", "partial", True, occluded)
    occluded = grace.copy()
    occluded[300:, :] = _cover(_photo("brick"), 300, grace.shape[1])  # a wall hides the shoulders
    yield EvalFrame("partial_grace_shoulders_occluded", "partial", True, occluded)
    yield EvalFrame("partial_astronaut_torso_without_head", "partial", True, astronaut[200:, :400].copy())


@cache
def build_person_evalset() -> tuple[EvalFrame, ...]:
    """The labelled set, identical on every call and machine (fixed seed, package-shipped photos only)."""
    rng = np.random.default_rng(EVALSET_SEED)
    frames: list[EvalFrame] = []
    frames += [EvalFrame(f"photo_{name}", "photo", True, _photo(name)) for name in PERSON_CROPS]
    frames += _small_frames(rng, PERSON_CROPS, person=True)
    frames += _crowd_frames(rng)
    frames += _partial_frames()
    frames += [EvalFrame(f"scene_{name}", "scene", False, _photo(name)) for name in NO_PERSON_PHOTOS]
    frames += _small_frames(rng, OBJECT_CROPS, person=False)
    frames += _tiled_scene_frames()
    return tuple(frames)
