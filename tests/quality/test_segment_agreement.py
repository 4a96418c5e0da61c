"""Segment agreement that says where people differ (issue 15 item 3): workers/evaluation/agreement.py's definitions on
hand-computed cases, the per-annotator selector, and `evaluate_segments --agreement` on a small project."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from backend.quality.selectors_agreement import segment_agreement
from backend.segments.models import SegmentAnnotation, SegmentVideo
from tests.factories import ActionClassFactory, ProjectFactory, UserFactory
from tests.segments.factories import SegmentAnnotationFactory, SegmentVideoFactory
from workers.evaluation.agreement import (
    agreement_summary,
    labelled_time_overlap,
    match_labelled,
    pair_agreement,
)
from workers.evaluation.matching import match_segments

# --- matching --------------------------------------------------------------------------------------------------------


def test_label_first_a_segment_pairs_only_with_the_same_label_even_if_another_overlaps_more():
    a = [("jump", 0.0, 4.0)]
    b = [("run", 0.0, 4.0), ("jump", 1.0, 5.0)]  # the run segment is identical (tIoU 1); the jump one overlaps 3/5
    [match] = match_labelled(a=a, b=b)
    assert (match.a, match.b, match.label) == (0, 1, "jump")
    assert match.tiou == pytest.approx(3 / 5)


def test_hungarian_matches_both_where_greedy_by_tiou_leaves_one_out():
    # a0=[0,6] overlaps b0=[0,10] by 6/10=0.6 and b1=[0,3] by 3/6=0.5; a1=[4.5,10] overlaps only b0, by 5.5/10=0.55.
    a = [("x", 0.0, 6.0), ("x", 4.5, 10.0)]
    b = [("x", 0.0, 10.0), ("x", 0.0, 3.0)]
    # greedy (matching.py) fixes the best pair a0-b0 first, and a1 has nobody left: one match
    greedy = match_segments(annotator=[s[1:] for s in a], gold=[s[1:] for s in b], tiou_threshold=0.01)
    assert [(i, j) for i, j, _ in greedy.pairs] == [(0, 0)]
    # the assignment maximises the sum: a0-b1 + a1-b0 = 0.5 + 0.55 = 1.05 > 0.6
    matches = match_labelled(a=a, b=b)
    assert [(m.a, m.b) for m in matches] == [(0, 1), (1, 0)]
    assert [m.tiou for m in matches] == pytest.approx([0.5, 0.55])
    assert [x for m in matches for x in (m.start_offset, m.end_offset)] == pytest.approx([0.0, 3.0, 4.5, 0.0])


def test_touching_segments_and_pairs_at_or_below_min_tiou_stay_unmatched():
    assert match_labelled(a=[("x", 0.0, 2.0)], b=[("x", 2.0, 4.0)]) == ()  # tIoU 0 is not > 0
    a, b = [("x", 0.0, 4.0)], [("x", 2.0, 6.0)]  # tIoU 2/6
    assert len(match_labelled(a=a, b=b)) == 1
    assert match_labelled(a=a, b=b, min_tiou=0.5) == ()


# --- offsets, boundary F1, weighted agreement ------------------------------------------------------------------------

# a0=[1,5] with b0=[1.4,6.5]: tIoU 3.6/5.5; a1=[10,12] with b1=[10.8,13.8]: tIoU 1.2/3.8; a2=[20,22] has no partner.
A = [("x", 1.0, 5.0), ("x", 10.0, 12.0), ("x", 20.0, 22.0)]
B = [("x", 1.4, 6.5), ("x", 10.8, 13.8)]


def test_offsets_are_signed_annotator_minus_other_and_summarised_by_median_and_p90_of_absolutes():
    result = pair_agreement(a=A, b=B)
    assert [(m.a, m.b) for m in result.matches] == [(0, 0), (1, 1)]
    offsets = [x for m in result.matches for x in (m.start_offset, m.end_offset)]
    assert offsets == pytest.approx([-0.4, -1.5, -0.8, -1.8])
    summary = agreement_summary([result])
    assert summary["matched"] == 2
    assert summary["start_abs_median"] == pytest.approx(0.6)  # |offsets| 0.4, 0.8
    assert summary["start_abs_p90"] == pytest.approx(0.4 + 0.9 * 0.4)  # linear interpolation: 0.76
    assert summary["end_abs_median"] == pytest.approx(1.65)  # 1.5, 1.8
    assert summary["end_abs_p90"] == pytest.approx(1.5 + 0.9 * 0.3)  # 1.77
    assert summary["start_mean_signed"] == pytest.approx(-0.6)  # the annotator starts early
    assert summary["end_mean_signed"] == pytest.approx(-1.65)


@pytest.mark.parametrize(
    ("tolerance", "hits", "f1"),
    [
        (0.5, 1, 0.2),  # only a0's start (0.4 off): P 1/6, R 1/4 -> 2*(1/24)/(10/24) = 0.2
        (1.0, 2, 0.4),  # both starts (0.4, 0.8): P 2/6, R 2/4 -> 0.4
        (2.0, 4, 0.8),  # all four matched boundaries (ends 1.5, 1.8): P 4/6, R 4/4 -> 0.8
    ],
)
def test_boundary_f1_counts_matched_boundaries_within_the_tolerance(tolerance, hits, f1):
    result = pair_agreement(a=A, b=B)
    assert result.boundary_hits[tolerance] == hits
    assert result.boundary_f1(tolerance) == pytest.approx(f1)
    assert agreement_summary([result])["boundary_f1"][str(tolerance)] == pytest.approx(f1)


def test_weighted_agreement_is_labelled_time_in_common_over_labelled_time_in_either():
    # A: 4 + 2 + 2 = 8 s; B: 5.1 + 3 = 8.1 s; in common 3.6 + 1.2 = 4.8 s; in either 8 + 8.1 - 4.8 = 11.3 s
    assert pair_agreement(a=A, b=B).weighted_agreement == pytest.approx(4.8 / 11.3)


def test_weighted_agreement_merges_overlaps_and_keeps_labels_apart():
    # x: a's [0,4] and [2,6] merge into [0,6], the same as b's: 6 of 6 s. y: [0,2] vs [1,3]: 1 of 3 s. Total 7/9.
    # Blind to labels both sides would cover [0,6] and agree fully.
    a = [("x", 0.0, 4.0), ("x", 2.0, 6.0), ("y", 0.0, 2.0)]
    b = [("x", 0.0, 6.0), ("y", 1.0, 3.0)]
    assert labelled_time_overlap(a=a, b=b) == pytest.approx((7.0, 9.0))
    assert pair_agreement(a=a, b=b).weighted_agreement == pytest.approx(7 / 9)


def test_empty_sides():
    nothing = pair_agreement(a=[], b=[])
    assert nothing.boundary_f1(1.0) == 1.0 and nothing.weighted_agreement == 1.0
    missed = pair_agreement(a=[], b=[("x", 0.0, 2.0)])
    assert missed.boundary_f1(1.0) == 0.0 and missed.weighted_agreement == 0.0


def test_summary_pools_counts_over_videos_before_dividing():
    # at 1 s: video 1 (A vs B) hits 2 boundaries of 6 and 4; video 2 (one identical segment) 2 of 2 and 2.
    pooled = agreement_summary([pair_agreement(a=A, b=B), pair_agreement(a=[("x", 0.0, 3.0)], b=[("x", 0.0, 3.0)])])
    # hits 4 of 8 (a) and of 6 (b): P 1/2, R 2/3 -> F1 4/7 (the mean of the per-video F1s would be 0.7)
    assert pooled["boundary_f1"]["1.0"] == pytest.approx(4 / 7)
    assert pooled["weighted_agreement"] == pytest.approx((4.8 + 3) / (11.3 + 3))


# --- the selector and the command ------------------------------------------------------------------------------------


@pytest.fixture
def small_project(db):
    """One class, two videos. Video 1 is gold (reference [2,6]); ann1 marks [2,6], ann2 marks [3,7].
    Video 2's final answer is ann1's [10,14]; ann2 marks [10.5,14]."""
    project = ProjectFactory(name="Agreeing")
    cls = ActionClassFactory(name="Long jump")
    ann1, ann2, admin = UserFactory(username="ann1"), UserFactory(username="ann2"), UserFactory(username="boss")
    gold_video = SegmentVideoFactory(video__project=project, video__query_class=cls, is_gold=True)
    gold = SegmentAnnotationFactory(
        segment_video=gold_video, kind=SegmentAnnotation.Kind.GOLD, annotator=admin, segments=[(2.0, 6.0)]
    )
    SegmentVideo.objects.filter(pk=gold_video.pk).update(final=gold)
    SegmentAnnotationFactory(segment_video=gold_video, annotator=ann1, segments=[(2.0, 6.0)])
    SegmentAnnotationFactory(segment_video=gold_video, annotator=ann2, segments=[(3.0, 7.0)])
    video = SegmentVideoFactory(video__project=project, video__query_class=cls)
    final = SegmentAnnotationFactory(segment_video=video, annotator=ann1, segments=[(10.0, 14.0)])
    SegmentVideo.objects.filter(pk=video.pk).update(final=final)
    SegmentAnnotationFactory(segment_video=video, annotator=ann2, segments=[(10.5, 14.0)])
    # another project's disagreement must not leak in
    other = SegmentVideoFactory(video__query_class=cls)
    SegmentAnnotationFactory(segment_video=other, annotator=ann2, segments=[(0.0, 1.0)])
    SegmentAnnotationFactory(segment_video=other, annotator=ann1, segments=[(5.0, 9.0)])
    return project


def test_selector_compares_each_annotator_with_the_reference_but_not_with_their_own_final(small_project):
    result = segment_agreement(project=small_project)
    rows = {(r["annotator"], r["class"]): r for r in result["annotators"]}
    ann1, ann2 = rows[("ann1", "Long jump")], rows[("ann2", "Long jump")]
    # ann1 vs reference: only the gold video (video 2's final is their own): identical
    assert ann1["vs_reference"]["videos"] == 1
    assert ann1["vs_reference"]["boundary_f1"]["0.5"] == 1.0
    # ann2 vs reference: gold [3,7] vs [2,6] (offsets +1, +1), video 2 [10.5,14] vs [10,14] (offsets +0.5, 0)
    ref = ann2["vs_reference"]
    assert ref["videos"] == 2 and ref["matched"] == 2
    assert ref["start_abs_median"] == pytest.approx(0.75)
    assert ref["end_abs_median"] == pytest.approx(0.5)
    # at 0.5 s: video 2's two boundaries only -> 2 of 4 each side; at 1 s all four
    assert ref["boundary_f1"]["0.5"] == pytest.approx(0.5)
    assert ref["boundary_f1"]["1.0"] == pytest.approx(1.0)
    # time in common 3 + 3.5 = 6.5 s of 5 + 4 = 9 s labelled by either
    assert ref["weighted_agreement"] == pytest.approx(6.5 / 9)
    [pair] = result["pairs"]
    assert (pair["a"], pair["b"], pair["videos"]) == ("ann1", "ann2", 2)
    assert pair["start_mean_signed"] == pytest.approx((-1.0 - 0.5) / 2)  # ann1 starts earlier than ann2


def test_command_prints_the_table_and_writes_json(small_project, tmp_path):
    out = StringIO()
    path = tmp_path / "agreement.json"
    call_command(
        "evaluate_segments",
        "--agreement",
        "--project",
        "Agreeing",
        "--class",
        "Long jump",
        "--json",
        str(path),
        stdout=out,
        stderr=StringIO(),
    )
    text = out.getvalue()
    lines = [line.split() for line in text.splitlines()]
    # ann2 versus the reference: 2 videos, 2 matched, |start| median 0.75, p90 0.95, |end| median 0.50, p90 0.90,
    # boundary F1 0.500 / 1.000 / 1.000, weighted 0.722
    assert [
        "ann2",
        "Long",
        "jump",
        "reference",
        "2",
        "2",
        "0.75",
        "0.95",
        "0.50",
        "0.90",
        "0.500",
        "1.000",
        "1.000",
        "0.722",
    ] in lines
    data = json.loads(path.read_text())
    assert [r["annotator"] for r in data["annotators"]] == ["ann1", "ann2"]
    assert data["pairs"][0]["videos"] == 2  # the other project's video is not counted


def test_command_agreement_refuses_files_and_unknown_names(small_project):
    with pytest.raises(CommandError, match="no project"):
        call_command("evaluate_segments", "--agreement", "--project", "Nope", stdout=StringIO())
    with pytest.raises(CommandError, match="no files"):
        call_command("evaluate_segments", "gt.json", "pred.json", "--agreement", stdout=StringIO())
    with pytest.raises(CommandError, match="--class applies"):
        call_command("evaluate_segments", "--proposals", "--class", "Long jump", stdout=StringIO())


def test_the_dashboard_api_serves_the_same_figures_to_staff_only(small_project):
    from django.test import Client

    from backend.catalog.models import ActionClass

    staff = UserFactory(username="chief", is_staff=True)
    client = Client()
    client.force_login(staff)
    cls = ActionClass.objects.get(name="Long jump")
    url = f"/api/projects/{small_project.pk}/segment-agreement/"
    data = client.get(url, {"class": cls.pk}).json()
    assert data == json.loads(json.dumps(segment_agreement(project=small_project)))
    assert client.get(url, {"class": "x"}).status_code == 400
    client.force_login(UserFactory(username="ann1"))
    assert client.get(url).status_code == 403
