"""An adversarial annotator cannot learn which of their items are gold from anything the server sends (issue 11).

A realistic project is worked through the API by several annotators at once (round-robin, so leases interleave as
with concurrent clients): the grid (pages of 2-s clips grouped by video) and the timeline (one video per task). Gold
is made both ways the admins make it: in gold mode (/api/gold/… for the grid, /api/segment-tasks/next/ with mode
gold for the timeline) and by import (import_clips --gold with one gold clip per video, import_segments --gold).

For every item an annotator sees, features are taken from the answers only (the page's shape, the queue counter's
move on the lease, the media's byte size, the shown accuracy's move after the submit, the task payload's fields and
marks…), the label (gold or not) from the database. A gradient-boosted classifier, trained on one action class's
items and tested on the other's (see cross_class_auc for why not folds by page), must do no better than chance:
ROC AUC <= 0.6 per gold source, and on the grid per page ("does this page hold gold?") through each channel that
speaks of a whole page (the counter's move, the shown accuracy's move). Between 0.6 and 0.75 (what a leak put
back reaches) the test xfails, naming the open leak; above, it fails. Run with -s to see the measured AUCs.

Each leak reported on the old code is put back (monkeypatched) and the classifier must find it (AUC > 0.75): so
the check can fail.

Where in their work the annotator is (the page's rank, the counter's level, the lease's response time) is asked on
its own: a small golden set served at a fixed share ran out part-way through each annotator's work and left their
late pages gold-free; the draw now spreads gold a little thinner than evenly over each annotator's remaining work
(clips/services/pages.py, _gold_for_page), so it outlasts it, rounded at random so small pages hold gold too, and
leaves a fixed share of pages without gold anywhere in the work (GOLD_FREE_PAGES), so that the last pages are not
the only ones without. With 8-22 gold-free pages a run, the AUC's noise (sd about 0.08) is near the margin: a run
above 0.6 is reported as an open leak by check(), above 0.75 it fails.

Not made observable here: "gold mode took the oldest videos first". Nothing an annotator receives carries a video's
age (media keys are random, media is served without Last-Modified/ETag, groups come in random order, the queues'
own order is by video id for regular and gold alike), so gold made from the oldest videos looks like any other
in this test's world; test_gold_mode_picks_random_videos checks the selection itself instead.
"""

from __future__ import annotations

import csv
import json
import math
import os
import pickle
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client

from backend.clips.models import Clip, ConsensusResult, GoldAnswer, PageItem
from backend.clips.services import pages as page_services
from backend.segments import api as segment_api
from backend.segments import services as segment_services
from backend.segments.models import SegmentAnnotation, SegmentSettings, SegmentVideo
from backend.segments.services import queue as segment_queue
from tests.factories import ActionClassFactory, ClipFactory, GroupFactory, ProjectFactory, UserFactory, VideoFactory
from tests.segments.factories import SegmentVideoFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.gold_free_pages]

MAX_AUC = 0.6  # no better than chance, with the sampling noise of a few hundred items
LEAK_AUC = 0.75  # a leak put back must be found clearly

# per class (two classes): videos, gold videos made in gold mode (all 3 clips gold), videos with one imported gold clip
GRID_VIDEOS, GRID_GOLD_MODE_VIDEOS, GRID_IMPORT_VIDEOS = 55, 5, 12
TIMELINE_VIDEOS, TIMELINE_GOLD_MODE, TIMELINE_IMPORT = 90, 16, 16
ANNOTATORS = 5
TIMELINE_ANNOTATORS = 6


# --- shared helpers -------------------------------------------------------------------------------------------------


def write_bytes(root: Path, name: str, size: int, rng: random.Random) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(rng.randbytes(size))


def media_size(client: Client, url: str, cache: dict) -> int:
    """The byte size of a media URL as served (Content-Length), asked once per URL."""
    if url not in cache:
        res = client.get(url.removeprefix("http://testserver"))
        assert res.status_code == 200, url
        cache[url] = int(res["Content-Length"])
        # close the file; request_finished would close the test's database connection too (as the test client does)
        request_finished.disconnect(close_old_connections)
        try:
            res.close()
        finally:
            request_finished.connect(close_old_connections)
    return cache[url]


def cross_class_auc(X: np.ndarray, y: np.ndarray, classes: np.ndarray) -> float:
    """ROC AUC of a gradient-boosted classifier trained on one class's items and tested on the other's (both ways,
    averaged): cross_val_predict with the action class as the group.

    Not folds within a class: the same clip (the same video) is served to several annotators and a page holds
    several items, so such folds let the classifier memorise a clip's media size or a page's counter values and
    recognise the gold clip, or the page, it was trained on (AUC 0.99 with folds grouped by page, on the fixed
    code): that needs the answer key the attacker does not have. Across classes nothing is shared.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    clf = HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.05, max_depth=3, min_samples_leaf=max(5, len(y) // 50), random_state=0
    )
    if any(len(np.unique(y[classes == c])) < 2 for c in np.unique(classes)):
        return float("nan")  # a class with one kind only (e.g. every page holds gold): nothing to tell apart there
    with threadpool_limits(1):  # a shared machine: OpenMP threads fighting over 2 cores take minutes
        proba = cross_val_predict(clf, X, y, cv=GroupKFold(n_splits=2), groups=classes, method="predict_proba")[:, 1]
    aucs = [roc_auc_score(y[classes == c], proba[classes == c]) for c in np.unique(classes)]
    return float(np.mean(aucs))


def delta(before, after) -> tuple[float, float, float]:
    """A shown figure's change: (difference, changed at all, appeared from nothing)."""
    if after is None:
        return 0.0, 0.0, 0.0
    if before is None:
        return 0.0, 1.0, 1.0
    return float(after - before), float(after != before), 0.0


def logged_in(users) -> dict[int, Client]:
    clients = {}
    for user in users:
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)
    return clients


# --- the grid -------------------------------------------------------------------------------------------------------

# per item: its page's shape, the counter's move on the lease, media, the shown accuracy's move after the submit
GRID_FEATURES = [
    "group_size",
    "pos_in_group",
    "position",
    "group_index",
    "n_groups",
    "page_items",
    "largest_group",
    "singleton_groups",
    "drop",
    "drop_minus_items",
    "media_bytes",
    "poster_bytes",
    "acc_delta",
    "acc_changed",
    "acc_appeared",
]
# per page (the question "is this page a check?"): the channels that speak of a whole page, each on its own — the
# counter's move beyond the page's size, the shown accuracy's move after its submit. (All page features together are
# not asked here: see test_grid_gold_is_spread_over_each_annotators_work.)
PAGE_CHANNELS = {
    "pages by counter": ("drop_minus_items",),
    "pages by accuracy": ("acc_delta", "acc_changed", "acc_appeared"),
}
PAGE_FEATURES = [
    "n_groups",
    "page_items",
    "largest_group",
    "singleton_groups",
    "drop",
    "drop_minus_items",
    "acc_delta",
    "acc_changed",
    "acc_appeared",
]
# where in their work the annotator is: the page's rank in their session, the counter's level, and the lease's
# response time (the page draw does more work while gold is left for the annotator: a page with gold takes ~2 ms
# longer here), asked on their own in test_grid_gold_is_spread_over_each_annotators_work
WORK_FEATURES = ["page_index", "waiting_before", "waiting_after", "lease_seconds"]


@dataclass
class GridRun:
    rows: list[dict] = field(default_factory=list)  # one per item served
    gold_mode: set = field(default_factory=set)  # clip ids
    imported: set = field(default_factory=set)

    def auc(self, source: str, extra=(), left_out=()) -> tuple[float, int, int]:
        """AUC of telling gold clips of `source` from regular ones; (auc, gold items, regular items)."""
        gold = self.gold_mode if source == "gold_mode" else self.imported
        other = self.imported if source == "gold_mode" else self.gold_mode
        rows = [r for r in self.rows if r["clip"] not in other]
        features = [f for f in [*GRID_FEATURES, *extra] if f not in left_out]
        X = np.array([[r[f] for f in features] for r in rows], dtype=float)
        y = np.array([r["clip"] in gold for r in rows], dtype=int)
        return cross_class_auc(X, y, np.array([r["class"] for r in rows])), int(y.sum()), int(len(y) - y.sum())

    def page_auc(self, features) -> tuple[float, int, int]:
        """AUC of telling pages that hold gold (of either source) from pages that hold none."""
        pages: dict[str, dict] = {}
        for r in self.rows:
            page = pages.setdefault(r["page"], {**r, "gold": False})
            page["gold"] |= r["clip"] in self.gold_mode or r["clip"] in self.imported
        rows = list(pages.values())
        X = np.array([[r[f] for f in features] for r in rows], dtype=float)
        y = np.array([r["gold"] for r in rows], dtype=int)
        return cross_class_auc(X, y, np.array([r["class"] for r in rows])), int(y.sum()), int(len(y) - y.sum())


def build_grid(settings, rng: random.Random):
    """Two classes of GRID_VIDEOS videos with 3 ready clips each (media files of one random size distribution), gold
    made in gold mode (whole pages answered by an admin) and imported (one gold clip per video), ANNOTATORS in the
    classes' group."""
    root = Path(settings.MEDIA_ROOT)
    project = ProjectFactory(name="Leakproof grid", gold_rate=0.3, page_size=10, clips_per_video=3)
    classes = [ActionClassFactory(name="Drinking coffee"), ActionClassFactory(name="Long jump")]
    annotators = [UserFactory(username=f"grid-ann-{i}") for i in range(ANNOTATORS)]
    GroupFactory(project=project, members=annotators, classes=classes)
    admin_client = logged_in([UserFactory(username="grid-admin", is_staff=True, is_superuser=True)]).popitem()[1]
    truth: dict[int, int] = {}
    gold_mode: set[int] = set()
    rows = []
    for cls in classes:
        videos = []
        for _ in range(GRID_VIDEOS):
            video = VideoFactory(project=project, query_class=cls, duration=10.0)
            videos.append(video)
            for i in range(3):
                clip = ClipFactory(video=video, action_class=cls, start=2.0 * i + 1, end=2.0 * i + 3)
                clip.media.name = f"clips/{clip.uid.hex[:2]}/{clip.uid.hex}.mp4"
                clip.poster.name = f"clips/{clip.uid.hex[:2]}/{clip.uid.hex}.jpg"
                clip.save(update_fields=["media", "poster"])
                # one cutter, one bitrate: a clip's size follows its place in the video, gold or not (sizes drawn
                # per clip would let the classifier fit the chance sizes of the few gold clips)
                write_bytes(root, clip.media.name, 4000 + 300 * i, rng)
                write_bytes(root, clip.poster.name, 900 + 40 * i, rng)
                truth[clip.pk] = rng.choice([1, -1])
        # gold mode, as an admin does it: a page of clips grouped by video, every clip answered
        by_uid = {str(c.uid): c for c in Clip.objects.filter(action_class=cls)}
        made = set()
        while len(made) < GRID_GOLD_MODE_VIDEOS:
            page = admin_client.post(
                "/api/gold/next/",
                {"project": project.pk, "action_class": cls.pk, "size": 3},
                content_type="application/json",
            ).json()
            answers = {i["item"]: truth[by_uid[i["item"]].pk] for i in page["items"]}
            res = admin_client.post("/api/gold/submit/", {"labels": answers}, content_type="application/json")
            assert res.status_code == 200, res.content
            gold_mode |= {by_uid[uid].pk for uid in answers}
            made |= {by_uid[uid].video_id for uid in answers}
        # import, as a HACS golden set comes: one gold clip in each of some other videos, as often the first, second
        # or third clip of its video (a clip's media size follows its place: with 12 gold clips a class, places drawn
        # at random leave one place over-represented by chance, and the classifier learns that chance, not a leak)
        places = [i % 3 for i in range(GRID_IMPORT_VIDEOS)]
        rng.shuffle(places)
        chosen = rng.sample([v for v in videos if v.pk not in made], GRID_IMPORT_VIDEOS)
        for video, place in zip(chosen, places, strict=True):
            clip = sorted(video.clips.all(), key=lambda c: c.start)[place]
            rows.append([cls.name, video.external_id, video.subset, clip.start, clip.end, truth[clip.pk]])
    path = root.parent / "gold.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([["classname", "youtube_id", "subset", "start", "end", "label"], *rows])
    call_command("import_clips", str(path), "--gold", "--project", project.name, "--no-progress", stdout=StringIO())
    imported = set(GoldAnswer.objects.exclude(clip_id__in=gold_mode).values_list("clip_id", flat=True))
    assert len(imported) == 2 * GRID_IMPORT_VIDEOS and len(gold_mode) == 2 * 3 * GRID_GOLD_MODE_VIDEOS
    assert Clip.objects.filter(media_state=Clip.MediaState.READY).count() == 2 * 3 * GRID_VIDEOS  # none made
    return project, classes, annotators, truth, gold_mode, imported


def simulate_grid(settings, seed: int = 0) -> GridRun:
    """The annotators work both classes round-robin through the API, one page open per class at a time: submit the
    open page (right 80% of the time), read /api/me/, read the counter, lease the next page, read the counter."""
    rng = random.Random(seed)
    project, classes, annotators, truth, gold_mode, imported = build_grid(settings, rng)
    run = GridRun(gold_mode=gold_mode, imported=imported)
    clients = logged_in(annotators)
    item_clip: dict[str, int] = {}
    open_pages: dict[tuple, tuple[dict, list[dict]]] = {}
    shown: dict[int, float | None] = {u.pk: None for u in annotators}
    page_index = Counter()
    sizes: dict[str, int] = {}

    def waiting(client, cls) -> int:
        return next(q["waiting"] for q in client.get("/api/queues/").json() if q["action_class"] == cls.pk)

    active = [(u.pk, cls) for u in annotators for cls in classes]
    while active:
        for agent in list(active):
            pk, cls = agent
            client = clients[pk]
            if agent in open_pages:
                page, rows = open_pages.pop(agent)
                labels = {}
                for item in page["items"]:
                    clip = item_clip[item["item"]]
                    labels[item["item"]] = truth[clip] if rng.random() < 0.8 else -truth[clip]
                res = client.post(
                    f"/api/pages/{page['page']}/submit/",
                    {"labels": labels, "seconds_spent": 20},
                    content_type="application/json",
                )
                assert res.status_code == 200, res.content
                now = client.get("/api/me/").json()["accuracy"]
                change = delta(shown[pk], now)
                shown[pk] = now
                for row in rows:
                    row["acc_delta"], row["acc_changed"], row["acc_appeared"] = change
            before = waiting(client, cls)
            started = time.perf_counter()
            res = client.post(
                "/api/pages/next/", {"project": project.pk, "action_class": cls.pk}, content_type="application/json"
            )
            seconds = time.perf_counter() - started
            if res.status_code != 200:
                assert res.json().get("code") == "empty", res.content
                active.remove(agent)
                continue
            after = waiting(client, cls)
            page = res.json()
            items = page["items"]
            item_clip.update(
                {
                    str(u): c
                    for u, c in PageItem.objects.filter(uid__in=[i["item"] for i in items]).values_list(
                        "uid", "clip_id"
                    )
                }
            )
            group_sizes = Counter(i["group"] for i in items)
            seen_in_group = Counter()
            rows = []
            for position, item in enumerate(items):
                g = item["group"]
                rows.append(
                    {
                        "page": page["page"],
                        "clip": item_clip[item["item"]],
                        "class": cls.pk,
                        "group_size": group_sizes[g],
                        "pos_in_group": seen_in_group[g],
                        "position": position,
                        "group_index": g,
                        "n_groups": len(group_sizes),
                        "page_items": len(items),
                        "largest_group": max(group_sizes.values()),
                        "singleton_groups": sum(1 for s in group_sizes.values() if s == 1),
                        "waiting_before": before,
                        "waiting_after": after,
                        "drop": before - after,
                        "drop_minus_items": before - after - len(items),
                        "lease_seconds": seconds,
                        "media_bytes": media_size(client, item["video_url"], sizes),
                        "poster_bytes": media_size(client, item["poster_url"], sizes),
                        "acc_delta": 0.0,
                        "acc_changed": 0.0,
                        "acc_appeared": 0.0,
                        "page_index": page_index[agent],
                    }
                )
                seen_in_group[g] += 1
            page_index[agent] += 1
            run.rows.extend(rows)
            open_pages[agent] = (page, rows)
    # every regular clip got its labels; every annotator was served gold of both sources
    assert not Clip.objects.filter(video__project=project, gold__isnull=True, is_open=True).exists()
    served = {(r["page"], r["clip"]) for r in run.rows}
    assert {c for _, c in served} >= gold_mode | imported
    return run


# --- the timeline ---------------------------------------------------------------------------------------------------


TIMELINE_FEATURES = [
    "marks",
    "marks_positive",
    "cuts",
    "drop",
    "drop_minus_one",
    "duration",
    "fps",
    "fields",
    "field_set",
    "sprite_count",
    "suggestions_state",
    "suggestions_items",
    "min_seconds",
    "has_draft",
    "proxy_bytes",
    "sprite_bytes",
    "f1_delta",
    "f1_changed",
    "f1_appeared",
]
TIMELINE_WORK_FEATURES = ["task_index", "waiting_before", "waiting_after", "lease_seconds"]


@dataclass
class TimelineRun:
    rows: list[dict] = field(default_factory=list)
    gold_mode: set = field(default_factory=set)  # segment video ids
    imported: set = field(default_factory=set)

    def auc(self, source: str, extra=(), left_out=()) -> tuple[float, int, int]:
        gold = self.gold_mode if source == "gold_mode" else self.imported
        other = self.imported if source == "gold_mode" else self.gold_mode
        rows = [r for r in self.rows if r["video"] not in other]
        features = [f for f in [*TIMELINE_FEATURES, *extra] if f not in left_out]
        X = np.array([[r[f] for f in features] for r in rows], dtype=float)
        y = np.array([r["video"] in gold for r in rows], dtype=int)
        return cross_class_auc(X, y, np.array([r["class"] for r in rows])), int(y.sum()), int(len(y) - y.sum())


def build_timeline(settings, rng: random.Random):
    """Two classes of TIMELINE_VIDEOS videos in segment annotation (proxy and sprite files of one size rule), most
    with grid verdicts on some of their clips; gold made by import (videos from another dataset: no grid clips, as
    gold videos usually are) and in gold mode (an admin annotates the videos gold mode offers)."""
    root = Path(settings.MEDIA_ROOT)
    project = ProjectFactory(name="Leakproof timeline")
    classes = [ActionClassFactory(name="Long jump"), ActionClassFactory(name="Pole vault")]
    SegmentSettings.objects.update_or_create(project=project, defaults={"gold_rate": 0.35, "annotators_per_video": 2})
    annotators = [UserFactory(username=f"tl-ann-{i}") for i in range(TIMELINE_ANNOTATORS)]
    GroupFactory(project=project, members=annotators, classes=classes)
    admin_client = logged_in([UserFactory(username="tl-admin", is_staff=True, is_superuser=True)]).popitem()[1]
    truth: dict[int, tuple[float, float]] = {}
    gold_mode: set[int] = set()
    imported: set[int] = set()
    database = {}
    for cls in classes:
        videos = []
        for _ in range(TIMELINE_VIDEOS):
            # one length: lengths come from the source videos, and a mix would only add the chance lengths of the
            # few gold videos for the classifier to fit (as sizes drawn per clip would on the grid)
            duration = 60.0
            video = VideoFactory(project=project, query_class=cls, duration=duration)
            key = rng.randbytes(16).hex()
            video.file.name = f"videos/{key[:2]}/{key}.mp4"
            video.save(update_fields=["file"])
            sv = SegmentVideoFactory(
                video=video,
                media_duration=duration,
                required_annotations=2,
                sprite_meta={
                    "interval": 1.0,
                    "tile_width": 128,
                    "tile_height": 72,
                    "columns": 10,
                    "rows": math.ceil(duration / 10),
                    "count": int(duration),
                },
            )
            write_bytes(root, sv.proxy.name, int(duration * 300), rng)  # one proxy bitrate, gold or not
            write_bytes(root, sv.sprite.name, int(duration * 40), rng)
            start = round(rng.uniform(0, duration - 8), 2)
            truth[sv.pk] = (start, round(start + rng.uniform(3, 8), 2))
            videos.append(sv)
        chosen = rng.sample(videos, TIMELINE_IMPORT)
        imported |= {v.pk for v in chosen}
        for sv in videos:  # the project's own videos went through the grid: some of their clips have verdicts
            if sv.pk not in imported and rng.random() < 0.8:
                for i in range(rng.randint(1, 4)):
                    clip = ClipFactory(video=sv.video, action_class=cls, start=4.0 * i, end=4.0 * i + 2)
                    ConsensusResult.objects.create(
                        clip=clip, value=rng.choice([1, -1]), mode="fixed", n_labels=3, unanimous=True
                    )
        database |= {
            sv.video.external_id: {
                "subset": sv.video.subset,
                "duration": sv.media_duration,
                "url": "",
                "annotations": [{"label": cls.name, "segment": list(truth[sv.pk])}],
            }
            for sv in chosen
        }
    path = root.parent / "gold-segments.json"
    path.write_text(json.dumps({"database": database}))
    call_command("import_segments", str(path), "--gold", "--project", project.name, stdout=StringIO())
    for cls in classes:  # gold mode: the admin leases videos in gold mode and marks the reference segments
        for _ in range(TIMELINE_GOLD_MODE):
            task = admin_client.post(
                "/api/segment-tasks/next/",
                {"project": project.pk, "action_class": cls.pk, "mode": "gold"},
                content_type="application/json",
            ).json()
            sv_pk = SegmentAnnotation.objects.get(uid=task["task"]).segment_video_id
            res = admin_client.post(
                f"/api/segment-tasks/{task['task']}/submit/",
                {"segments": [list(truth[sv_pk])], "seconds_spent": 60},
                content_type="application/json",
            )
            assert res.status_code == 200, res.content
            gold_mode.add(sv_pk)
    assert set(SegmentVideo.objects.filter(is_gold=True).values_list("pk", flat=True)) == gold_mode | imported
    assert len(gold_mode) == 2 * TIMELINE_GOLD_MODE and len(imported) == 2 * TIMELINE_IMPORT
    return project, classes, annotators, truth, gold_mode, imported


def simulate_timeline(settings, seed: int = 0) -> TimelineRun:
    """The annotators work both classes round-robin through the API: submit the open task (the action's span give
    or take, a wrong span one time in four), read /api/segments/me/, read the counter, lease, read the counter."""
    rng = random.Random(seed)
    project, classes, annotators, truth, gold_mode, imported = build_timeline(settings, rng)
    run = TimelineRun(gold_mode=gold_mode, imported=imported)
    clients = logged_in(annotators)
    open_tasks: dict[tuple, tuple[dict, dict]] = {}
    shown: dict[int, float | None] = {u.pk: None for u in annotators}
    index = Counter()
    sizes: dict[str, int] = {}
    field_sets: dict[tuple, int] = {}
    states: dict[str, int] = {}

    def waiting(client, cls) -> int:
        return next(q["waiting"] for q in client.get("/api/segment-queues/").json() if q["action_class"] == cls.pk)

    active = [(u.pk, cls) for u in annotators for cls in classes]
    while active:
        for agent in list(active):
            pk, cls = agent
            client = clients[pk]
            if agent in open_tasks:
                task, row = open_tasks.pop(agent)
                start, end = truth[row["video"]]
                if rng.random() < 0.75:
                    span = [max(0.0, start + rng.uniform(-0.5, 0.5)), end + rng.uniform(-0.5, 0.5)]
                else:
                    a = rng.uniform(0, task["duration"] - 3)
                    span = [a, a + 2]
                res = client.post(
                    f"/api/segment-tasks/{task['task']}/submit/",
                    {"segments": [span], "seconds_spent": 60, "version": task["version"]},
                    content_type="application/json",
                )
                assert res.status_code == 200, res.content
                now = client.get("/api/segments/me/").json()["f1"]
                row["f1_delta"], row["f1_changed"], row["f1_appeared"] = delta(shown[pk], now)
                shown[pk] = now
            before = waiting(client, cls)
            started = time.perf_counter()
            res = client.post(
                "/api/segment-tasks/next/",
                {"project": project.pk, "action_class": cls.pk},
                content_type="application/json",
            )
            seconds = time.perf_counter() - started
            if res.status_code != 200:
                assert res.json().get("code") == "empty", res.content
                active.remove(agent)
                continue
            after = waiting(client, cls)
            task = res.json()
            marks = task.get("marks") or []
            row = {
                "video": SegmentAnnotation.objects.get(uid=task["task"]).segment_video_id,
                "class": cls.pk,
                "marks": len(marks),
                "marks_positive": sum(1 for m in marks if m["value"] == 1),
                "cuts": len(task.get("cuts") or []),
                "waiting_before": before,
                "waiting_after": after,
                "drop": before - after,
                "drop_minus_one": before - after - 1,
                "lease_seconds": seconds,
                "duration": task["duration"],
                "fps": task["fps"],
                "fields": len(task),
                "field_set": field_sets.setdefault(tuple(sorted(task)), len(field_sets)),
                "sprite_count": (task.get("sprite") or {}).get("count", -1),
                "suggestions_state": states.setdefault(task["suggestions"]["state"], len(states)),
                "suggestions_items": len(task["suggestions"]["items"]),
                "min_seconds": task.get("min_seconds", -1),
                "has_draft": float(bool(task["draft"])),
                "proxy_bytes": media_size(client, task["video_url"], sizes),
                "sprite_bytes": media_size(client, task["sprite_url"], sizes),
                "f1_delta": 0.0,
                "f1_changed": 0.0,
                "f1_appeared": 0.0,
                "task_index": index[agent],
            }
            index[agent] += 1
            run.rows.append(row)
            open_tasks[agent] = (task, row)
    assert not SegmentVideo.objects.filter(video__project=project, is_gold=False, is_open=True).exists()
    return run


# --- the old behaviours (issue 11), to put back -------------------------------------------------------------------


def old_draw_clips(*, annotator, project, action_class, size, rng=None):
    """Issue 11's page draw: regular clips streamed in video order (whole videos), gold clips sampled one by one."""
    regular_qs, gold_qs = page_services._eligible(annotator=annotator, project=project, action_class=action_class)
    gold_pool = list(gold_qs.values_list("pk", flat=True))
    n_gold = min(len(gold_pool), round(size * project.gold_rate))
    regular = list(
        regular_qs.order_by("video_id", "start", "pk").select_for_update(skip_locked=True, of=("self",), no_key=True)[
            : size - n_gold
        ]
    )
    if len(regular) < size - n_gold:
        n_gold = min(n_gold, round(len(regular) * project.gold_rate / max(1e-9, 1 - project.gold_rate)))
    gold_ids = random.Random().sample(gold_pool, n_gold) if n_gold else []
    return regular, list(Clip.objects.filter(pk__in=gold_ids)), []


def old_queue_counts(*, annotator, project, action_class):
    """Issue 11's counter: regular clips only."""
    regular_qs, _ = page_services._eligible(annotator=annotator, project=project, action_class=action_class)
    return regular_qs.count()


def live_accuracy(*, annotator):
    """Issue 11's /api/me/: the live accuracy, after every page."""
    from backend.quality.selectors import annotator_accuracy

    acc = annotator_accuracy(annotator=annotator).accuracy
    return None if acc is None else round(acc, 2)


def old_segment_queue_waiting(*, annotator, project, action_class):
    """Issue 11's timeline counter: regular videos only."""
    return segment_queue._wanted(
        segment_queue._available(annotator=annotator, project=project, action_class=action_class)
    ).count()


def live_f1(*, annotator):
    from backend.segments.selectors import annotator_segment_accuracy

    f1 = annotator_segment_accuracy(annotator=annotator).f1
    return None if f1 is None else round(f1, 2)


def marks_always(monkeypatch):
    """Issue 11's task payload: the grid's marks on every task (gold videos rarely have any)."""
    real = segment_api.task_payload

    def payload(task, request):
        out = real(task, request)
        out["marks"] = segment_api.selectors.clip_marks(segment_video=task.segment_video)
        return out

    monkeypatch.setattr(segment_api, "task_payload", payload)


def put_back_old_draw(mp):
    mp.setattr(page_services, "_draw_clips", old_draw_clips)


def old_gold_for_page(*, size, regular, gold, rate, rng):
    """Issue 11's gold share: the project's rate on every page while gold lasts (front-loaded), so pages without
    gold exist and the page channels can be asked "is this page checked?"."""
    return min(gold, round(size * rate)), True


def put_back_old_grid_counter_and_accuracy(mp):
    mp.setattr(page_services, "_gold_for_page", old_gold_for_page)
    mp.setattr("backend.clips.services.queue_counts", old_queue_counts)  # the API reads it from the package
    mp.setattr("backend.quality.api.annotator_accuracy_shown", live_accuracy)


def put_back_old_timeline(mp):
    mp.setattr(segment_services, "segment_queue_waiting", old_segment_queue_waiting)
    marks_always(mp)
    mp.setattr("backend.quality.api.annotator_segment_f1_shown", live_f1)


# The old behaviours are put back in three runs (a run costs tens of seconds): the old page draw alone (it changes
# the page's shape, which the page-level leaks are measured against); the grid's counter and live accuracy
# together; the timeline's three together. Each leak is then looked for through its own channel: per item, the
# classifier without the features of the other leaks put back in the same run (the rest are no better than chance
# on the fixed code, so only the leak's own channel can lift the AUC); per page, the leak's page channel alone.
RUNS = {
    "grid, old page draw": (simulate_grid, put_back_old_draw),
    "grid, old counter and live accuracy": (simulate_grid, put_back_old_grid_counter_and_accuracy),
    "timeline, old counter, marks and live F1": (simulate_timeline, put_back_old_timeline),
}
COUNTER = ("drop", "drop_minus_items", "drop_minus_one")
ACCURACY = ("acc_delta", "acc_changed", "acc_appeared")
F1 = ("f1_delta", "f1_changed", "f1_appeared")
MARKS = ("marks", "marks_positive")
# leak → (run, where it must show: a gold source's items or a page channel, item features left out)
LEAKS = {
    "grid: gold drawn one by one, regular clips as whole videos": (
        # gold-mode gold (whole videos) is found less surely (AUC 0.7 to 0.95 in our runs): regular groups are
        # often cut too, by the page's end and by clips that others have labelled already
        "grid, old page draw",
        ("import",),
        (),
    ),
    "grid: Clips waiting counts regular clips only": (
        "grid, old counter and live accuracy",
        ("pages by counter",),
        ACCURACY,
    ),
    "grid: accuracy shown live after each page": (
        "grid, old counter and live accuracy",
        ("pages by accuracy",),
        COUNTER,
    ),
    "timeline: Videos waiting counts regular videos only": (
        "timeline, old counter, marks and live F1",
        ("gold_mode", "import"),
        MARKS + F1,
    ),
    "timeline: grid marks on annotators' tasks": (  # imported gold videos have no grid clips
        "timeline, old counter, marks and live F1",
        ("import",),
        COUNTER + F1,
    ),
    "timeline: F1 shown live after each video": (
        "timeline, old counter, marks and live F1",
        ("gold_mode", "import"),
        COUNTER + MARKS,
    ),
}


# --- the tests ------------------------------------------------------------------------------------------------------


def report(kind: str, run, extra=(), left_out=()) -> dict[str, float]:
    """The AUCs of a run, printed (pytest -s): per gold source and, on the grid, per page."""
    out = {}
    for source in ("gold_mode", "import"):
        auc, n_gold, n_regular = run.auc(source, extra, left_out)
        out[source] = round(auc, 3)
        print(
            f"\n[gold-indistinguishable] {kind}: {source} gold vs regular items: AUC {auc:.3f} "
            f"({n_gold} gold, {n_regular} regular)",
            end="",
        )
    for channel, features in PAGE_CHANNELS.items() if isinstance(run, GridRun) else ():
        auc, n_gold, n_free = run.page_auc(features)
        out[channel] = round(auc, 3)
        print(
            f"\n[gold-indistinguishable] {kind}: pages with gold vs pages without, {channel}: AUC {auc:.3f} "
            f"({n_gold} with, {n_free} without)",
            end="",
        )
    if os.environ.get("GOLD_ADVERSARY_DUMP"):  # the rows, to study a figure offline
        with open(Path(os.environ["GOLD_ADVERSARY_DUMP"]) / f"{kind}.pkl".replace(" ", "_"), "wb") as fh:
            pickle.dump(run, fh)
    return out


_RUNS: dict[str, object] = {}  # the fixed code's runs (plain data), read by more than one test


def fixed_run(name: str, settings):
    if name not in _RUNS:
        _RUNS[name] = simulate_grid(settings) if name == "grid" else simulate_timeline(settings)
    return _RUNS[name]


def check(aucs: dict[str, float], what: str, open_leak: str) -> None:
    """No better than chance (<= MAX_AUC); between that and what a leak put back reaches, an open leak (xfail,
    with the figures); beyond it, a failure."""
    aucs = {k: v for k, v in aucs.items() if not math.isnan(v)}  # undefined (one kind only): says nothing
    assert aucs, "no channel could be measured"
    assert max(aucs.values()) <= LEAK_AUC, f"{what} can be told apart: AUC {aucs}"
    if max(aucs.values()) > MAX_AUC:
        pytest.xfail(f"open: {open_leak} (AUC {aucs})")


GROUPS_LEAK = (
    "imported gold (one gold clip in a video of regular clips) is told from regular items a little better than chance "
    "in this run: over runs AUC 0.52-0.59 on SQLite, 0.46-0.62 on PostgreSQL, the best single feature a different one "
    "each time (docs/security.md, residual risks)"
)


def test_grid_gold_is_indistinguishable(settings):
    check(report("grid", fixed_run("grid", settings)), "grid gold", GROUPS_LEAK)


def test_grid_gold_is_spread_over_each_annotators_work(settings):
    """Where a page falls in the annotator's work (its rank, the counter's level) and the lease's response time, on
    their own (the page's shape is test_grid_gold_is_indistinguishable's): they must not tell pages with gold."""
    run = fixed_run("grid", settings)
    aucs = {}
    for name, features in [
        ("pages by the position in the work", WORK_FEATURES),
        ("pages by the lease's response time", ["lease_seconds"]),
    ]:
        aucs[name] = round(run.page_auc(features)[0], 3)
        print(
            f"\n[gold-indistinguishable] grid: pages with gold vs pages without, {name}: AUC {aucs[name]:.3f}", end=""
        )
    aucs = {k: v for k, v in aucs.items() if not math.isnan(v)}
    if not aucs:  # in each class every page held gold: there is no gold-free page for a place in the work to tell
        return
    check(aucs, "gold by the place in the annotator's work", "gold by the place of a page in the annotator's work")


def test_timeline_gold_is_indistinguishable(settings):
    run = fixed_run("timeline", settings)
    report("timeline, with the position in the annotator's work", run, TIMELINE_WORK_FEATURES)  # printed only
    check(report("timeline", run), "timeline gold", "the timeline's gold videos")


@pytest.mark.parametrize("leak", list(LEAKS))
def test_a_leak_put_back_is_found(settings, leak):
    name, shows_in, left_out = LEAKS[leak]
    if name not in _RUNS:
        simulate, put_back = RUNS[name]
        with pytest.MonkeyPatch.context() as mp:
            put_back(mp)
            _RUNS[name] = simulate(settings)
    run = _RUNS[name]
    aucs = report(f"{name}, looking for «{leak}»", run, left_out=left_out)
    assert min(aucs[k] for k in shows_in) > LEAK_AUC, f"leak «{leak}» not found in {shows_in}: AUC {aucs}"


def test_gold_mode_picks_random_videos(settings):
    """Gold mode's choice itself (not observable by an annotator in this world, see the module's docstring): the
    videos it offers are spread over the queue, not the oldest ones first."""
    from backend.clips.services import gold_page_next

    project = ProjectFactory(name="Gold mode picks")
    cls = ActionClassFactory(name="Pole vault")
    for _ in range(40):
        video = VideoFactory(project=project, query_class=cls)
        for i in range(3):
            ClipFactory(video=video, action_class=cls, start=2.0 * i, end=2.0 * i + 2)
    oldest = set(
        Clip.objects.filter(video__project=project)
        .order_by("video_id")
        .values_list("video_id", flat=True)
        .distinct()[:4]
    )
    picks = [{c.video_id for c in gold_page_next(action_class=cls, project=project, size=12)} for _ in range(5)]
    assert any(p != oldest for p in picks), "gold mode offers the oldest videos every time"


def test_small_pages_asked_for_by_a_client_hold_gold_too():
    project = ProjectFactory(name="Small pages", gold_rate=0.1, clips_per_video=3)
    cls = ActionClassFactory(name="High jump")
    user = UserFactory(username="small-pages")
    GroupFactory(project=project, members=[user], classes=[cls])
    for _ in range(50):
        video = VideoFactory(project=project, query_class=cls)
        for i in range(3):
            ClipFactory(video=video, action_class=cls, start=2.0 * i, end=2.0 * i + 2)
    for clip in random.Random(0).sample(list(Clip.objects.filter(action_class=cls)), 20):
        GoldAnswer.objects.create(clip=clip, value=1)
    client = logged_in([user])[user.pk]
    gold = 0
    for _ in range(25):  # 100 clips: at the project's rate, 10 gold expected
        page = client.post(
            "/api/pages/next/",
            {"project": project.pk, "action_class": cls.pk, "size": 4},
            content_type="application/json",
        ).json()
        gold += PageItem.objects.filter(page__uid=page["page"], clip__gold__isnull=False).count()
        res = client.post(
            f"/api/pages/{page['page']}/submit/",
            {"labels": {i["item"]: 1 for i in page["items"]}, "seconds_spent": 8},
            content_type="application/json",
        )
        assert res.status_code == 200, res.content
    assert gold > 0, "25 pages of 4 clips asked for by the client: no gold at all"
