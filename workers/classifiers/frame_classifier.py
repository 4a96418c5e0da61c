"""The 201-way frame classifier (200 actions + background) on top of EfficientNet-Lite0 (SLAC §3.6).

SLAC trains, per round, a frame classifier on the clips annotators have labelled and uses it to rank the
unlabelled candidates; its features also describe frames for de-duplication. Here the ImageNet network stays
frozen and only a tail is trained: the linear head, or (``train_last_block=True``) the last MBConv block, the
1×1 head convolution and the linear head. Because the frozen part never changes, its outputs are computed once
per image and the tail is trained on them: training costs one forward pass per image plus cheap epochs, and is
deterministic for a seed on the CPU. Batch-norm statistics in the tail stay frozen (small batches of a few
classes would otherwise drag them away from ImageNet's).

``torch`` is imported inside the functions.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from workers.classifiers.backbone import EMBEDDING_SIZE, WEIGHTS_NAME, Frames, batches, build_lite0, to_model_input
from workers.device import pick_device

if TYPE_CHECKING:
    import torch

    from workers.classifiers.lite0_net import EfficientNetLite0

NUM_CLASSES = 201  # HACS/SLAC: 200 action classes + background
BACKGROUND_CLASS = 200
VALIDATION_FRACTION = 0.2
FILE_FORMAT = "actionloom.frame_classifier"
FILE_VERSION = 1
# Classifiers one worker keeps loaded: the current YouTube and web ones and the two a learning round just replaced.
CACHED_CLASSIFIERS = 4

Progress = Callable[[float], None]


class FrameClassifier:
    """A frozen EfficientNet-Lite0 trunk plus a trained tail; ``predict_proba`` and ``embed`` take RGB frames."""

    def __init__(self, *, num_classes: int = NUM_CLASSES, train_last_block: bool = False, device: str = "auto"):
        from torch import nn

        self.num_classes = num_classes
        self.train_last_block = train_last_block
        self.device = pick_device(device)
        self.net = build_lite0(self.device)
        self.net.requires_grad_(False)
        self.head = nn.Linear(EMBEDDING_SIZE, num_classes).to(self.device)
        self._tail_modules: list[tuple[str, torch.nn.Module]] = [("head", self.head)]
        if train_last_block:
            self._tail_modules += [
                ("last_block", self.net._blocks[-1]),
                ("conv_head", self.net._conv_head),
                ("bn_head", self.net._bn1),
            ]

    # --- the split between the frozen trunk and the trained tail ---------------------------------------

    def trunk(self, x: torch.Tensor) -> torch.Tensor:
        """Frozen part: pooled features, or the input of the last block when that block is trained."""
        if not self.train_last_block:
            return self.net.pool(self.net.features(x))
        x = self.net.stem(x)
        for block in self.net._blocks[:-1]:
            x = block(x)
        return x

    def tail_features(self, trunk_out: torch.Tensor) -> torch.Tensor:
        """The pooled 1280-d description from the trunk's output (through the trained block if any)."""
        if not self.train_last_block:
            return trunk_out
        return self.net.pool(self.net.head(self.net._blocks[-1](trunk_out)))

    def tail_parameters(self) -> list[torch.nn.Parameter]:
        params = []
        for _, module in self._tail_modules:
            params += list(module.parameters())
        return params

    def _trunk_outputs(self, frames: Frames, progress: Progress | None = None) -> torch.Tensor:
        import torch

        outputs, done = [], 0
        with torch.inference_mode():
            for chunk in batches(frames):
                outputs.append(self.trunk(to_model_input(chunk, self.device)).cpu())
                done += len(chunk)
                if progress:
                    progress(done / len(frames))
        return torch.cat(outputs) if outputs else torch.empty((0, EMBEDDING_SIZE))

    # --- inference ------------------------------------------------------------------------------------

    def _eval(self) -> None:
        self.net.eval()
        self.head.eval()

    def embed(self, frames: Frames) -> np.ndarray:
        """N×1280 pooled features (not normalised) for de-duplication, from the network as trained."""
        import torch

        self._eval()
        with torch.inference_mode():
            pooled = [self.tail_features(self.trunk(to_model_input(c, self.device))).cpu() for c in batches(frames)]
        return torch.cat(pooled).numpy() if pooled else np.empty((0, EMBEDDING_SIZE), np.float32)

    def predict_proba(self, frames: Frames) -> np.ndarray:
        """N×num_classes softmax probabilities."""
        import torch

        self._eval()
        with torch.inference_mode():
            probs = [
                self.head(self.tail_features(self.trunk(to_model_input(c, self.device)))).softmax(dim=1).cpu()
                for c in batches(frames)
            ]
        return torch.cat(probs).numpy() if probs else np.empty((0, self.num_classes), np.float32)

    # --- files ----------------------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the trained tail (the ImageNet trunk comes from the package); atomic via rename."""
        import torch

        state = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "backbone": WEIGHTS_NAME,
            "num_classes": self.num_classes,
            "train_last_block": self.train_last_block,
            "tail": {name: {k: v.detach().cpu() for k, v in m.state_dict().items()} for name, m in self._tail_modules},
        }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(handle)
        try:
            torch.save(state, tmp)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)

    @classmethod
    def load(cls, source: str | os.PathLike[str] | IO[bytes], *, device: str = "auto") -> FrameClassifier:
        """A new model from a file written by ``save`` (a path or an open binary file). Not cached: see
        ``load_frame_classifier`` for the one a worker shares."""
        import torch

        state: dict[str, Any] = torch.load(source, map_location="cpu", weights_only=True)
        name = source if isinstance(source, str | os.PathLike) else "the file"
        if state.get("format") != FILE_FORMAT or state.get("version") != FILE_VERSION:
            raise ValueError(f"{name} is not a frame classifier file of version {FILE_VERSION}")
        if state["backbone"] != WEIGHTS_NAME:
            raise ValueError(f"{name} was trained on {state['backbone']}, this build has {WEIGHTS_NAME}")
        model = cls(num_classes=state["num_classes"], train_last_block=state["train_last_block"], device=device)
        for name, module in model._tail_modules:
            module.load_state_dict(state["tail"][name], strict=True)
        return model


def committee_pass(
    frames: Frames, *, trunk: EfficientNetLite0, device: str, classifiers: Sequence[FrameClassifier]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The ImageNet embedding (N×1280, as ``Backbone.embed``) and each classifier's probabilities, from one pass
    of the frozen network ``trunk`` (the shipped ImageNet weights, e.g. ``Backbone.model``).

    SLAC §3.6 scores a candidate frame with both classifiers and describes it by its conv features; all three
    read the same frozen ImageNet network, so it runs once per frame, not once per model. A classifier that
    trained its last block (``train_last_block``) shares everything up to that block and runs its own tail.
    The operations are those of the separate calls, in the same order, so the numbers are the same.
    """
    import torch

    for model in classifiers:
        model._eval()
    embeddings: list[torch.Tensor] = []
    probabilities: list[list[torch.Tensor]] = [[] for _ in classifiers]
    with torch.inference_mode():
        for chunk in batches(frames):
            x = trunk.stem(to_model_input(chunk, device))
            for block in trunk._blocks[:-1]:
                x = block(x)
            pooled = trunk.pool(trunk.head(trunk._blocks[-1](x)))
            embeddings.append(pooled.cpu())
            for model, out in zip(classifiers, probabilities, strict=True):
                features = model.tail_features(x.to(model.device)) if model.train_last_block else pooled
                out.append(model.head(features.to(model.device)).softmax(dim=1).cpu())
    if not embeddings:
        return np.empty((0, EMBEDDING_SIZE), np.float32), [
            np.empty((0, m.num_classes), np.float32) for m in classifiers
        ]
    return torch.cat(embeddings).numpy(), [torch.cat(out).numpy() for out in probabilities]


_loaded: OrderedDict[Hashable, FrameClassifier] = OrderedDict()
_loaded_lock = threading.Lock()


def load_frame_classifier(source: str | os.PathLike[str] | bytes, *, device: str = "auto") -> FrameClassifier:
    """The classifier in ``source`` (a file's path, or its bytes), loaded once per process and shared.

    The one cache of classifiers in a worker: mining and the timeline's proposals score with the same files, and
    each file's weights are in memory once. A path is known by its real path, inode, size and modification time (a
    file written again is read again), bytes by their SHA-256; the CACHED_CLASSIFIERS most recently used stay loaded.
    The model handed out is shared: use it for inference (``predict_proba``, ``embed``); to train on, load a copy
    of your own with ``FrameClassifier.load``.
    """
    device = pick_device(device)
    key: Hashable
    target: Path | IO[bytes]
    if isinstance(source, bytes):
        key = ("sha256", hashlib.sha256(source).hexdigest(), device)
        target = io.BytesIO(source)
    else:
        target = Path(source).resolve()
        stat = target.stat()
        key = ("path", str(target), stat.st_ino, stat.st_size, stat.st_mtime_ns, device)
    with _loaded_lock:  # one load per key even when two threads ask at once; loads are rare and take a second
        model = _loaded.get(key)
        if model is None:
            model = FrameClassifier.load(target, device=device)
            _loaded[key] = model
            while len(_loaded) > CACHED_CLASSIFIERS:
                _loaded.popitem(last=False)
        _loaded.move_to_end(key)
        return model


def frame_classifier_cache_clear() -> None:
    """Forget every loaded classifier (tests; a worker never needs to)."""
    with _loaded_lock:
        _loaded.clear()


@dataclass
class TrainedClassifier:
    model: FrameClassifier
    val_accuracy: float  # on the held-out split; nan when nothing was held out
    train_size: int
    val_size: int
    final_train_loss: float


def stratified_split(labels: np.ndarray, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per class, a shuffled ``val_fraction`` (rounded) goes to validation; every class keeps ≥ 1 for training."""
    rng = np.random.default_rng(seed)
    train, val = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        count = min(len(members) - 1, math.floor(len(members) * val_fraction + 0.5))
        val += list(members[:count])
        train += list(members[count:])
    return np.sort(np.array(train, dtype=np.int64)), np.sort(np.array(val, dtype=np.int64))


def train_frame_classifier(
    *,
    images: Frames,
    labels: Sequence[int] | np.ndarray,
    num_classes: int = NUM_CLASSES,
    epochs: int = 10,
    batch_size: int = 32,
    lr: float = 1e-3,
    progress: Progress | None = None,
    seed: int = 0,
    val_fraction: float = VALIDATION_FRACTION,
    train_last_block: bool = False,
    weight_decay: float = 1e-4,
    device: str = "auto",
) -> TrainedClassifier:
    """Fine-tune the tail on ``images`` (RGB uint8 frames) with ``labels`` in [0, num_classes).

    A stratified ``val_fraction`` is held out and never trained on; its accuracy is reported. ``progress``
    receives the fraction done in [0, 1] (feature extraction is the first 40 %). Same inputs and seed on the
    same machine give the same model.
    """
    import torch
    from torch.nn import functional as F

    labels = np.asarray(labels, dtype=np.int64)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    if len(labels) == 0 or labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"labels must be non-empty and within [0, {num_classes})")
    if epochs < 1 or batch_size < 1:
        raise ValueError("epochs and batch_size must be positive")
    report = progress or (lambda fraction: None)

    train_idx, val_idx = stratified_split(labels, val_fraction, seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = FrameClassifier(num_classes=num_classes, train_last_block=train_last_block, device=device)
    trunk_out = model._trunk_outputs(images, lambda f: report(0.4 * f))
    targets = torch.from_numpy(labels)

    params = model.tail_parameters()
    for param in params:
        param.requires_grad_(True)
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    generator = torch.Generator().manual_seed(seed)
    train_tensor = torch.from_numpy(train_idx)
    steps_per_epoch = math.ceil(len(train_idx) / batch_size)
    model.net.eval()  # frozen batch-norm statistics, no dropout in the trunk
    model.head.train()
    loss_value = float("nan")
    for epoch in range(epochs):
        order = train_tensor[torch.randperm(len(train_tensor), generator=generator)]
        for step in range(steps_per_epoch):
            batch = order[step * batch_size : (step + 1) * batch_size]
            x = trunk_out[batch].to(model.device)
            logits = model.head(model.tail_features(x))
            loss = F.cross_entropy(logits, targets[batch].to(model.device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_value = float(loss.detach())
            report(0.4 + 0.6 * (epoch * steps_per_epoch + step + 1) / (epochs * steps_per_epoch))
    for param in params:
        param.requires_grad_(False)
    model._eval()

    val_accuracy = float("nan")
    if len(val_idx):
        with torch.inference_mode():
            logits = model.head(model.tail_features(trunk_out[torch.from_numpy(val_idx)].to(model.device)))
        val_accuracy = float((logits.argmax(dim=1).cpu() == targets[val_idx]).float().mean())
    report(1.0)
    return TrainedClassifier(model, val_accuracy, len(train_idx), len(val_idx), loss_value)
