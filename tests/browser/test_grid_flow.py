"""Three annotators verify clips in the grid (click and keyboard), then the admin sees consensus, accuracy, export."""

import csv
import io

import pytest

from backend.catalog.services import video_ingest
from backend.clips import services
from backend.clips.models import Clip, ConsensusResult, Label
from tests.factories import GroupFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def grid_project(project, action_class, demo_video, monkeypatch):
    """Two real videos, 6 clips with real media; the last clip is gold (negative)."""
    from backend.clips import tasks

    # Media is cut in-process here; the real worker has its own test (tests/integration).
    monkeypatch.setattr(tasks.clip_media_cut_task, "delay", lambda pk: services.clip_media_cut(clip_id=pk))
    # each annotator's one page must hold the gold clip: not one of the pages left without gold at random
    monkeypatch.setattr("backend.clips.services.pages.GOLD_FREE_PAGES", 0.0)
    project.gold_rate, project.min_gold_for_gate = 0.2, 1
    project.save()
    users = [UserFactory(username=f"annotator{i}", password=f"pass-{i}") for i in (1, 2, 3)]
    GroupFactory(project=project, members=users, classes=[action_class])
    admin = UserFactory(username="admin", password="pass-admin", is_staff=True, is_superuser=True)
    for _ in range(2):
        video_ingest(project=project, path=demo_video, action_class=action_class)
    clips = list(Clip.objects.order_by("video_id", "start"))
    assert len(clips) == 6 and all(c.media_state == Clip.MediaState.READY for c in clips)
    services.clip_gold_set(clip=clips[-1], value=-1, author=admin)
    return clips


def open_grid(page):
    page.click("text=Start labelling")
    page.wait_for_selector(".tile")
    page.wait_for_function("document.querySelectorAll('.tile video').length === 6")
    return page


def tile_states(page) -> list[str]:
    return page.eval_on_selector_all(".tile", "ts => ts.map(t => t.classList.contains('negative') ? 'neg' : 'pos')")


def tile_of(page, clip) -> int:
    """Where a clip's tile is: the page shows videos in random order (gold secrecy), so look it up by its media."""
    sources = page.eval_on_selector_all(".tile video", "vs => vs.map(v => v.dataset.src)")  # src: on screen only
    return next(i for i, src in enumerate(sources) if clip.uid.hex in src)


def states_with_negative(*positions: int) -> list[str]:
    return ["neg" if i in positions else "pos" for i in range(6)]


def test_three_annotators_then_admin_sees_consensus_accuracy_and_export(
    open_as, shot, grid_project, live_server, action_class
):
    clips = grid_project
    # annotator 1 flips the first clip by clicking it
    page = open_grid(open_as("annotator1", "pass-1"))
    assert tile_states(page) == ["pos"] * 6  # the project's default state: positive (green)
    page.wait_for_function("[...document.querySelectorAll('.tile video')].some(v => v.currentTime > 0)")
    first = tile_of(page, clips[0])
    page.click(f".tile >> nth={first}")
    assert tile_states(page) == states_with_negative(first)
    page.click(f".tile >> nth={first}")  # a second click flips it back
    page.click(f".tile >> nth={first}")
    assert "1 negative" in page.inner_text("#page-status")
    shot(page, "grid-annotator1")
    page.click("#submit")
    page.wait_for_selector("text=No clips of this class are waiting for you")

    # annotator 2 works by keyboard only: arrows to the second clip, Space flips, Enter submits
    page = open_grid(open_as("annotator2", "pass-2"))
    second = tile_of(page, clips[1])
    for _ in range(second):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    assert tile_states(page) == states_with_negative(second)
    shot(page, "grid-annotator2-keyboard")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=No clips of this class are waiting for you")

    # annotator 3 flips the first and the last (gold) clip
    page = open_grid(open_as("annotator3", "pass-3"))
    first, gold = tile_of(page, clips[0]), tile_of(page, clips[-1])
    page.click(f".tile >> nth={first}")
    page.click(f".tile >> nth={gold}")
    assert tile_states(page) == states_with_negative(first, gold)
    page.keyboard.press("Enter")
    page.wait_for_selector("text=No clips of this class are waiting for you")
    # their own figure waits for a block of 10 pages (after one page it would tell which page held the check)
    page.wait_for_selector("#accuracy:has-text('shown after 10 pages')")

    # the database holds what was clicked
    assert Label.objects.count() == 18
    assert ConsensusResult.objects.get(clip=clips[0]).value == -1  # -1, +1, -1
    assert ConsensusResult.objects.get(clip=clips[1]).value == 1  # +1, -1, +1
    assert ConsensusResult.objects.count() == 5  # the gold clip is answered, not voted on

    # the admin sees consensus, golden accuracy (annotators 1 and 2 missed the gold clip) and exports
    page = open_as("admin", "pass-admin")
    page.click("text=Dashboard")
    page.wait_for_selector("#annotators tbody tr")
    rows = {r.get_attribute("data-user"): r for r in page.query_selector_all("#annotators tbody tr")}
    assert rows["annotator3"].query_selector(".accuracy").inner_text() == "100.0%"
    assert rows["annotator1"].query_selector(".accuracy").inner_text() == "0.0%"
    assert "below gate" in rows["annotator1"].inner_text() and "below gate" not in rows["annotator3"].inner_text()
    progress = page.query_selector(f"#progress tr[data-class='{action_class.name}']")
    assert progress.query_selector(".consensus").inner_text() == "5 (4)"
    assert page.query_selector("#accuracy-plot rect.bar.flagged") is not None
    # nothing mined, no learning round yet: said in words, no empty tables
    page.wait_for_selector("#mining-stages:has-text('No video has been mined yet')")
    assert page.is_hidden("#mining-jobs") and page.is_hidden("#learning-rounds") and page.is_visible("#learning-empty")
    shot(page, "dashboard")
    with page.expect_download() as download:
        page.click("#export-csv")
    rows = list(csv.reader(io.StringIO(open(download.value.path()).read())))
    assert rows[0] == ["classname", "youtube_id", "subset", "start", "end", "label", "source"]
    assert sorted(r[5] for r in rows[1:]) == ["-1", "-1", "1", "1", "1", "1"]  # 5 consensus + 1 gold
    # where each label came from: 3 labels each, two split 2-1, three agreed, and the golden one
    assert sorted(r[6] for r in rows[1:]) == ["gold", "majority", "majority", "unanimous", "unanimous", "unanimous"]
