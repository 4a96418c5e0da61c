"""S-CNN suggestions in the timeline tool, in Chromium (issue 6): the proposals the frame classifiers made for a video
are drawn on both timelines; the annotator steps through them with Tab, accepts one with A (it becomes a segment, and
Ctrl+Z takes it back), dismisses one with X, adjusts one by dragging its edge, and submits: the stored annotation
holds only the segments, and records that suggestions were shown and what was done with them.
"""

import pytest

from backend.catalog.services import video_ingest
from backend.mining.models import ClassifierModel
from backend.segments import proposals
from backend.segments.media import segment_videos_enqueue
from backend.segments.models import SegmentAnnotation, SegmentProposal, SegmentSettings, SegmentVideo
from tests.browser.test_timeline import open_as, seek, segments_listed, x_of  # noqa: F401 (open_as: a fixture)
from tests.factories import GroupFactory, UserFactory
from tests.segments.media import BrightnessClassifier, make_span_video, media_inline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FPS = 25
# Three actions, each 64 frames (2.56 s) on the S-CNN window grid: the stand-in classifier sees them as bright frames.
ACTIONS = [(1.28, 3.84), (5.12, 7.68), (8.96, 11.52)]


@pytest.fixture
def suggestion_project(project, action_class, tmp_path, monkeypatch):
    """A 13-s video with three actions in segment annotation, its proposals made by both frame classifiers."""
    media_inline(monkeypatch)
    names = ["Some other action", action_class.name, "background"]
    for kind in ("youtube", "web"):
        ClassifierModel.objects.create(
            kind=kind, version=1, file=f"models/{kind}-v1.pt", val_accuracy=0.9, class_names=names
        )
    monkeypatch.setattr(proposals, "classifier_load", lambda model: BrightnessClassifier(class_index=1, num_classes=3))
    SegmentSettings.objects.create(project=project, gold_rate=0.0)
    annotator = UserFactory(username="annotator1", password="pass-1")
    GroupFactory(project=project, members=[annotator], classes=[action_class])
    video = video_ingest(
        project=project,
        path=make_span_video(tmp_path / "three.ts", seconds=13, spans=ACTIONS),
        action_class=action_class,
        external_id="three-actions",
    )
    segment_videos_enqueue(project=project)  # media, then proposals, in-process on commit
    segment_video = SegmentVideo.objects.get(video=video)
    assert segment_video.proposal_run.state == "ready"
    return segment_video


def open_timeline(page):
    page.click("text=Start segmenting")
    page.wait_for_function("document.getElementById('player').readyState >= 2")
    page.wait_for_selector("#overview .playhead")
    return page


def selected_suggestion(page) -> tuple[float, float]:
    node = page.locator("#zoom .suggestion.selected")
    return float(node.get_attribute("data-start")), float(node.get_attribute("data-end"))


def settle(page):
    page.wait_for_function("!document.getElementById('player').seeking")


def shown(stored, segments=(), dismissed=()) -> list[tuple[float, float]]:
    """The tool's rule (suggestions.js): a suggestion is shown unless decided, half inside one of the segments, or
    half inside a better-ranked suggestion (it goes with that one). ``stored``: (start, end, score) best first."""

    def inside(p, q) -> bool:
        return min(p[1], q[1]) - max(p[0], q[0]) >= 0.5 * (p[1] - p[0])

    spans = [(s, e) for s, e, _ in stored]
    return [
        p
        for rank, p in enumerate(spans)
        if p not in dismissed
        and not any(inside(p, q) for q in segments)
        and not any(inside(p, q) for q in spans[:rank])
    ]


def test_annotator_accepts_dismisses_and_adjusts_suggestions_and_only_segments_are_stored(
    open_as,  # noqa: F811 (the fixture imported above)
    shot,
    suggestion_project,
):
    stored = list(
        SegmentProposal.objects.filter(segment_video=suggestion_project)
        .order_by("rank")
        .values_list("start", "end", "score")
    )
    # the best proposal of each action is the window that covers it exactly (64 frames on the grid)
    for action in ACTIONS:
        assert any((s, e) == action for s, e, _ in stored), stored
    page = open_timeline(open_as("annotator1", "pass-1"))

    # the suggestions are drawn on both timelines, hatched, with their score; none is a segment. Windows nested in a
    # better one go with it: one suggestion per action here (the stored proposals keep them all)
    page.wait_for_selector("#suggestion-bar:not([hidden])")
    assert len(stored) > len(ACTIONS) and shown(stored) == ACTIONS
    assert [float(n.get_attribute("data-start")) for n in page.query_selector_all("#overview .suggestion")] == [
        a for a, _ in ACTIONS
    ]
    first_score = next(score for s, e, score in stored if (s, e) == ACTIONS[0])
    assert page.inner_text("#zoom .suggestion[data-start='1.280'][data-end='3.840'] .score") == f"{first_score:.2f}"
    assert segments_listed(page) == []
    assert page.inner_text("#suggestion-status").startswith("3 waiting · 0 accepted · 0 dismissed")
    shot(page, "proposals-shown")

    # Tab: the first suggestion after the playhead (at 0); the player goes to its start
    page.keyboard.press("Tab")
    settle(page)
    assert selected_suggestion(page) == ACTIONS[0]
    assert page.inner_text("#clock").startswith("1.280 s")
    shot(page, "proposals-selected")

    # A: it becomes a segment of the annotator's own, selected (handles to adjust it); two suggestions wait
    page.keyboard.press("a")
    assert segments_listed(page) == [ACTIONS[0]]
    assert page.locator("#segment-list tbody tr .from-suggestion").count() == 1
    assert page.locator("#zoom .segment.selected .handle").count() == 2
    assert page.locator("#overview .suggestion").count() == 2
    shot(page, "proposals-accepted")
    # undo takes the acceptance back (the suggestion returns), redo makes it again
    page.keyboard.press("Control+z")
    assert segments_listed(page) == [] and page.locator("#overview .suggestion").count() == 3
    page.keyboard.press("Control+Shift+z")
    assert segments_listed(page) == [ACTIONS[0]]

    # Tab to the second action's suggestion; X dismisses it and moves on to the next (the third action's)
    page.keyboard.press("Tab")
    settle(page)
    assert selected_suggestion(page) == ACTIONS[1]
    page.keyboard.press("x")
    settle(page)
    assert page.locator("#overview .suggestion").count() == 1
    assert segments_listed(page) == [ACTIONS[0]]
    assert selected_suggestion(page) == ACTIONS[2]
    assert page.inner_text("#suggestion-status").startswith("1 waiting · 1 accepted · 1 dismissed")
    shot(page, "proposals-dismissed")

    # adjust by keyboard: E on the selected suggestion accepts it with its end at the playhead; undo takes it back
    seek(page, 11.2)
    page.keyboard.press("e")
    assert segments_listed(page) == [ACTIONS[0], (ACTIONS[2][0], 11.2)]
    page.keyboard.press("Control+z")
    assert segments_listed(page) == [ACTIONS[0]] and page.locator("#zoom .suggestion").count() == 1
    # adjust by mouse: click the suggestion to select it, drag its end 0.4 s later: accepted with the moved end
    page.click("#zoom .suggestion")
    assert selected_suggestion(page) == ACTIONS[2]
    handle = page.locator("#zoom .suggestion.selected .handle.end").bounding_box()
    y = handle["y"] + handle["height"] / 2
    page.mouse.move(handle["x"] + handle["width"] / 2, y)
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(x_of(page, "#zoom", ACTIONS[2][1] + 0.4 * step / 5), y)
    page.mouse.up()
    (first, third) = segments_listed(page)
    assert first == ACTIONS[0] and third[0] == ACTIONS[2][0] and abs(third[1] - (ACTIONS[2][1] + 0.4)) <= 1 / FPS
    assert page.locator("#segment-list tbody tr .from-suggestion").count() == 2
    page.wait_for_selector("#saved[data-state='saved']")
    shot(page, "proposals-adjusted")

    # a reload keeps the segments, where they came from, and what was dismissed
    page.reload()
    page.wait_for_function("document.querySelectorAll('#segment-list tbody tr').length === 2")
    assert page.locator("#segment-list tbody tr .from-suggestion").count() == 2
    assert page.locator("#overview .suggestion").count() == 0  # the dismissed one stays dismissed

    # the help overlay lists the suggestion keys
    page.keyboard.press("?")
    page.wait_for_selector("#help-dialog[open]")
    assert "accept the selected suggestion" in page.inner_text("#help-dialog")
    shot(page, "proposals-help")
    page.keyboard.press("Escape")

    # submit: only the two segments are stored; the annotation records the suggestions and the decisions
    page.wait_for_selector("#help-dialog", state="hidden")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#empty:has-text('No videos of this class are waiting for you')")
    assert page.is_hidden("#suggestion-bar")  # nothing left of the last video's suggestions
    annotation = SegmentAnnotation.objects.get(segment_video=suggestion_project, status="submitted")
    segments = list(annotation.segments.values_list("start", "end"))
    assert segments[0] == ACTIONS[0] and segments[1][0] == ACTIONS[2][0] and len(segments) == 2
    assert annotation.suggestions_shown
    assert (annotation.suggestions_accepted, annotation.suggestions_adjusted) == (2, 1)
    assert annotation.suggestions_dismissed == 1
    by_id = dict(SegmentProposal.objects.filter(segment_video=suggestion_project).values_list("pk", "start"))
    assert sorted(by_id[i] for i in annotation.suggestion_decisions["accepted"]) == [ACTIONS[0][0], ACTIONS[2][0]]
    assert [by_id[i] for i in annotation.suggestion_decisions["dismissed"]] == [ACTIONS[1][0]]
    assert annotation.seconds_spent > 0


def test_without_a_classifier_the_tool_says_so_and_shows_no_suggestions(
    open_as,  # noqa: F811 (the fixture imported above)
    shot,
    project,
    action_class,
    tmp_path,
    monkeypatch,
):
    media_inline(monkeypatch)
    SegmentSettings.objects.create(project=project, gold_rate=0.0)
    annotator = UserFactory(username="annotator1", password="pass-1")
    GroupFactory(project=project, members=[annotator], classes=[action_class])
    video_ingest(
        project=project,
        path=make_span_video(tmp_path / "one.ts", seconds=6, spans=[(1.0, 3.0)]),
        action_class=action_class,
        external_id="no-classifier",
    )
    segment_videos_enqueue(project=project)
    page = open_timeline(open_as("annotator1", "pass-1"))
    page.wait_for_selector("#suggestion-bar[data-state='no_classifier']:not([hidden])")
    assert "No frame classifier knows this class yet" in page.inner_text("#suggestion-status")
    assert page.locator(".suggestion").count() == 0 and page.is_disabled("#suggestion-accept")
    page.keyboard.press("Tab")  # nothing to step to: said so, nothing selected
    page.wait_for_selector("#status:has-text('There are no suggestions for this video')")
    shot(page, "proposals-no-classifier")

    # with the project's switch off there is no suggestion bar at all (the "without suggestions" arm)
    SegmentSettings.objects.filter(project=project).update(suggestions=False)
    page.reload()
    page.wait_for_function("document.getElementById('player').readyState >= 2")
    assert page.is_hidden("#suggestion-bar")
