"""Frame classifiers and embeddings on EfficientNet-Lite0 (SLAC §3.6). Importing this package loads no torch."""

from workers.classifiers.backbone import CROP_SIZE, EMBEDDING_SIZE, RESIZE_SHORT_SIDE, Backbone
from workers.classifiers.frame_classifier import (
    BACKGROUND_CLASS,
    NUM_CLASSES,
    FrameClassifier,
    TrainedClassifier,
    load_frame_classifier,
    train_frame_classifier,
)

__all__ = [
    "BACKGROUND_CLASS",
    "CROP_SIZE",
    "EMBEDDING_SIZE",
    "NUM_CLASSES",
    "RESIZE_SHORT_SIDE",
    "Backbone",
    "FrameClassifier",
    "TrainedClassifier",
    "load_frame_classifier",
    "train_frame_classifier",
]
