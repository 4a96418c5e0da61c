"""Qualification in Chromium (issue 15 item 1): the home page says "Qualify"; the annotator reads the guideline and
its examples, answers the qualification set on the grid's tiles, learns only the score, fails, retries and passes;
then real work opens. The admin sees every attempt on the dashboard and resets one."""

import pytest

from backend.catalog.access import clarification_post
from backend.catalog.models import Guideline, GuidelineExample, QualificationAttempt
from backend.catalog.services import video_ingest
from backend.clips import services
from backend.clips.models import Clip, PageItem, QualificationAnswer
from tests.factories import ClipFactory, GroupFactory, UserFactory, VideoFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def qualifying(project, action_class, demo_video, monkeypatch):
    """Three videos of 3 clips with real media (one ingest; the other two videos' clips share its files): two clips
    are guideline examples, 4 the qualification set (2 positive, 2 negative), the other 3 real work."""
    from backend.clips import tasks

    monkeypatch.setattr(tasks.clip_media_cut_task, "delay", lambda pk: services.clip_media_cut(clip_id=pk))
    project.qualification_required = True
    project.save()
    annotator = UserFactory(username="annotator1", password="pass-1")
    GroupFactory(project=project, members=[annotator], classes=[action_class])
    admin = UserFactory(username="admin", password="pass-admin", is_staff=True, is_superuser=True)
    video_ingest(project=project, path=demo_video, action_class=action_class)
    cut = list(Clip.objects.order_by("start"))
    assert len(cut) == 3 and all(c.media_state == Clip.MediaState.READY for c in cut)
    for _ in range(2):
        video = VideoFactory(project=project, query_class=action_class)
        for c in cut:
            ClipFactory(video=video, start=c.start, end=c.end, media=c.media.name, poster=c.poster.name)
    clips = list(Clip.objects.order_by("video_id", "start"))
    guideline, _ = Guideline.objects.update_or_create(
        action_class=action_class, defaults={"definition": "A person drinks from a cup or a glass."}
    )
    GuidelineExample.objects.create(guideline=guideline, kind="positive", clip=clips[0], note="sips from a mug")
    GuidelineExample.objects.create(
        guideline=guideline, kind="hard_negative", clip=clips[1], note="holds a cup, no sip"
    )
    items, work = clips[3:7], [clips[2], *clips[7:]]
    truth = {str(c.uid): v for c, v in zip(items, (1, -1, 1, -1), strict=True)}
    services.qualification_answers_submit(author=admin, answers=truth)
    return {"items": items, "truth": truth, "work": work, "admin": admin}


def flip_to(page, truth: dict[str, int], wrong: set[str]) -> None:
    """Click the tiles whose answer should be negative (every tile starts positive), the wrong ones the other way."""
    for uid, value in truth.items():
        wanted = -value if uid in wrong else value
        if wanted == -1:
            page.click(f".tile[data-item='{uid}']")


def test_annotator_qualifies_after_a_failed_attempt_and_admin_resets(
    open_as, shot, qualifying, project, action_class, live_server
):
    truth = qualifying["truth"]
    page = open_as("annotator1", "pass-1")
    # the home page offers the qualification, not the queue
    page.wait_for_selector("#queues a.qualify")
    assert page.locator("#queues >> text=Start labelling").count() == 0
    shot(page, "qualification-home")
    page.click("#queues a.qualify")

    # the training step: the guideline with its positive and hard-negative examples
    page.wait_for_selector("#training-positive figure video")
    page.wait_for_selector("#training-hard_negative figure video")
    assert "A person drinks" in page.inner_text("#training-definition")
    page.wait_for_selector("#terms:has-text('4 clips · pass mark 90 % · 3 attempt(s) left')")
    shot(page, "qualification-training")

    # the qualification set on the grid's tiles: two answers wrong
    page.click("#start")
    page.wait_for_function("document.querySelectorAll('.tile video').length === 4")
    assert set(page.eval_on_selector_all(".tile", "ts => ts.map(t => t.dataset.item)")) == set(truth)
    wrong = set(list(truth)[:2])
    flip_to(page, truth, wrong)
    page.wait_for_function("[...document.querySelectorAll('.tile video')].some(v => v.currentTime > 0)")
    shot(page, "qualification-answering")
    page.keyboard.press("Enter")

    # the score only: no tile, nothing naming a clip
    page.wait_for_selector("#result.failed #score:has-text('50 %')")
    assert page.locator(".tile").count() == 0
    assert not any(uid in page.content() for uid in truth)
    assert "2 attempt(s) left" in page.inner_text("#result")
    shot(page, "qualification-failed")

    # retry, all right: qualified, and real work opens
    page.click("#retry")
    page.click("#start")
    page.wait_for_function("document.querySelectorAll('.tile').length === 4")
    flip_to(page, truth, wrong=set())
    page.click("#submit")
    page.wait_for_selector("#result.passed #score:has-text('100 %')")
    shot(page, "qualification-passed")
    page.click("text=Start labelling")
    page.wait_for_function("document.querySelectorAll('.tile video').length === 3")
    served = set(PageItem.objects.filter(page__annotator__username="annotator1").values_list("clip_id", flat=True))
    assert served == {c.pk for c in qualifying["work"]}

    # the admin sees both attempts and resets the pass: the annotator must qualify again
    admin = open_as("admin", "pass-admin")
    admin.goto(f"{live_server.url}/dashboard/{project.pk}/")
    admin.wait_for_selector("#qualification-attempts tbody tr >> nth=1")
    rows = admin.locator("#qualification-attempts tbody tr")
    assert "100 % (4/4)" in rows.nth(0).inner_text() and "passed" in rows.nth(0).inner_text()
    assert "50 % (2/4)" in rows.nth(1).inner_text() and "failed" in rows.nth(1).inner_text()
    shot(admin, "qualification-dashboard")
    admin.on("dialog", lambda dialog: dialog.accept())
    rows.nth(0).locator("button.reset").click()
    admin.wait_for_selector("#qualification-attempts tbody tr >> nth=0 >> text=reset by admin")
    assert QualificationAttempt.objects.filter(passed=True, reset_at__isnull=False).count() == 1
    shot(admin, "qualification-dashboard-reset")
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#queues a.qualify")

    # the reset gave an attempt back: qualify again; then a clarification that changes the guideline sends the
    # annotator from the grid (after reading it) back to qualify, with a fresh set of attempts
    page.click("#queues a.qualify")
    page.click("#start")
    page.wait_for_function("document.querySelectorAll('.tile').length === 4")
    flip_to(page, truth, wrong=set())
    page.click("#submit")
    page.wait_for_selector("#result.passed")
    page.click("text=Start labelling")
    page.wait_for_function("document.querySelectorAll('.tile').length === 3")
    clarification_post(
        admin=qualifying["admin"], action_class=action_class, text="Only a sip counts now.", changes_guideline=True
    )
    page.click("#submit")
    page.wait_for_selector("#clarify-dialog[open] >> text=Only a sip counts now.")
    page.click("#clarify-ack")
    page.wait_for_url(f"**/qualify/{project.pk}/{action_class.pk}/")
    page.wait_for_selector("#terms:has-text('4 clips · pass mark 90 % · 3 attempt(s) left')")
    assert "Only a sip counts now." in page.inner_text("#training-clarifications")
    shot(page, "qualification-after-guideline-change")

    # the admin grows the qualification set on the grid, in qualification mode: free clips only
    extra = VideoFactory(project=project, query_class=action_class)
    media = qualifying["items"][0]
    fresh = [
        ClipFactory(video=extra, start=s, end=s + 2, media=media.media.name, poster=media.poster.name) for s in (0, 2)
    ]
    admin.goto(f"{live_server.url}/grid/{project.pk}/{action_class.pk}/?mode=qualification")
    admin.wait_for_function("document.querySelectorAll('.tile').length === 2")
    assert "qualification mode" in admin.inner_text(".crumb")
    admin.click(".tile >> nth=0")
    shot(admin, "qualification-mode-grid")
    admin.click("#submit")
    admin.wait_for_selector("text=No clips of this class are waiting for you")
    stored = dict(QualificationAnswer.objects.filter(clip__in=fresh).values_list("clip_id", "value"))
    assert sorted(stored.values()) == [-1, 1]


def test_annotator_qualifies_on_a_known_video_by_marking_its_segment(
    open_as, shot, qualifying, project, action_class, live_server
):
    """The set holds a video too (its known segment 0.5–1.5 s): the annotator marks it at the playhead with the
    buttons, answers the clips, and passes on the score alone; then the timeline opens."""
    from backend.segments.models import SegmentVideo
    from backend.segments.services import segment_video_qualification_set

    media = qualifying["items"][0]  # a real 2-s clip file stands in for the video's proxy
    video = SegmentVideo.objects.create(
        video=VideoFactory(project=project, query_class=action_class, duration=2.0),
        action_class=action_class,
        proxy=media.media.name,
        media_state=SegmentVideo.MediaState.READY,
        media_duration=2.0,
        media_fps=25.0,
    )
    segment_video_qualification_set(segment_video=video, segments=[[0.5, 1.5]], author=qualifying["admin"])
    page = open_as("annotator1", "pass-1")
    page.goto(f"{live_server.url}/qualify/{project.pk}/{action_class.pk}/")
    page.wait_for_selector("#terms:has-text('4 clips and 1 videos to segment')")
    page.click("#start")
    page.wait_for_function("document.querySelectorAll('.tile').length === 4")
    flip_to(page, qualifying["truth"], wrong=set())
    card = page.locator(f".qvideo[data-item='{video.uid}']")
    card.locator("video").evaluate("v => new Promise(r => v.readyState >= 1 ? r() : v.onloadedmetadata = r)")
    for at, button in ((0.56, ".mark-start"), (1.44, ".mark-end")):
        card.locator("video").evaluate("(v, t) => new Promise(r => { v.onseeked = r; v.currentTime = t; })", at)
        card.locator(button).click()
    page.wait_for_selector(".qvideo .marks li")
    assert "0.56 s – 1.44 s" in card.inner_text()
    page.wait_for_selector("#page-status:has-text('1 segment marked')")
    shot(page, "qualification-video")
    page.click("#submit")
    page.wait_for_selector("#result.passed #score:has-text('100 %')")
    assert str(video.uid) not in page.content()
    attempt = QualificationAttempt.objects.get()
    assert (attempt.correct, attempt.total) == (5, 5)
    page.goto(f"{live_server.url}/timeline/{project.pk}/{action_class.pk}/")
    assert f"/timeline/{project.pk}/{action_class.pk}/" in page.url  # no longer sent to qualify
