"""EfficientNet-Lite0 backbone and the 201-way frame classifier (SLAC §3.6), with the shipped ImageNet weights."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from workers.classifiers import (
    BACKGROUND_CLASS,
    CROP_SIZE,
    EMBEDDING_SIZE,
    NUM_CLASSES,
    Backbone,
    FrameClassifier,
    load_frame_classifier,
    train_frame_classifier,
)
from workers.classifiers.backbone import PIXEL_MEAN, PIXEL_STD, preprocess
from workers.classifiers.frame_classifier import frame_classifier_cache_clear, stratified_split

IMAGENET_CATS = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
IMAGENET_COFFEE = {504, 967, 968}  # coffee mug, espresso, cup


def augmented_crops(photo: np.ndarray, count: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Random crops (35–90 % of each side), mirrored half the time, brightness ±20 %: a class of 'frames'."""
    crops = []
    height, width = photo.shape[:2]
    for _ in range(count):
        crop_h, crop_w = (int(height * rng.uniform(0.35, 0.9)), int(width * rng.uniform(0.35, 0.9)))
        top, left = rng.integers(0, height - crop_h + 1), rng.integers(0, width - crop_w + 1)
        crop = photo[top : top + crop_h, left : left + crop_w].astype(np.float32)
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        crop = np.clip(crop * rng.uniform(0.8, 1.2), 0, 255).astype(np.uint8)
        crops.append(np.ascontiguousarray(crop))
    return crops


def three_class_task(per_class: int, seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Cat, espresso and motorcycle crops; the motorcycle stands for the background class."""
    rng = np.random.default_rng(seed)
    photos = [(data.chelsea(), 0), (data.coffee(), 1), (data.stereo_motorcycle()[0], BACKGROUND_CLASS)]
    images, labels = [], []
    for photo, label in photos:
        images += augmented_crops(photo, per_class, rng)
        labels += [label] * per_class
    return images, np.array(labels)


# --- rules -----------------------------------------------------------------------------------------------


def test_frames_are_resized_to_short_side_256_and_centre_cropped_to_224():
    # given a 256×512 frame whose central 224×224 is green and everything else red
    frame = np.zeros((256, 512, 3), np.uint8)
    frame[..., 0] = 255
    frame[16:240, 144:368] = (0, 255, 0)
    # when
    pixels = preprocess(frame[None])[0].numpy() * PIXEL_STD + PIXEL_MEAN
    # then only the green centre is left (the antialiased border blends at most one pixel)
    assert pixels.shape == (3, CROP_SIZE, CROP_SIZE)
    inner = pixels[:, 1:-1, 1:-1]
    np.testing.assert_allclose(inner[1], 255, atol=1)
    np.testing.assert_allclose(inner[0], 0, atol=1)


def test_frames_of_any_size_and_aspect_come_out_224_square():
    frames = [np.zeros((90, 160, 3), np.uint8), np.zeros((720, 1280, 3), np.uint8), np.zeros((300, 200, 3), np.uint8)]
    assert tuple(preprocess(frames).shape) == (3, 3, CROP_SIZE, CROP_SIZE)


def test_validation_split_is_stratified_disjoint_and_seeded():
    labels = np.array([0] * 10 + [1] * 5 + [2] * 1)
    train, val = stratified_split(labels, 0.2, seed=3)
    assert set(train).isdisjoint(val) and len(train) + len(val) == len(labels)
    assert sorted(np.bincount(labels[val], minlength=3)) == [0, 1, 2]  # 2 of ten, 1 of five, none of one
    assert set(labels[train]) == {0, 1, 2}  # every class keeps training examples
    again = stratified_split(labels, 0.2, seed=3)
    assert np.array_equal(train, again[0]) and np.array_equal(val, again[1])


def test_training_refuses_labels_out_of_range():
    images = [np.zeros((32, 32, 3), np.uint8)] * 2
    with pytest.raises(ValueError, match="labels"):
        train_frame_classifier(images=images, labels=[0, NUM_CLASSES], epochs=1, batch_size=2, lr=1e-3)
    with pytest.raises(ValueError, match="images but"):
        train_frame_classifier(images=images, labels=[0], epochs=1, batch_size=2, lr=1e-3)


def test_device_is_cuda_only_when_available_and_an_explicit_choice_wins():
    import torch

    from workers.device import pick_device

    assert pick_device() == ("cuda" if torch.cuda.is_available() else "cpu")
    assert pick_device("cpu") == "cpu"


# --- the real ImageNet backbone --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def backbone():
    return Backbone(device="cpu")


@pytest.mark.slow
def test_imagenet_head_sees_a_cat_and_an_espresso(backbone):
    # The shipped state dict loads strictly (Backbone would raise otherwise) and predicts real photos sensibly.
    proba = backbone.imagenet_proba([data.chelsea(), data.coffee()])
    assert proba.shape == (2, 1000)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert int(proba[0].argmax()) in IMAGENET_CATS
    assert int(proba[1].argmax()) in IMAGENET_COFFEE


@pytest.mark.slow
def test_embedding_is_the_pooled_conv_features(backbone):
    frames = np.stack([data.astronaut(), data.astronaut()[:, ::-1].copy()])
    conv = backbone.conv_features(frames)
    embedding = backbone.embed(frames)
    assert conv.shape == (2, EMBEDDING_SIZE, 7, 7)
    assert embedding.shape == (2, EMBEDDING_SIZE)
    np.testing.assert_allclose(embedding, conv.mean(axis=(2, 3)), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_embeddings_put_near_duplicates_closer_than_other_frames(backbone):
    photo = data.astronaut()
    near_duplicate = np.clip(photo[4:, 6:].astype(np.int16) + 12, 0, 255).astype(np.uint8)  # shifted, brighter
    other = data.camera()
    other = np.stack([other] * 3, axis=-1)
    vectors = backbone.embed([photo, near_duplicate, other])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.1


# --- the trained frame classifier -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def task():
    return three_class_task(per_class=15, seed=0)


@pytest.fixture(scope="module")
def trained(task):
    images, labels = task
    fractions: list[float] = []
    result = train_frame_classifier(
        images=images,
        labels=labels,
        epochs=30,
        batch_size=16,
        lr=3e-3,
        progress=fractions.append,
        seed=7,
        device="cpu",
    )
    return result, fractions


@pytest.mark.slow
def test_head_learns_a_three_class_task_well_above_chance(trained):
    result, _ = trained
    assert result.val_size == 9 and result.train_size == 36
    assert result.val_accuracy >= 0.9  # chance is 1/3


@pytest.mark.slow
def test_classifier_labels_fresh_frames_it_never_saw(trained):
    result, _ = trained
    images, labels = three_class_task(per_class=3, seed=99)
    proba = result.model.predict_proba(images)
    assert proba.shape == (9, NUM_CLASSES)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert np.mean(proba.argmax(axis=1) == labels) >= 0.8


@pytest.mark.slow
def test_progress_is_reported_from_start_to_finish(trained):
    _, fractions = trained
    assert fractions == sorted(fractions)
    assert 0.0 < fractions[0] <= 0.4 and fractions[-1] == 1.0


@pytest.mark.slow
def test_saved_classifier_loads_with_identical_probabilities(trained, tmp_path):
    result, _ = trained
    frames = three_class_task(per_class=1, seed=5)[0]
    path = tmp_path / "round" / "frame_classifier.pt"
    result.model.save(path)
    loaded = load_frame_classifier(path, device="cpu")
    np.testing.assert_array_equal(loaded.predict_proba(frames), result.model.predict_proba(frames))
    np.testing.assert_array_equal(loaded.embed(frames), result.model.embed(frames))


@pytest.mark.slow
def test_a_worker_loads_each_classifier_file_once(trained, tmp_path):
    # given a saved classifier that mining and the timeline's proposals both score with
    result, _ = trained
    frames = three_class_task(per_class=1, seed=5)[0]
    path = tmp_path / "youtube-v1.pt"
    result.model.save(path)
    frame_classifier_cache_clear()
    # when they load it, by path (spelt two ways) or by the file's bytes
    first = load_frame_classifier(path, device="cpu")
    # then its weights are in memory once per spelling of the file, with the saved probabilities
    assert load_frame_classifier(str(tmp_path / "." / "youtube-v1.pt"), device="cpu") is first
    from_bytes = load_frame_classifier(path.read_bytes(), device="cpu")
    assert load_frame_classifier(path.read_bytes(), device="cpu") is from_bytes
    np.testing.assert_array_equal(from_bytes.predict_proba(frames), result.model.predict_proba(frames))
    # and a file written again is read again
    FrameClassifier(num_classes=NUM_CLASSES, device="cpu").save(path)  # an untrained head
    reloaded = load_frame_classifier(path, device="cpu")
    assert reloaded is not first
    assert not np.allclose(reloaded.predict_proba(frames), first.predict_proba(frames))
    frame_classifier_cache_clear()


@pytest.mark.slow
def test_same_seed_same_model(task):
    images, labels = task
    images, labels = images[::3], labels[::3]  # 5 per class keeps this quick
    first = train_frame_classifier(images=images, labels=labels, epochs=5, batch_size=8, lr=3e-3, seed=1, device="cpu")
    second = train_frame_classifier(images=images, labels=labels, epochs=5, batch_size=8, lr=3e-3, seed=1, device="cpu")
    frames = images[:4]
    np.testing.assert_array_equal(first.model.predict_proba(frames), second.model.predict_proba(frames))
    assert first.val_accuracy == second.val_accuracy


@pytest.mark.slow
def test_fine_tuning_the_last_block_trains_and_round_trips(task, backbone, tmp_path):
    images, labels = task
    images, labels = images[::3], labels[::3]
    result = train_frame_classifier(
        images=images, labels=labels, epochs=10, batch_size=8, lr=1e-3, seed=2, train_last_block=True, device="cpu"
    )
    assert result.val_accuracy > 1 / 3
    path = tmp_path / "last_block.pt"
    result.model.save(path)
    loaded = FrameClassifier.load(path, device="cpu")
    assert loaded.train_last_block
    frames = images[:3]
    np.testing.assert_array_equal(loaded.predict_proba(frames), result.model.predict_proba(frames))
    # the trained block changed the features: they are no longer ImageNet's
    imagenet = backbone.embed(frames)
    assert not np.allclose(loaded.embed(frames), imagenet)


@pytest.mark.slow
def test_one_pass_of_the_imagenet_trunk_scores_both_classifiers_and_the_embedding(trained, task, backbone):
    # given a trained head-only classifier, one whose last block differs from ImageNet's, and five photos
    import torch

    from workers.classifiers.frame_classifier import committee_pass

    head_only = trained[0].model
    last_block = FrameClassifier(train_last_block=True, device="cpu")
    with torch.no_grad():
        for param in last_block.net._blocks[-1].parameters():
            param.mul_(1.05)
    frames = list(task[0][:5])
    stems = {name: [] for name in ("trunk", "head_only", "last_block")}
    hooks = [
        model._conv_stem.register_forward_hook(lambda module, args, out, name=name: stems[name].append(len(out)))
        for name, model in (("trunk", backbone.model), ("head_only", head_only.net), ("last_block", last_block.net))
    ]
    # when
    try:
        embedding, (p_head_only, p_last_block) = committee_pass(
            frames, trunk=backbone.model, device="cpu", classifiers=[head_only, last_block]
        )
    finally:
        for hook in hooks:
            hook.remove()
    # then each frame went through the trunk's first layer once, and no classifier ran its own copy of it
    assert stems == {"trunk": [5], "head_only": [], "last_block": []}
    # and the answers are those of the three separate passes
    np.testing.assert_allclose(embedding, backbone.embed(frames), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(p_head_only, head_only.predict_proba(frames), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(p_last_block, last_block.predict_proba(frames), rtol=1e-5, atol=1e-7)
    assert not np.allclose(p_last_block, head_only.predict_proba(frames))
