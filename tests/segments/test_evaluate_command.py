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
