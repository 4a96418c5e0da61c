"""The consensus rule, in one place (HACS: each clip labelled by 3 annotators, kept by 2-of-3 majority).

Pure: takes the values of a clip's active labels in the order they came, returns what is decided.
"""

from __future__ import annotations

from dataclasses import dataclass

FIXED = "fixed"
ADAPTIVE = "adaptive"
LABELS_PER_CLIP = 3
AGREEING_LABELS = 2


@dataclass(frozen=True)
class Decision:
    value: int | None  # 1 positive, -1 negative, None while undecided
    required: int  # how many labels the clip needs in all, as far as is known now

    @property
    def decided(self) -> bool:
        return self.value is not None


def decide(values: list[int], mode: str) -> Decision:
    """2-of-3 majority. Adaptive mode stops at 2 agreeing labels and asks a 3rd only on disagreement.

    Both modes give the same final value for the same first three labels: adaptive only skips the 3rd label
    when the first two already form the majority.
    """
    if mode not in (FIXED, ADAPTIVE):
        raise ValueError(f"unknown consensus mode {mode!r}")
    if any(v not in (1, -1) for v in values):
        raise ValueError(f"label values must be 1 or -1, got {values!r}")
    if mode == ADAPTIVE and len(values) == AGREEING_LABELS and values[0] == values[1]:
        return Decision(value=values[0], required=AGREEING_LABELS)
    if mode == ADAPTIVE and len(values) < AGREEING_LABELS:
        return Decision(value=None, required=AGREEING_LABELS)
    if len(values) < LABELS_PER_CLIP:
        return Decision(value=None, required=LABELS_PER_CLIP)
    first = values[:LABELS_PER_CLIP]
    return Decision(value=1 if sum(first) > 0 else -1, required=LABELS_PER_CLIP)


def initial_required(mode: str) -> int:
    return decide([], mode).required
