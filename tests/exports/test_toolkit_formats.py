"""export_segments --format actionformer|opentad|mmaction2: each file is read here by the rules of the toolkit's own
data loader (the fields it accesses, their types, and the numbers it derives from them), and checked against the
segments stored. The readers below are ours, written from those loaders (see backend/exports/toolkits.py for the
files read); the toolkits themselves are not installed."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from backend.catalog.models import Video
from backend.segments.models import Segment, SegmentVideo
from tests.factories import ActionClassFactory, ProjectFactory
from tests.segments.factories import SegmentAnnotationFactory, SegmentVideoFactory

pytestmark = pytest.mark.django_db

# video id -> (subset, duration s, fps, [(class, start, end)])
VIDEOS = {
    "vidA": ("training", 31.5, 29.97, [("Drinking coffee", 1.04, 3.2), ("Long jump", 10.0, 12.48)]),
    "vidB": ("validation", 12.34, 25.0, [("Drinking beer", 0.0, 12.34)]),
    "vidC": ("training", 7.0, 30.0, [("Long jump", 2.5, 6.75)]),
}
CLASSES = sorted({label for *_, segments in VIDEOS.values() for label, _, _ in segments})


@pytest.fixture
def annotated():
    project = ProjectFactory(name="toolkits")
    classes = {name: ActionClassFactory(name=name) for name in [*CLASSES, "Never annotated"]}
    for video_id, (subset, duration, fps, segments) in VIDEOS.items():
        first = classes[segments[0][0]]
        sv = SegmentVideoFactory(
            video__project=project,
            video__query_class=first,
            video__external_id=video_id,
            video__subset=subset,
            video__duration=duration,
            video__fps=fps,
            action_class=first,
        )
        final = SegmentAnnotationFactory(segment_video=sv)
        for i, (label, start, end) in enumerate(segments):
            Segment.objects.create(annotation=final, action_class=classes[label], start=start, end=end, position=i)
        SegmentVideo.objects.filter(pk=sv.pk).update(final=final, is_open=False)
    return project


def export(tmp_path: Path, fmt: str | None, *args: str) -> tuple[dict, Path]:
    out = tmp_path / f"segments_{fmt}.json"
    call_command("export_segments", "-o", str(out), *(["--format", fmt] if fmt else []), *args)
    return json.loads(out.read_text()), out


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def stored(video_id: str) -> tuple[str, float, float, list[tuple[str, float, float]]]:
    return VIDEOS[video_id]


# --- ActionFormer: libs/datasets/anet.py and thumos14.py, _load_json_db ----------------------------------------


def read_actionformer(data: dict, split: tuple[str, ...], num_classes: int) -> tuple[dict, list[dict]]:
    """What ActionFormer's loader builds: the class dict from every annotation of the file (it asserts its size is
    num_classes), then per video of the split its fps (from the entry: no default_fps), duration, segments and
    label ids, after dropping segments shorter than 1 ms as its remove_duplicate_annotations does."""
    database = data["database"]
    label_dict: dict[str, int] = {}
    for value in database.values():
        for act in value["annotations"]:
            assert isinstance(act["label_id"], int) and not isinstance(act["label_id"], bool)
            assert label_dict.setdefault(act["label"], act["label_id"]) == act["label_id"], "one id per label"
    assert len(label_dict) == num_classes
    # the ids index the classifier's num_classes outputs
    assert sorted(label_dict.values()) == list(range(num_classes))
    videos = []
    for key, value in database.items():
        if value["subset"].lower() not in split:
            continue
        assert "fps" in value, "Unknown video FPS."
        fps, duration = value["fps"], value["duration"]
        assert is_number(fps) and fps > 0 and is_number(duration) and duration > 0
        segments, labels = [], []
        for act in value["annotations"]:
            start, end = act["segment"]
            assert is_number(start) and is_number(end) and 0 <= start < end <= duration
            assert end - start >= 1e-3  # kept by remove_duplicate_annotations
            segments.append((start, end))
            labels.append(label_dict[act["label"]])
        videos.append({"id": key, "fps": fps, "duration": duration, "segments": segments, "labels": labels})
    return label_dict, videos


def test_actionformer_file_reads_as_its_loader_reads_it(annotated, tmp_path):
    data, _ = export(tmp_path, "actionformer")
    label_dict, training = read_actionformer(data, ("training",), num_classes=len(CLASSES))
    _, validation = read_actionformer(data, ("validation",), num_classes=len(CLASSES))
    # label ids are the sorted class names' positions; a class without segments takes no id
    assert label_dict == {name: i for i, name in enumerate(CLASSES)} and "Never annotated" not in label_dict
    assert [v["id"] for v in training] == ["vidA", "vidC"] and [v["id"] for v in validation] == ["vidB"]
    for video in training + validation:
        subset, duration, fps, segments = stored(video["id"])
        # fps is the video's stored frame rate, duration its seconds
        assert (video["fps"], video["duration"]) == (fps, duration)
        assert video["segments"] == [(s, e) for _, s, e in segments]
        assert video["labels"] == [CLASSES.index(label) for label, _, _ in segments]


# --- OpenTAD: opentad/datasets/anet.py, thumos.py, base/padding_dataset.py, builder.get_class_index -------------


def read_opentad(data: dict, class_map: list[str], subset_name: str) -> list[dict]:
    """What OpenTAD's datasets build: the videos whose subset is in subset_name, fps = frame / duration (no fps in
    the config), each label's index in the class map; gt in frames as its ActivityNet padding dataset computes them
    (seconds × fps) and as its THUMOS datasets do (int(seconds / duration × frame))."""
    videos = []
    for name, info in data["database"].items():
        if info["subset"] not in subset_name:
            continue
        duration, frame = info["duration"], info["frame"]
        assert is_number(duration) and duration > 0
        assert isinstance(frame, int) and not isinstance(frame, bool) and frame > 0
        fps = float(frame) / float(duration)
        anet_gt, thumos_gt, labels = [], [], []
        for anno in info["annotations"]:
            start, end = anno["segment"]
            assert is_number(start) and is_number(end) and 0 <= start < end <= duration
            anet_gt.append((start * fps, end * fps))
            thumos_gt.append((int(start / duration * frame), int(end / duration * frame)))
            labels.append(class_map.index(anno["label"]))
        videos.append({"id": name, "fps": fps, "frame": frame, "anet": anet_gt, "thumos": thumos_gt, "labels": labels})
    return videos


def test_opentad_file_and_class_map_read_as_its_datasets_read_them(annotated, tmp_path):
    data, out = export(tmp_path, "opentad")
    class_map_file = Path(f"{out}.category_idx.txt")
    class_map = [line.rstrip("\n") for line in class_map_file.read_text(encoding="utf8").splitlines(keepends=True)]
    # the class map is what OpenTAD's get_class_index would write itself: the file's labels, sorted
    labels_in_file = {a["label"] for v in data["database"].values() for a in v["annotations"]}
    assert class_map == sorted(labels_in_file) == CLASSES
    videos = read_opentad(data, class_map, "training") + read_opentad(data, class_map, "validation")
    assert sorted(v["id"] for v in videos) == ["vidA", "vidB", "vidC"]
    for video in videos:
        _, duration, fps, segments = stored(video["id"])
        # frame is the frame count, the nearest whole frame of duration × fps: frame / duration gives fps back
        assert video["frame"] == round(duration * fps)
        assert abs(video["fps"] - fps) <= 0.5 / duration
        assert video["labels"] == [CLASSES.index(label) for label, _, _ in segments]
        for (anet_start, anet_end), (th_start, th_end), (_, start, end) in zip(
            video["anet"], video["thumos"], segments, strict=True
        ):
            assert anet_start == pytest.approx(start * fps, abs=0.5) and anet_end == pytest.approx(end * fps, abs=0.5)
            assert 0 <= th_start <= th_end <= video["frame"]
            assert abs(th_start - start * fps) <= 1 and abs(th_end - end * fps) <= 1


# --- MMAction2: mmaction/datasets/activitynet_dataset.py, GenerateLocalizationLabels -----------------------------


def read_mmaction2(data: dict) -> list[dict]:
    """What MMAction2 builds: one item per top-level key (the feature file is <key>.csv), then the localisation
    labels: each segment over duration_second × feature_frame / duration_frame, clipped to [0, 1]."""
    assert "database" not in data
    items = []
    for video_name, info in data.items():
        for key in ("duration_second", "duration_frame", "feature_frame", "annotations"):
            assert key in info, key
        second, frame, feature_frame = info["duration_second"], info["duration_frame"], info["feature_frame"]
        assert is_number(second) and second > 0
        assert isinstance(frame, int) and isinstance(feature_frame, int) and 0 < feature_frame <= frame
        corrected_second = float(feature_frame) / frame * second
        gt_bbox, labels = [], []
        for annotation in info["annotations"]:
            start, end = annotation["segment"]
            assert is_number(start) and is_number(end) and 0 <= start < end <= second
            gt_bbox.append(
                (max(min(1, start / corrected_second), 0), max(min(1, end / corrected_second), 0)),
            )
            labels.append(annotation["label"])
        items.append(
            {"id": video_name, "feature_path": f"feats/{video_name}.csv", "info": info, "gt": gt_bbox, "labels": labels}
        )
    return items


def test_mmaction2_file_reads_as_its_dataset_and_label_transform_read_it(annotated, tmp_path):
    # mmaction2 reads one file per subset (anet_anno_train.json, anet_anno_val.json)
    train, _ = export(tmp_path, "mmaction2", "--subset", "training")
    val, _ = export(tmp_path, "mmaction2", "--subset", "validation")
    items = read_mmaction2(train) + read_mmaction2(val)
    assert [i["id"] for i in items] == ["vidA", "vidC", "vidB"]
    for item in items:
        _, duration, fps, segments = stored(item["id"])
        info = item["info"]
        assert info["duration_second"] == duration and info["fps"] == fps
        assert info["duration_frame"] == round(duration * fps)
        assert info["rfps"] == pytest.approx(info["duration_frame"] / duration)
        # features are taken to cover every frame, so segments are scaled by the whole duration
        assert item["gt"] == [pytest.approx((s / duration, e / duration)) for _, s, e in segments]
        assert item["labels"] == [label for label, _, _ in segments]


# --- the choice of format, and frame rates ----------------------------------------------------------------------


def test_default_format_is_the_activitynet_export_unchanged(annotated, tmp_path):
    plain, plain_path = export(tmp_path, None)
    named, named_path = export(tmp_path, "activitynet")
    assert plain_path.read_bytes() == named_path.read_bytes()
    assert set(plain) == {"version", "taxonomy", "database"}
    assert plain["database"]["vidA"] == {
        "subset": "training",
        "duration": 31.5,
        "url": "",
        "annotations": [
            {"label": "Drinking coffee", "segment": [1.04, 3.2]},
            {"label": "Long jump", "segment": [10.0, 12.48]},
        ],
        "label_source": "single",
    }
    assert not Path(f"{plain_path}.category_idx.txt").exists()


def test_a_video_without_a_known_frame_rate_is_refused_unless_a_default_is_given(annotated, tmp_path):
    Video.objects.filter(external_id="vidC").update(fps=0)
    for fmt in ("actionformer", "opentad", "mmaction2"):
        with pytest.raises(CommandError, match=r"1 video\(s\) have no known frame rate .*: vidC; give a default fps"):
            export(tmp_path, fmt)
    # activitynet needs no frame rate
    assert "vidC" in export(tmp_path, "activitynet")[0]["database"]
    data, _ = export(tmp_path, "opentad", "--default-fps", "24")
    assert data["database"]["vidC"]["frame"] == round(7.0 * 24)
    assert data["database"]["vidA"]["frame"] == round(31.5 * 29.97)  # a known rate is kept
    with pytest.raises(CommandError, match="default fps must be a positive number"):
        export(tmp_path, "mmaction2", "--default-fps", "0")


def test_the_api_serves_each_format_and_the_class_map(annotated, admin_client):
    url = reverse("api-export-segments", args=[annotated.pk])
    response = admin_client.get(url, {"format": "actionformer"})
    assert response.status_code == 200
    data = json.loads(b"".join(response.streaming_content))
    label_dict, _ = read_actionformer(data, ("training", "validation"), num_classes=len(CLASSES))
    assert label_dict == {name: i for i, name in enumerate(CLASSES)}
    assert f'segments_{annotated.pk}_actionformer.json"' in response["Content-Disposition"]
    response = admin_client.get(url, {"format": "mmaction2", "subset": "validation"})
    assert list(json.loads(b"".join(response.streaming_content))) == ["vidB"]
    response = admin_client.get(url, {"report": "classes"})
    assert response.status_code == 200 and response.content.decode().splitlines() == CLASSES
    response = admin_client.get(url, {"format": "nope"})
    assert response.status_code == 400 and "format must be one of activitynet" in response.json()["format"][0]
    plain = admin_client.get(url)
    assert json.loads(b"".join(plain.streaming_content))["database"]["vidB"]["duration"] == 12.34
