"""`evaluate_segments` at the command level (the numbers themselves are tested in tests/workers/test_evaluation.py)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

GROUND_TRUTH = {
    "version": "VERSION 1.3",
    "taxonomy": [],
    "database": {
        "v1": {
            "subset": "validation",
            "duration": "60.0",
            "url": "",
            "annotations": [
                {"label": "Long jump", "segment": [3.0, 9.5]},
                {"label": "Long jump", "segment": [20.0, 31.0]},
            ],
        },
        "v2": {
            "subset": "validation",
            "duration": 40.0,
            "url": "",
            "annotations": [{"label": "Drinking coffee", "segment": [0.0, 12.25]}],
        },
        "v3": {
            "subset": "training",
            "duration": 30.0,
            "url": "",
            "annotations": [{"label": "Drinking coffee", "segment": [5.0, 6.0]}],
        },
    },
}


def as_results(ground_truth: dict) -> dict:
    """The ground truth itself, in the ActivityNet results layout (every segment with score 1)."""
    return {
        "version": "VERSION 1.3",
        "external_data": {"used": False, "details": ""},
        "results": {
            vid: [{"label": a["label"], "segment": a["segment"], "score": 1.0} for a in entry["annotations"]]
            for vid, entry in ground_truth["database"].items()
        },
    }


@pytest.fixture
def files(tmp_path):
    gt, pred = tmp_path / "gt.json", tmp_path / "pred.json"
    gt.write_text(json.dumps(GROUND_TRUTH))
    pred.write_text(json.dumps(as_results(GROUND_TRUTH)))
    return gt, pred


def run(*args) -> str:
    out = StringIO()
    call_command("evaluate_segments", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_ground_truth_against_itself_scores_map_1_at_every_threshold(files, tmp_path):
    gt, pred = files
    table = run(gt, pred, "--json", tmp_path / "result.json")
    assert "ActivityNet detection" in table and "average    100.00" in table
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["average_map"] == 1.0 and set(result["map"].values()) == {1.0} and len(result["map"]) == 10
    assert set(result["per_class"]) == {"Long jump", "Drinking coffee"}


def test_subset_and_proposals(files, tmp_path):
    gt, pred = files
    run(gt, pred, "--subset", "validation", "--json", tmp_path / "val.json")
    val = json.loads((tmp_path / "val.json").read_text())
    assert val["subset"] == "validation" and val["counts"]["ground_truth_instances"] == 3
    table = run(gt, pred, "--proposals", "--json", tmp_path / "proposals.json")
    assert "ActivityNet proposals" in table and "AR@100" in table
    assert json.loads((tmp_path / "proposals.json").read_text())["ar_at_100"] == 1.0


def test_an_export_of_the_platform_evaluates_against_itself(tmp_path, db, project):
    """What export_segments writes is what evaluate_segments reads."""
    from backend.segments.models import SegmentVideo
    from tests.segments.factories import SegmentAnnotationFactory, SegmentVideoFactory

    sv = SegmentVideoFactory(video__project=project)
    final = SegmentAnnotationFactory(segment_video=sv, segments=[(1.0, 4.0), (6.5, 9.0)])
    SegmentVideo.objects.filter(pk=sv.pk).update(final=final, is_open=False)
    gt = tmp_path / "export.json"
    call_command("export_segments", "-o", str(gt), stderr=StringIO())
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps(as_results(json.loads(gt.read_text()))))
    assert "average    100.00" in run(gt, pred)


def test_bad_input_names_the_path_of_the_bad_element(files, tmp_path):
    gt, _ = files
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"results": {"v1": [{"label": "Long jump", "segment": [1, "x"], "score": 1}]}}))
    with pytest.raises(CommandError, match=r'results\["v1"\]\[0\].segment'):
        run(gt, bad)
    with pytest.raises(CommandError, match="predictions"):
        run(gt, tmp_path / "missing.json")


def test_thumos_thresholds_score_each_tiou_and_a_03_match_counts_at_03_not_05(tmp_path):
    # given two classes: "Long jump" predicted over 3 s of its 10-s instance (tIoU exactly 0.3), "Diving" exactly
    ground_truth = {
        "database": {
            "v1": {"subset": "test", "duration": 60.0, "annotations": [{"label": "Long jump", "segment": [0.0, 10.0]}]},
            "v2": {"subset": "test", "duration": 60.0, "annotations": [{"label": "Diving", "segment": [5.0, 9.0]}]},
        }
    }
    predictions = {
        "results": {
            "v1": [{"label": "Long jump", "segment": [0.0, 3.0], "score": 0.9}],
            "v2": [{"label": "Diving", "segment": [5.0, 9.0], "score": 0.8}],
        }
    }
    gt, pred = tmp_path / "gt.json", tmp_path / "pred.json"
    gt.write_text(json.dumps(ground_truth))
    pred.write_text(json.dumps(predictions))
    # when evaluated at THUMOS'14's thresholds
    table = run(gt, pred, "--tiou", "0.1,0.2,0.3,0.4,0.5", "--json", tmp_path / "thumos.json")
    result = json.loads((tmp_path / "thumos.json").read_text())
    # then mAP is returned and printed at each threshold: the 0.3 match counts up to 0.3, not at 0.4 or 0.5
    assert result["tiou_thresholds"] == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert result["map"] == {"0.10": 1.0, "0.20": 1.0, "0.30": 1.0, "0.40": 0.5, "0.50": 0.5}
    assert result["per_class"]["Long jump"]["ap"] == {"0.10": 1.0, "0.20": 1.0, "0.30": 1.0, "0.40": 0.0, "0.50": 0.0}
    assert result["average_map"] == pytest.approx(0.8)
    for line in ("    0.30    100.00", "    0.50     50.00", " average     80.00"):
        assert line in table
    # and the default stays ActivityNet's 0.50:0.05:0.95, where the 0.3 match never counts
    run(gt, pred, "--json", tmp_path / "anet.json")
    anet = json.loads((tmp_path / "anet.json").read_text())
    assert list(anet["map"]) == [f"{0.5 + 0.05 * k:.2f}" for k in range(10)] and set(anet["map"].values()) == {0.5}


def test_tiou_ranges_and_bad_thresholds(files, tmp_path):
    from workers.evaluation import DEFAULT_TIOU_THRESHOLDS
    from workers.evaluation.report import parse_tiou_thresholds

    # a range is made as the official default is: the same floats
    assert parse_tiou_thresholds("0.5:0.95:0.05").tolist() == DEFAULT_TIOU_THRESHOLDS.tolist()
    assert parse_tiou_thresholds("0.3:0.7:0.1").size == 5
    gt, pred = files
    run(gt, pred, "--proposals", "--tiou", "0.3:0.7:0.1", "--json", tmp_path / "p.json")
    assert list(json.loads((tmp_path / "p.json").read_text())["recall_at_100"]) == [
        "0.30",
        "0.40",
        "0.50",
        "0.60",
        "0.70",
    ]
    for bad, message in (
        ("0.1,abc", "--tiou: expected start:stop:step"),
        ("0.5:0.95", "--tiou: expected start:stop:step"),
        ("0.5:0.9:0.07", "the step does not divide"),
        ("0.3,1.5", "expected values in"),
        ("0.3,0.30", "given twice"),
    ):
        with pytest.raises(CommandError, match=message):
            run(gt, pred, "--tiou", bad)
