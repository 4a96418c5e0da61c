"""Where torch models run: the one place that decides."""

from __future__ import annotations


def pick_device(preferred: str = "auto") -> str:
    """``"cuda"`` when asked for ``"auto"`` and a CUDA GPU is visible, else ``"cpu"``; an explicit choice wins.

    ``torch`` is imported here, not at module import, so callers that never touch a model stay light.
    """
    if preferred != "auto":
        return preferred
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
