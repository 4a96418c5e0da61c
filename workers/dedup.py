"""Near-duplicate video removal, SLAC §3.4.

SLAC describes each video by the mean of per-frame CNN features (frames at 0.2 fps, short side 256, central
224×224 crop; see ``workers.media.frames.read_dedup_frames``), links two videos of the same class when the cosine
similarity of their descriptors exceeds γ = 0.935, and keeps one video per connected component. This module does
the array part and takes any features, so the CNN lives elsewhere.

Scale: a class has up to ~5.5K videos. The similarity matrix is built in row blocks of the upper triangle
(``block_rows`` × remaining columns), so peak memory is ``block_rows × N`` floats instead of N², and about half
the multiply-adds of a full N×N product are skipped. Components are merged with a vectorised union-find.

Ranking inside a component: the representative is the longest video, then the largest resolution, then the
smallest id (a longer, sharper copy is the better source for clips). Callers pass ``keys`` as an N×K array
(larger is better column by column, e.g. [duration_seconds, width*height]); ties fall to the smallest id.

Numerical note: the blocked and brute-force variants threshold float32 dot products computed by differently
shaped BLAS calls, which may differ in the last bit; they agree except for pairs within ~1e-6 of γ.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

DUPLICATE_THRESHOLD = 0.935  # SLAC §3.4: γ, cosine similarity of mean frame features
BLOCK_ROWS = 1024  # 1024 × 5.5K float32 ≈ 22 MB per block
BLOCK_COLS = 8192  # external sets (e.g. a benchmark's test split) can be far larger than a class

# A video's id: database keys or external ids, one kind per call (ids are ordered: ties go to the smallest).
VideoId = TypeVar("VideoId", int, str)


@dataclass(frozen=True)
class DedupResult(Generic[VideoId]):
    ids: tuple[VideoId, ...]
    representative: np.ndarray  # per row: row index of the video kept for its component (itself when kept)

    @property
    def kept(self) -> np.ndarray:
        """Boolean mask of rows that are representatives (not duplicates)."""
        return self.representative == np.arange(len(self.representative))

    def duplicate_of(self) -> dict[VideoId, VideoId]:
        """``{duplicate id: representative id}``; with ``class_labels`` an id may repeat, so query per class."""
        return {self.ids[row]: self.ids[int(rep)] for row, rep in enumerate(self.representative) if int(rep) != row}


def l2_normalize(vectors: np.ndarray, *, eps: float = 1e-12) -> np.ndarray:
    """Rows scaled to unit L2 norm (float32); all-zero rows stay zero, so they match nothing."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, eps)


def mean_feature(frame_features: np.ndarray) -> np.ndarray:
    """Video descriptor from per-frame features (F×D): unit-normalise each frame, average, normalise again.

    Normalising frames first gives every frame the same weight whatever its activation scale; normalising the
    mean makes the cosine similarity of two descriptors a plain dot product.
    """
    frame_features = np.asarray(frame_features, dtype=np.float32)
    if frame_features.ndim != 2 or len(frame_features) == 0:
        raise ValueError(f"expected a non-empty F×D array, got shape {frame_features.shape}")
    return l2_normalize(l2_normalize(frame_features).mean(axis=0))


def find_duplicates(
    *,
    features: np.ndarray,
    ids: Sequence[VideoId],
    class_labels: Sequence[Hashable] | None = None,
    keys: np.ndarray | Sequence[Sequence[float]] | None = None,
    threshold: float = DUPLICATE_THRESHOLD,
    block_rows: int = BLOCK_ROWS,
) -> DedupResult[VideoId]:
    """Group near-duplicate videos within each class and choose one representative per group.

    ``features`` is N×D (normalised here); ``class_labels`` (default: one class) restricts links to rows of the
    same class; ``keys`` ranks representatives (see the module docstring).
    """
    x = l2_normalize(features)
    parent = np.arange(len(x), dtype=np.int64)
    for rows in _class_rows(class_labels=class_labels, count=len(x)):
        for a, b in _similar_pairs_blocked(x[rows], threshold=threshold, block_rows=block_rows):
            _union(parent, rows[a], rows[b])
    _compress(parent)
    return DedupResult(ids=tuple(ids), representative=_representatives(roots=parent, ids=ids, keys=keys))


def find_duplicates_brute_force(
    *,
    features: np.ndarray,
    ids: Sequence[VideoId],
    class_labels: Sequence[Hashable] | None = None,
    keys: np.ndarray | Sequence[Sequence[float]] | None = None,
    threshold: float = DUPLICATE_THRESHOLD,
) -> DedupResult[VideoId]:
    """Reference for :func:`find_duplicates`: full N×N matrix per class and a depth-first search. Tests only."""
    x = l2_normalize(features)
    labels = np.arange(len(x), dtype=np.int64)
    for rows in _class_rows(class_labels=class_labels, count=len(x)):
        linked = np.triu(x[rows] @ x[rows].T > threshold, k=1)
        linked |= linked.T
        seen = np.zeros(len(rows), dtype=bool)
        for start in range(len(rows)):
            if seen[start]:
                continue
            seen[start] = True
            stack, members = [start], []
            while stack:
                node = stack.pop()
                members.append(node)
                for neighbour in np.flatnonzero(linked[node] & ~seen):
                    seen[neighbour] = True
                    stack.append(int(neighbour))
            labels[rows[members]] = rows[min(members)]
    return DedupResult(ids=tuple(ids), representative=_representatives(roots=labels, ids=ids, keys=keys))


def nearest_external(
    *,
    features: np.ndarray,
    external_features: np.ndarray,
    block_rows: int = BLOCK_ROWS,
    block_cols: int = BLOCK_COLS,
) -> tuple[np.ndarray, np.ndarray]:
    """For each of our videos, the index of and cosine similarity to its most similar external video.

    Both sides are tiled, so memory is ``block_rows × block_cols`` floats. With no external videos the index is
    -1 and the similarity -inf.
    """
    x = l2_normalize(features)
    e = l2_normalize(external_features)
    best_index = np.full(len(x), -1, dtype=np.int64)
    best_similarity = np.full(len(x), -np.inf, dtype=np.float32)
    for r0 in range(0, len(x), block_rows):
        r1 = min(len(x), r0 + block_rows)
        for c0 in range(0, len(e), block_cols):
            sims = x[r0:r1] @ e[c0 : c0 + block_cols].T
            column = sims.argmax(axis=1)
            value = sims[np.arange(len(sims)), column]
            better = value > best_similarity[r0:r1]
            best_similarity[r0:r1][better] = value[better]
            best_index[r0:r1][better] = column[better] + c0
    return best_index, best_similarity


def match_external(
    *,
    features: np.ndarray,
    external_features: np.ndarray,
    threshold: float = DUPLICATE_THRESHOLD,
    block_rows: int = BLOCK_ROWS,
    block_cols: int = BLOCK_COLS,
) -> np.ndarray:
    """Boolean per video of ours: does it near-duplicate any external video (cosine > ``threshold``)?

    HACS §3.3.2 / SLAC §3.4 remove videos that also appear in other benchmarks' evaluation splits. The class
    mapping between taxonomies is the caller's: pass the external videos of the mapped classes.
    """
    _, similarity = nearest_external(
        features=features, external_features=external_features, block_rows=block_rows, block_cols=block_cols
    )
    return similarity > threshold


def _class_rows(*, class_labels: Sequence[Hashable] | None, count: int) -> Iterator[np.ndarray]:
    if class_labels is None:
        yield np.arange(count)
        return
    if len(class_labels) != count:
        raise ValueError("class_labels and features differ in length")
    groups: dict[Hashable, list[int]] = {}
    for row, label in enumerate(class_labels):
        groups.setdefault(label, []).append(row)
    for rows in groups.values():
        yield np.asarray(rows, dtype=np.int64)


def _similar_pairs_blocked(
    x: np.ndarray, *, threshold: float, block_rows: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs (i, j), i < j, with x[i]·x[j] > threshold, one row block of the upper triangle at a time."""
    if block_rows < 1:
        raise ValueError("block_rows must be >= 1")
    for r0 in range(0, len(x), block_rows):
        r1 = min(len(x), r0 + block_rows)
        # Columns start at r0: everything left of the diagonal block was covered by earlier row blocks.
        rows, cols = np.nonzero(x[r0:r1] @ x[r0:].T > threshold)
        upper = cols > rows  # within the diagonal block, keep j > i only (drops i == j and mirrored pairs)
        if upper.any():
            yield rows[upper] + r0, cols[upper] + r0


def _compress(parent: np.ndarray) -> None:
    """Point every node straight at its root (pointer jumping)."""
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            return
        parent[:] = grand


def _union(parent: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """Union-find over many edges at once: hook the larger root under the smaller until every edge agrees.

    Roots only ever point at smaller indices, so no cycle can form; each round merges at least one pair of
    roots, and it takes few rounds in practice (one per chain of edges that meet at the same root).
    """
    while len(a):
        _compress(parent)
        root_a, root_b = parent[a], parent[b]
        differ = root_a != root_b
        a, b, root_a, root_b = a[differ], b[differ], root_a[differ], root_b[differ]
        np.minimum.at(parent, np.maximum(root_a, root_b), np.minimum(root_a, root_b))


def _representatives(
    *, roots: np.ndarray, ids: Sequence[VideoId], keys: np.ndarray | Sequence[Sequence[float]] | None
) -> np.ndarray:
    """Per row, the row index of the best-ranked member of its component (keys descending, then id)."""
    count = len(roots)
    if len(ids) != count:
        raise ValueError("ids and features differ in length")
    id_rank = np.empty(count, dtype=np.int64)
    id_rank[sorted(range(count), key=lambda row: ids[row])] = np.arange(count)
    sort_keys: list[np.ndarray] = [id_rank]
    if keys is not None:
        key_array = np.asarray(keys, dtype=np.float64).reshape(count, -1)
        # np.lexsort sorts by the last key first, so the first key column goes last.
        sort_keys += [-key_array[:, k] for k in range(key_array.shape[1] - 1, -1, -1)]
    order = np.lexsort(sort_keys)  # best first
    priority = np.empty(count, dtype=np.int64)
    priority[order] = np.arange(count)
    best = np.full(count, count, dtype=np.int64)
    np.minimum.at(best, roots, priority)
    return order[best[roots]]
