"""Temporal segment evaluation in pure NumPy (no Django): ActivityNet detection mAP, proposal AR@AN and AUC,
and annotator-versus-gold agreement for quality control.

The detection and proposal metrics reproduce the ActivityNet Challenge evaluation code (activitynet/ActivityNet,
``Evaluation/``) number for number; each module's docstring lists where it departs from it and why.
"""

from workers.evaluation.detection import DEFAULT_TIOU_THRESHOLDS, DetectionResult, detection_map
from workers.evaluation.layout import EvaluationInputError
from workers.evaluation.matching import SegmentAgreement, match_segments
from workers.evaluation.proposals import ProposalResult, proposal_recall
from workers.evaluation.report import evaluate_files, format_table
from workers.evaluation.tiou import pairwise_tiou, segment_tiou

__all__ = [
    "DEFAULT_TIOU_THRESHOLDS",
    "DetectionResult",
    "EvaluationInputError",
    "ProposalResult",
    "SegmentAgreement",
    "detection_map",
    "evaluate_files",
    "format_table",
    "match_segments",
    "pairwise_tiou",
    "proposal_recall",
    "segment_tiou",
]
