"""Near-duplicate removal (SLAC §3.4): copies of a real video group together, the blocked search equals brute force,
and each group keeps the longest, largest, lowest-id video."""

import subprocess
from pathlib import Path

import numpy as np
import pytest
from skimage import data, io

from workers.dedup import (
    DUPLICATE_THRESHOLD,
    find_duplicates,
    find_duplicates_brute_force,
    match_external,
    mean_feature,
    nearest_external,
)
from workers.media.frames import read_dedup_frames
from workers.media.probing import probe_video

# --- real videos ------------------------------------------------------------------------------------------------


def make_moving_video(path: Path, photo: str, *, seconds: int = 12) -> None:
    """160×120, 25 fps: slow zoom and pan across a scikit-image photo, light temporal noise."""
    image = getattr(data, photo)()
    png = path.with_suffix(".png")
    io.imsave(png, image[..., :3], check_contrast=False)
    n = seconds * 25
    motion = f"zoompan=z='1+0.3*on/{n}':x='(iw-iw/zoom)*on/{n}':y='ih/2-ih/zoom/2':d={n}:s=160x120:fps=25"
    encode(["-i", str(png)], path, video_filter=f"{motion},noise=alls=6:allf=t,format=yuv420p")


def encode(inputs: list[str], path: Path, *, video_filter: str | None = None, crf: int = 18) -> None:
    filters = ["-vf", video_filter] if video_filter else []
    subprocess.run(
        ["ffmpeg", "-y", "-loglevel", "error", *inputs, *filters]
        + ["-c:v", "libx264", "-crf", str(crf), "-preset", "veryfast", str(path)],
        check=True,
    )


def stand_in_frame_features(frames: np.ndarray) -> np.ndarray:
    """Deterministic per-frame feature for THIS test only; production passes CNN (ImageNet) features.

    An 8×8 luminance thumbnail, standardised per frame (blind to brightness and contrast), weighted 2:1 against a
    4×4×4 colour histogram under a square root (Hellinger), which tells apart photos with a similar layout.
    Measured on these videos: copies ≥ 0.945 with each other, distinct videos ≤ 0.42 against anything.
    """
    grey = frames.astype(np.float32).mean(axis=-1)
    count, height, width = grey.shape
    thumb = grey.reshape(count, 8, height // 8, 8, width // 8).mean(axis=(2, 4)).reshape(count, 64)
    thumb = (thumb - thumb.mean(axis=1, keepdims=True)) / (thumb.std(axis=1, keepdims=True) + 1e-6)
    cells = (frames.astype(np.int64) * 4) >> 8
    cell = ((cells[..., 0] * 4 + cells[..., 1]) * 4 + cells[..., 2]).reshape(count, -1)
    histogram = np.stack([np.bincount(c, minlength=64) for c in cell]).astype(np.float32)
    histogram = np.sqrt(histogram / histogram.sum(axis=1, keepdims=True))
    return np.hstack([2 * thumb / 8, histogram])  # the thumbnail part has norm 8 before scaling


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("dedup")
    paths = {name: folder / f"{name}.mp4" for name in ("base", "reencoded", "colour", "trimmed", "cat", "coffee")}
    make_moving_video(paths["base"], "astronaut")
    encode(["-i", str(paths["base"])], paths["reencoded"], crf=40)  # heavy recompression
    encode(["-i", str(paths["base"])], paths["colour"], video_filter="eq=brightness=0.06:saturation=1.4,hue=h=12")
    encode(["-ss", "3", "-i", str(paths["base"])], paths["trimmed"])  # first 3 s cut off: 9 s left
    make_moving_video(paths["cat"], "chelsea")
    make_moving_video(paths["coffee"], "coffee")
    return paths


@pytest.fixture(scope="module")
def video_features(videos) -> dict[str, np.ndarray]:
    return {
        name: mean_feature(stand_in_frame_features(read_dedup_frames(path=path).frames))
        for name, path in videos.items()
    }


def test_copies_group_together_and_the_longest_is_kept(videos, video_features):
    # ids chosen so each tie-break matters: "trimmed" has the lowest id but is the shortest
    ids = {"base": 5, "reencoded": 7, "colour": 3, "trimmed": 1, "cat": 2, "coffee": 4}
    names = list(videos)
    infos = {name: probe_video(path=videos[name]) for name in names}
    keys = [(infos[name].duration, infos[name].width * infos[name].height) for name in names]

    result = find_duplicates(
        features=np.stack([video_features[name] for name in names]), ids=[ids[name] for name in names], keys=keys
    )

    kept_copy = ids["colour"]  # 12 s like base and reencoded, same size, lowest id of the three
    assert result.duplicate_of() == {ids["base"]: kept_copy, ids["reencoded"]: kept_copy, ids["trimmed"]: kept_copy}
    assert [name for name, kept in zip(names, result.kept, strict=True) if kept] == ["colour", "cat", "coffee"]


def test_stand_in_features_separate_honestly_at_slac_gamma(video_features):
    copies = ["base", "reencoded", "colour", "trimmed"]
    similarity = {(a, b): float(video_features[a] @ video_features[b]) for a in video_features for b in video_features}

    # every copy pair links directly, not only through the base
    assert min(similarity[a, b] for a in copies for b in copies) > DUPLICATE_THRESHOLD
    assert max(similarity[a, b] for a in ("cat", "coffee") for b in video_features if a != b) < 0.8


def test_videos_found_in_an_external_set_are_flagged(video_features):
    ours = ["reencoded", "colour", "trimmed", "cat", "coffee"]

    matched = match_external(
        features=np.stack([video_features[name] for name in ours]),
        external_features=np.stack([video_features["base"]]),
    )

    assert matched.tolist() == [True, True, True, False, False]


# --- blocked search against brute force -------------------------------------------------------------------------


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def at_cosine(anchor: np.ndarray, cosine: float, rng: np.random.Generator) -> np.ndarray:
    """A unit vector whose cosine with ``anchor`` is exactly ``cosine`` (up to rounding)."""
    anchor = unit(anchor)
    other = rng.standard_normal(anchor.shape)
    other = unit(other - (other @ anchor) * anchor)
    return cosine * anchor + np.sqrt(1 - cosine**2) * other


def planted_embeddings(count: int, seed: int) -> np.ndarray:
    """Random 64-d embeddings (random pairs have cosine ≈ N(0, 1/64), far below γ) with planted neighbours:
    pairs at 0.95 (linked), pairs at 0.92 (not linked) and chains a-b-c at 0.96 (a and c link only through b)."""
    rng = np.random.default_rng(seed)
    x = unit(rng.standard_normal((count, 64)))
    rows = rng.permutation(count)
    for k in range(0, count // 8 * 3, 3):
        a, b, c = rows[k : k + 3]
        kind = k // 3 % 3
        if kind == 0:
            x[b] = at_cosine(x[a], 0.95, rng)
        elif kind == 1:
            x[b] = at_cosine(x[a], 0.92, rng)
        else:
            x[b] = at_cosine(x[a], 0.96, rng)
            x[c] = at_cosine(x[b], 0.96, rng)
    return x.astype(np.float32)


@pytest.mark.parametrize(
    ("count", "block_rows"),
    [(1, 4), (2, 1), (7, 3), (255, 256), (256, 256), (257, 256), (513, 256), (1000, 1024), (2100, 1024)],
)
def test_blocked_equals_brute_force(count, block_rows):
    x = planted_embeddings(count, seed=count)
    rng = np.random.default_rng(count + 1)
    ids = [f"v{i:05d}" for i in rng.permutation(count)]
    keys = np.column_stack([rng.integers(1, 4, count), rng.integers(1, 3, count)])

    blocked = find_duplicates(features=x, ids=ids, keys=keys, block_rows=block_rows)
    brute = find_duplicates_brute_force(features=x, ids=ids, keys=keys)

    np.testing.assert_array_equal(blocked.representative, brute.representative)
    if count >= 257:
        assert (~blocked.kept).sum() > count // 20  # the planted neighbours really were found


def test_blocked_equals_brute_force_within_classes():
    x = planted_embeddings(600, seed=3)
    classes = np.random.default_rng(4).integers(0, 5, 600).tolist()

    blocked = find_duplicates(features=x, ids=list(range(600)), class_labels=classes, block_rows=64)
    brute = find_duplicates_brute_force(features=x, ids=list(range(600)), class_labels=classes)

    np.testing.assert_array_equal(blocked.representative, brute.representative)
    assert all(classes[rep] == classes[row] for row, rep in enumerate(blocked.representative))


def test_components_are_transitive_and_respect_gamma():
    rng = np.random.default_rng(0)
    x = unit(rng.standard_normal((6, 32)))
    x[1] = at_cosine(x[0], 0.96, rng)  # 0-1 linked
    x[2] = at_cosine(x[1], 0.96, rng)  # 1-2 linked, so 0-1-2 is one component although cos(0, 2) ≈ 0.92
    x[4] = at_cosine(x[3], 0.93, rng)  # 0.93 < γ = 0.935: not linked
    assert x[0] @ x[2] < DUPLICATE_THRESHOLD

    result = find_duplicates(features=x.astype(np.float32), ids=[0, 1, 2, 3, 4, 5], block_rows=2)

    assert result.representative.tolist() == [0, 0, 0, 3, 4, 5]
    assert result.duplicate_of() == {1: 0, 2: 0}


def test_same_video_in_two_classes_is_not_linked_across_them():
    x = np.ones((2, 8), dtype=np.float32)

    result = find_duplicates(features=x, ids=["a", "a"], class_labels=["run", "swim"])

    assert result.kept.tolist() == [True, True]


def test_representative_is_longest_then_largest_then_lowest_id():
    x = np.ones((5, 4), dtype=np.float32)  # all identical: one component
    ids = [4, 3, 9, 7, 1]
    # (duration s, pixels): three share the longest duration; two of those share the largest size
    keys = [(10.0, 100), (12.0, 50), (12.0, 100), (12.0, 100), (11.9, 10_000)]

    assert find_duplicates(features=x, ids=ids, keys=keys).representative.tolist() == [3] * 5
    # without keys the lowest id wins
    assert find_duplicates(features=x, ids=ids).representative.tolist() == [4] * 5


def test_all_zero_features_match_nothing():
    x = np.zeros((3, 4), dtype=np.float32)

    assert find_duplicates(features=x, ids=[1, 2, 3]).kept.all()


def test_mean_feature_weighs_frames_equally():
    # frames [3, 4] and [0, 10] normalise to [0.6, 0.8] and [0, 1]; mean [0.3, 0.9]; norm √0.90 = 0.948683
    frames = np.array([[3.0, 4.0], [0.0, 10.0]])

    np.testing.assert_allclose(mean_feature(frames), [0.3 / 0.948683, 0.9 / 0.948683], rtol=1e-5)
    # the plain mean [1.5, 7] would give [0.2097, 0.9778]: the larger-norm frame would dominate


def test_nearest_external_tiles_both_sides():
    rng = np.random.default_rng(7)
    ours, external = rng.standard_normal((300, 16)), rng.standard_normal((1000, 16))
    full = unit(ours) @ unit(external).T

    index, similarity = nearest_external(features=ours, external_features=external, block_rows=64, block_cols=128)

    np.testing.assert_array_equal(index, full.argmax(axis=1))
    np.testing.assert_allclose(similarity, full.max(axis=1), rtol=1e-5)


def test_no_external_videos_means_no_match():
    assert match_external(features=np.ones((2, 4)), external_features=np.zeros((0, 4))).tolist() == [False, False]
