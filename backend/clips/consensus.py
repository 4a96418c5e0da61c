"""The consensus rule, in one place (HACS: each clip labelled by 3 annotators, kept by 2-of-3 majority).

Pure: takes the values of a clip's active labels in the order they came (and a reviewer's decision, if any),
returns what is decided and where the label comes from. The exports, the dashboard and the review queue all read
what ``settle`` stored (ConsensusResult), so they agree.
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


SINGLE = "single"
UNANIMOUS = "unanimous"
MAJORITY = "majority"
ADJUDICATED = "adjudicated"


def label_source(values: list[int], *, adjudicated: bool) -> str:
    """Where a decided clip's label comes from: a reviewer's decision first, then how its labels agree."""
    if adjudicated:
        return ADJUDICATED
    if len(values) == 1:
        return SINGLE
    return UNANIMOUS if len(set(values)) == 1 else MAJORITY


@dataclass(frozen=True)
class Settled:
    decision: Decision
    source: str  # "" while undecided


def settle(values: list[int], mode: str, *, reviewed: int | None = None) -> Settled:
    """The clip's decision with review: a reviewer's decision (``reviewed``, 1 or -1) overrides the labels and
    decides the clip at once (issue 15 item 2: it is stored beside the labels, never over them); otherwise ``decide``.
    """
    decision = decide(values, mode)
    if reviewed is not None:
        if reviewed not in (1, -1):
            raise ValueError(f"a decision must be 1 or -1, got {reviewed!r}")
        return Settled(Decision(value=reviewed, required=decision.required), ADJUDICATED)
    return Settled(decision, label_source(values, adjudicated=False) if decision.decided else "")


def agreement(values: list[int]) -> float:
    """Share of a clip's labels that agree with its larger side (0.5 for a 1-1 split, 2/3 for 2-1): the review
    queue shows the lowest first."""
    if not values:
        return 1.0
    positive = sum(1 for v in values if v == 1)
    return max(positive, len(values) - positive) / len(values)


def initial_required(mode: str) -> int:
    return decide([], mode).required
