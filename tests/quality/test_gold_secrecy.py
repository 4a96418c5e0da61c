"""An annotator cannot tell gold clips from the others: not in the page JSON, the HTML, nor the media URLs."""

import re

import pytest

from backend.clips import services
from backend.clips.models import Clip, GoldAnswer, Page
from backend.clips.services import clip_media_cut
from backend.quality.selectors import annotator_accuracy

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_with_gold(annotators, project, action_class, make_clips, admin_user, demo_video, monkeypatch):
    """A page of real clips (media cut from a real video), two of them gold."""
    from backend.catalog.services import video_ingest

    # the page must hold its gold: not one of the pages left without any at random (GOLD_FREE_PAGES)
    monkeypatch.setattr("backend.clips.services.pages.GOLD_FREE_PAGES", 0.0)

    project.gold_rate = 0.3
    project.clips_per_video = 3
    project.save()
    videos = [video_ingest(project=project, path=demo_video, action_class=action_class) for _ in range(3)]
    for clip in Clip.objects.filter(video__in=videos):
        clip_media_cut(clip_id=clip.pk)
    for clip in Clip.objects.filter(video=videos[1])[:2]:
        services.clip_gold_set(clip=clip, value=-1, author=admin_user)
    return annotators[0]


def test_page_json_media_and_html_are_the_same_for_gold_and_other_clips(client, page_with_gold, project, action_class):
    client.force_login(page_with_gold)
    res = client.post(
        "/api/pages/next/", {"project": project.pk, "action_class": action_class.pk}, content_type="application/json"
    )
    assert res.status_code == 200
    payload = res.json()
    items = payload["items"]
    gold_uids = {str(i.uid) for i in Page.objects.get(uid=payload["page"]).items.filter(clip__gold__isnull=False)}
    assert len(gold_uids) == 2 and len(items) == 9
    # given the same keys for every item, and nothing that names a clip, a video, a score or gold
    assert {tuple(sorted(i)) for i in items} == {("group", "item", "poster_url", "video_url")}
    text = res.content.decode().lower()
    for word in ("gold", "score", "method", "clip_id", "video_id", "consensus"):
        assert word not in text
    # media URLs all have one shape: /media/clips/<2 hex>/<32 hex>.(mp4|jpg)
    shape = re.compile(r"^http://testserver/media/clips/[0-9a-f]{2}/[0-9a-f]{32}\.(mp4|jpg)$")
    assert all(shape.match(i["video_url"]) and shape.match(i["poster_url"]) for i in items)
    # the media of a gold clip is served exactly like any other
    gold_item = next(i for i in items if i["item"] in gold_uids)
    other_item = next(i for i in items if i["item"] not in gold_uids)
    for item in (gold_item, other_item):
        media = client.get(item["video_url"].replace("http://testserver", ""))
        assert media.status_code == 200 and media["Content-Type"] == "video/mp4"
        assert set(media.headers) == set(client.get(other_item["video_url"].replace("http://testserver", "")).headers)

    # and the grid page's HTML does not depend on gold at all: the same with and without gold clips
    def grid_html() -> str:
        html = client.get(f"/grid/{project.pk}/{action_class.pk}/").content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    with_gold = grid_html()
    GoldAnswer.objects.all().delete()
    assert grid_html() == with_gold


def test_an_annotator_sees_their_accuracy_but_not_which_items_were_gold(client, page_with_gold, project, action_class):
    client.force_login(page_with_gold)
    page = client.post(
        "/api/pages/next/", {"project": project.pk, "action_class": action_class.pk}, content_type="application/json"
    ).json()
    labels = {i["item"]: 1 for i in page["items"]}
    res = client.post(
        f"/api/pages/{page['page']}/submit/", {"labels": labels, "seconds_spent": 30}, content_type="application/json"
    )
    assert res.json() == {"stored": 9, "dropped": 0, "already_submitted": False}
    me = client.get("/api/me/").json()
    # the figure only, and only per block of 10 pages: after one page it is not shown yet (it would tell which page
    # held gold), though the admin's live figure already counts both wrong gold answers
    assert set(me) == {"username", "is_admin", "accuracy"} and me["accuracy"] is None
    assert annotator_accuracy(annotator=page_with_gold).accuracy == 0.0  # both gold answers were -1


def test_gold_mode_and_answers_are_admin_only(client, annotators, project, action_class):
    client.force_login(annotators[0])
    assert client.get(f"/grid/{project.pk}/{action_class.pk}/?mode=gold").status_code == 403
    body = {"project": project.pk, "action_class": action_class.pk}
    assert client.post("/api/gold/next/", body, content_type="application/json").status_code == 403
    assert client.post("/api/gold/submit/", {"labels": {}}, content_type="application/json").status_code == 403


def lease_watching_the_counter(client, project, action_class) -> tuple[dict, int, int]:
    """Lease the next page, reading *Clips waiting* before and after: (the page, before, after)."""

    def waiting() -> int:
        queues = client.get("/api/queues/").json()
        return next(q["waiting"] for q in queues if q["action_class"] == action_class.pk)

    before = waiting()
    res = client.post(
        "/api/pages/next/", {"project": project.pk, "action_class": action_class.pk}, content_type="application/json"
    )
    assert res.status_code == 200, res.content
    return res.json(), before, waiting()


@pytest.mark.parametrize("decoys_counted", [True, False], ids=["fixed", "decoys-uncounted"])
def test_clips_waiting_drops_by_the_page_size_when_the_page_holds_decoys(
    client, annotators, project, action_class, make_clips, admin_user, monkeypatch, decoys_counted
):
    """A gold clip whose video's other clips need no label any more is served with them as decoys (items nobody
    counts as work). Clips waiting must still drop by the page's size on the lease, or the drop tells the pages that
    hold gold (issue 11). The second case puts back the old counter and shows this check fails on it."""
    from backend.clips.services import pages

    if not decoys_counted:
        monkeypatch.setattr(pages, "_decoys_left", lambda **kw: 0)
    project.gold_rate = 0.3
    project.clips_per_video = 3
    project.page_size = 9
    project.save()
    make_clips(videos=6, per_video=3)
    gold_video = Clip.objects.order_by("pk").first().video
    gold, *decided = gold_video.clips.order_by("start")
    services.clip_gold_set(clip=gold, value=1, author=admin_user)
    Clip.objects.filter(pk__in=[c.pk for c in decided]).update(is_open=False)  # decided by others

    # Each annotator leases a page. Whether a page keeps its gold or gives it up (the two look the same), the gold
    # video's group is drawn, cut to a random size: most pages hold decoys, and at least one of five must.
    with_decoys = 0
    for annotator in annotators:
        client.force_login(annotator)
        page, before, after = lease_watching_the_counter(client, project, action_class)
        decoys = Page.objects.get(uid=page["page"]).items.filter(decoy=True).exists()
        with_decoys += decoys
        if decoys_counted:
            assert before - after == len(page["items"])
        elif decoys:
            assert before - after < len(page["items"])
    assert with_decoys


def test_clips_waiting_is_what_the_annotator_is_shown_when_the_queue_fits_a_page(
    client, annotators, project, action_class, make_clips, admin_user
):
    """The decoys counted are clips that need no label from the annotator, not the regular clips of a gold video
    still waiting for them (counted once, as work): a queue that fits a page says how many clips that page holds,
    and 0 after it (seen on `make run`: 16 waiting, a page of 12, then none)."""
    project.gold_rate = 0.1
    project.page_size = 60
    project.save()
    clips = make_clips(videos=4, per_video=3)
    services.clip_gold_set(clip=clips[0], value=1, author=admin_user)  # its two siblings still need labels
    client.force_login(annotators[0])
    page, before, after = lease_watching_the_counter(client, project, action_class)
    assert (before, after) == (len(page["items"]), 0)
