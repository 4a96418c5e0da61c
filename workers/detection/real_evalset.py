"""A labelled person / no-person evaluation set of REAL photos and video frames that installed packages ship.

Unlike ``evalset.py`` (which pastes three portraits into scenes), nothing here is composed: every frame is a photo or
a video frame as its package ships it, or a rectangle cut out of one (a crop is then treated as a frame of its
own). Labels were given by looking at each image; ``MANIFEST`` lists every item, its label and what it shows.

Sources: Debian's ``opencv-doc`` (``/usr/share/doc/opencv-doc/examples``: OpenCV's sample photos, its pedestrian
video ``vtest.avi``, 768×576, several people 60–120 px tall per frame, and ``tree.avi``), scikit-image's
``skimage.data`` and matplotlib's Grace Hopper photo.

Frames are scaled as the mining pipeline scales them (short side ``PIPELINE_SHORT_SIDE`` = 256 px,
``workers.mining.ANALYSIS_SHORT_SIDE``) before a detector sees them, so a vtest.avi person is 25–55 px tall.
Images the labeller could not call either way (drawn or animated people, people hidden behind a chessboard except a
hand) are left out rather than guessed; ``EXCLUDED`` says which and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from workers.detection.evalset import EvalFrame

OPENCV_EXAMPLES = Path("/usr/share/doc/opencv-doc/examples")
PIPELINE_SHORT_SIDE = 256  # workers.mining.ANALYSIS_SHORT_SIDE (a test checks they agree)

POSITIVE_CATEGORIES = ("surveillance", "small", "behind", "crowd", "partial", "photo")
NEGATIVE_CATEGORIES = ("building", "nature", "animal", "food", "object", "surveillance_empty")


@dataclass(frozen=True)
class Item:
    name: str
    source: str  # "opencv:<path under examples>[#frame]", "skimage:<loader>" or "matplotlib:<sample file>"
    category: str
    has_person: bool
    note: str
    crop: tuple[int, int, int, int] | None = None  # (y0, y1, x0, x1) in the source's own pixels


def _vtest(frame: int) -> str:
    return f"opencv:data/vtest.avi#{frame}"


MANIFEST: tuple[Item, ...] = (
    # --- people --------------------------------------------------------------------------------------------------
    # vtest.avi, whole frames every 66 frames (6.6 s): a campus path seen from above; each frame has 2-8 people,
    # 25-55 px tall at 256 px, several walking away from the camera (from behind).
    *(
        Item(f"vtest_frame_{i:03d}", _vtest(i), "surveillance", True, "surveillance view, 2-8 small people")
        for i in range(0, 727, 66)
    ),
    Item(
        "vtest_462_right_edge",
        _vtest(462),
        "partial",
        True,
        "one man walking at the crop's right edge, body cut by it",
        crop=(250, 576, 560, 768),
    ),
    Item(
        "vtest_528_couple",
        _vtest(528),
        "small",
        True,
        "two people walking side by side on the lawn, one more on the path behind",
        crop=(250, 576, 200, 560),
    ),
    Item(
        "vtest_594_walking_away",
        _vtest(594),
        "behind",
        True,
        "a woman walking away from the camera (back and hair), one more person below",
        crop=(300, 576, 0, 420),
    ),
    Item(
        "vtest_660_walking_away",
        _vtest(660),
        "behind",
        True,
        "two people walking away, feet of a third at the top edge, one at the right edge",
        crop=(250, 576, 300, 700),
    ),
    Item(
        "vtest_396_one_on_road",
        _vtest(396),
        "small",
        True,
        "one man walking on the road, about 60 px tall in the crop",
        crop=(180, 420, 20, 330),
    ),
    Item("messi5", "opencv:data/messi5.jpg", "crowd", True, "footballer kicking, a blurred crowd of spectators behind"),
    Item(
        "basketball1",
        "opencv:data/basketball1.png",
        "behind",
        True,
        "two men in an office, the one on the right seen from behind",
    ),
    Item("basketball2", "opencv:data/basketball2.png", "behind", True, "the next frame of basketball1"),
    Item(
        "scenetext01",
        "opencv:text/scenetext01.jpg",
        "partial",
        True,
        "street: a man from behind cut by the left edge, a woman cut by the right edge",
    ),
    Item(
        "scenetext06",
        "opencv:text/scenetext06.jpg",
        "partial",
        True,
        "shop front: only a woman's head and shoulders at the bottom edge, about 20 px tall at 256 px",
    ),
    Item(
        "calib_left01",
        "opencv:data/left01.jpg",
        "partial",
        True,
        "man holding a chessboard that hides his face; striped shirt and arms show",
    ),
    Item("calib_left06", "opencv:data/left06.jpg", "partial", True, "man in profile beside the chessboard"),
    Item(
        "calib_left13",
        "opencv:data/left13.jpg",
        "partial",
        True,
        "man bent over behind the chessboard, head and shirt show",
    ),
    Item(
        "calib_right02",
        "opencv:data/right02.jpg",
        "partial",
        True,
        "chessboard over the face, arm, watch and shirt show",
    ),
    Item("calib_right06", "opencv:data/right06.jpg", "partial", True, "man's face in profile beside the board"),
    Item("calib_right13", "opencv:data/right13.jpg", "partial", True, "man bent behind the board, head and shirt show"),
    Item("astronaut", "skimage:astronaut", "photo", True, "portrait, upper body"),
    Item("cameraman", "skimage:camera", "photo", True, "man behind a camera on a tripod, grey"),
    Item("grace_hopper", "matplotlib:grace_hopper.jpg", "photo", True, "portrait"),
    # --- no people -----------------------------------------------------------------------------------------------
    Item(
        "vtest_empty_lawn_000",
        _vtest(0),
        "surveillance_empty",
        False,
        "lawn, tripod, a yellow sheet on the grass; nobody",
        crop=(330, 576, 0, 768),
    ),
    Item(
        "vtest_empty_lawn_132",
        _vtest(132),
        "surveillance_empty",
        False,
        "lawn and path corner; nobody",
        crop=(300, 576, 0, 420),
    ),
    Item(
        "vtest_empty_building_000",
        _vtest(0),
        "surveillance_empty",
        False,
        "building, lamp post, lawn; nobody",
        crop=(0, 160, 120, 520),
    ),
    Item("tree_avi_000", "opencv:data/tree.avi#0", "nature", False, "a tree through a window"),
    Item("tree_avi_030", "opencv:data/tree.avi#30", "nature", False, "a tree through a window"),
    Item("building", "opencv:data/building.jpg", "building", False, "office block, hedge, lawn"),
    Item("leuvenA", "opencv:data/leuvenA.jpg", "building", False, "empty cobbled street between brick houses"),
    Item("leuvenB", "opencv:data/leuvenB.jpg", "building", False, "the same street, two parked bicycles"),
    Item("home_jpg", "opencv:data/home.jpg", "building", False, "palace facade, birds in the sky"),
    Item("home_png", "opencv:reg/home.png", "building", False, "brick house corner"),
    Item("scenetext02", "opencv:text/scenetext02.jpg", "building", False, "road sign under a tree"),
    Item("scenetext03", "opencv:text/scenetext03.jpg", "building", False, "concrete arcade, shop sign"),
    Item("scenetext04", "opencv:text/scenetext04.jpg", "building", False, "generator, wall, palm trees"),
    Item("scenetext05", "opencv:text/scenetext05.jpg", "building", False, "road barriers, pavement, a van"),
    Item("aero1", "opencv:data/aero1.jpg", "building", False, "aerial view of a town"),
    Item("aero3", "opencv:data/aero3.jpg", "building", False, "aerial view of a town"),
    Item("licenseplate", "opencv:data/licenseplate_motion.jpg", "object", False, "back of a car"),
    Item("hfs_lake", "opencv:hfs/data/001.jpg", "nature", False, "lake and forest"),
    Item("hfs_tree", "opencv:hfs/data/002.jpg", "nature", False, "a tree on a meadow"),
    Item("plant", "opencv:alphamat/input_images/plant.jpg", "nature", False, "potted plant on a shelf"),
    Item("aloeL", "opencv:data/aloeL.jpg", "nature", False, "aloe in a pot"),
    Item("butterfly", "opencv:data/butterfly.jpg", "animal", False, "butterfly on a leaf"),
    Item("squirrel", "opencv:data/squirrel_cls.jpg", "animal", False, "squirrel on a branch"),
    Item("dog", "opencv:data/chicky_512.png", "animal", False, "dog's face close up"),
    Item("baboon", "opencv:data/baboon.jpg", "animal", False, "mandrill face"),
    Item("hfs_bird", "opencv:hfs/data/000.jpg", "animal", False, "a robin on a pipe"),
    Item("chelsea", "skimage:chelsea", "animal", False, "cat"),
    Item("horse", "skimage:horse", "animal", False, "horse silhouette"),
    Item("fruits", "opencv:data/fruits.jpg", "food", False, "orange, lemon, kiwi"),
    Item("apple", "opencv:data/apple.jpg", "food", False, "an apple"),
    Item("orange", "opencv:data/orange.jpg", "food", False, "an orange"),
    Item("coffee", "skimage:coffee", "food", False, "cup of coffee"),
    Item("smarties", "opencv:data/smarties.png", "food", False, "sweets on white"),
    Item("stuff", "opencv:data/stuff.jpg", "object", False, "pen, lighter, caps on a table"),
    Item("board", "opencv:data/board.jpg", "object", False, "circuit board"),
    Item("box_in_scene", "opencv:data/box_in_scene.png", "object", False, "cereal boxes, grey"),
    Item("blox", "opencv:data/blox.jpg", "object", False, "wooden blocks, grey"),
    Item("rubberwhale", "opencv:data/rubberwhale1.png", "object", False, "toys on a shelf"),
    Item("books", "opencv:data/left.jpg", "object", False, "two books against a wall"),
    Item("rocket", "skimage:rocket", "object", False, "rocket on its launch pad"),
    Item("motorcycle", "skimage:stereo_motorcycle", "object", False, "motorcycle in a workshop"),
    Item("brick", "skimage:brick", "object", False, "brick wall, grey"),
    Item("gravel", "skimage:gravel", "nature", False, "gravel, grey"),
    Item("coins", "skimage:coins", "object", False, "coins, grey"),
    Item("starry_night", "opencv:data/starry_night.jpg", "object", False, "Van Gogh's painting (no figures)"),
)

EXCLUDED = {
    "opencv:data/Megamind.avi": "animated film character: not a real person, not a clear no-person frame either",
    "opencv:data/graf1.png": "graffiti of cartoon figures",
    "opencv:data/ml.png, opencv:fuzzy/input.png, opencv:data/HappyFish.jpg": "drawn robot, anime girl, cartoon fish",
    "opencv:data/left02-05,07-12,14 and right01,03-05,07-09,11,12,14": "the chessboard hides the person but for a hand "
    "or a strip of shirt",
    "opencv:data/Blender_Suzanne*.jpg": "rendered monkey head",
    "opencv:data/tree.avi frames 53-67": "a hand comes into view: part of a person, but nothing else of one",
}


def _opencv_path(relative: str) -> Path:
    path = OPENCV_EXAMPLES / relative
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: apt-get install opencv-doc")
    return path


def _video_frames(path: Path, indices: set[int]) -> dict[int, np.ndarray]:
    import cv2

    capture = cv2.VideoCapture(str(path))
    found: dict[int, np.ndarray] = {}
    index = 0
    try:
        while index <= max(indices):
            ok, frame = capture.read()
            if not ok:
                break
            if index in indices:
                found[index] = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            index += 1
    finally:
        capture.release()
    if missing := indices - found.keys():
        raise ValueError(f"{path} has no frame {sorted(missing)}")
    return found


def _as_rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype == bool:  # skimage's horse is a silhouette mask
        image = image.astype(np.uint8) * 255
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[..., :3]).astype(np.uint8)


def _load_sources(items: tuple[Item, ...]) -> dict[str, np.ndarray]:
    import cv2

    images: dict[str, np.ndarray] = {}
    videos: dict[str, set[int]] = {}
    for item in items:
        kind, _, ref = item.source.partition(":")
        if kind == "opencv" and "#" in ref:
            video, _, frame = ref.partition("#")
            videos.setdefault(video, set()).add(int(frame))
        elif item.source not in images:
            if kind == "opencv":
                bgr = cv2.imread(str(_opencv_path(ref)), cv2.IMREAD_COLOR)
                if bgr is None:
                    raise FileNotFoundError(
                        f"{_opencv_path(ref)} does not read as an image (apt-get install opencv-doc)"
                    )
                images[item.source] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            elif kind == "skimage":
                import skimage.data

                picture = getattr(skimage.data, ref)()
                images[item.source] = _as_rgb(picture[0] if ref == "stereo_motorcycle" else picture)
            elif kind == "matplotlib":
                from matplotlib import cbook
                from skimage.io import imread

                images[item.source] = _as_rgb(imread(cbook.get_sample_data(ref, asfileobj=False)))
            else:
                raise ValueError(f"unknown source {item.source!r}")
    for video, indices in videos.items():
        for index, decoded in _video_frames(_opencv_path(video), indices).items():
            images[f"opencv:{video}#{index}"] = decoded
    return images


@cache
def build_real_evalset(short_side: int = PIPELINE_SHORT_SIDE) -> tuple[EvalFrame, ...]:
    """Every ``MANIFEST`` item as an ``EvalFrame`` (category, label, RGB image with short side ``short_side``).

    Raises ``FileNotFoundError`` naming the missing file when opencv-doc is not installed."""
    from workers.media.frames import resize_short_side

    sources = _load_sources(MANIFEST)
    frames = []
    for item in MANIFEST:
        image = sources[item.source]
        if item.crop is not None:
            y0, y1, x0, x1 = item.crop
            image = image[y0:y1, x0:x1]
        image = resize_short_side(np.ascontiguousarray(image), short_side)
        image.setflags(write=False)
        frames.append(EvalFrame(item.name, item.category, item.has_person, image))
    return tuple(frames)
