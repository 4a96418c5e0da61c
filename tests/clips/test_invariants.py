"""The queue's invariants hold when annotators lease and submit pages at the same time (threads, each with its own
database connection): labels stored once, never two from one annotator on a clip nor more than a clip requires,
counters in step, and every leased page submitted or given back."""

import random
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from backend.clips import services
from backend.clips.models import Clip, Label, Page
from backend.clips.selectors import queue_invariant_violations
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def work(
    user, project, action_class, cycles: int, barrier: threading.Barrier, results: list, errors: list, empty: list
) -> None:
    rng = random.Random(user.pk)
    try:
        barrier.wait()
        for cycle in range(cycles):
            try:
                page = services.page_next(annotator=user, project=project, action_class=action_class)
            except services.QueueError as exc:
                assert exc.code == "empty", exc
                empty.append((user.username, cycle))
                return
            if cycle == 1 and user.username.endswith("0"):
                continue  # abandoned: stays leased until its lease runs out
            labels = {str(uid): rng.choice((1, -1)) for uid in page.items.values_list("uid", flat=True)}
            for _ in range(2 if cycle == 0 else 1):  # the first submit is sent twice, as a retried request
                result = services.page_submit(annotator=user, page_uid=page.uid, labels=labels, seconds_spent=5)
                results.append((page.pk, result))
    except Exception as exc:  # noqa: BLE001 — reported by the test
        errors.append(f"{user.username}: {exc!r}")
    finally:
        connection.close()


def test_concurrent_pages_and_submits_keep_the_queue_invariants(project, action_class, make_clips, admin_user):
    # given: 8 annotators, 48 clips in 12 videos, 6 of them gold; pages of 8
    project.page_size, project.gold_rate = 8, 0.25
    project.save()
    users = [UserFactory(username=f"worker{i}") for i in range(8)]
    GroupFactory(project=project, members=users, classes=[action_class])
    clips = make_clips(videos=12, per_video=4)
    for clip in clips[::8]:
        services.clip_gold_set(clip=clip, value=1, author=admin_user)

    # when: they all lease and submit at once, a few dozen cycles in all
    barrier, results, errors, empty = threading.Barrier(len(users)), [], [], []
    threads = [
        threading.Thread(target=work, args=(u, project, action_class, 5, barrier, results, errors, empty))
        for u in users
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    # 48 clips wanting 3 labels each are far more than 8 first pages of 8: nobody is told the queue is empty at
    # their first ask because the others' draws hold the rows locked at that instant (SKIP LOCKED)
    assert len(results) >= 16, empty  # 8 first pages, each submitted twice; about 30 in all on PostgreSQL

    # then: the labels the submits say they stored are the rows there are, each once
    first = {page: r for page, r in results if not r.already_submitted}
    assert sum(r.stored for r in first.values()) == Label.objects.count() > 0
    retried = [(page, r) for page, r in results if r.already_submitted]
    assert retried and all(r.stored == first[page].stored for page, r in retried)
    # … the invariants hold while pages are still leased, and once every lease has run out and been given back
    assert queue_invariant_violations(project=project) == []
    Page.objects.filter(submitted_at__isnull=True).update(expires_at=timezone.now() - timedelta(minutes=1))
    services.pages_release_expired()
    assert queue_invariant_violations(project=project) == []
    assert not Clip.objects.filter(lease_count__gt=0).exists()


def test_a_queue_whose_clips_are_all_locked_for_a_moment_is_not_reported_empty(project, action_class, make_clips):
    # given: every clip of the queue locked by another annotator's draw, committed 0.3 s later without a lease
    annotator = UserFactory()
    GroupFactory(project=project, members=[annotator], classes=[action_class])
    make_clips(videos=2, per_video=2)
    locked, done = threading.Event(), []

    def hold_every_clip() -> None:
        try:
            with transaction.atomic():
                list(Clip.objects.select_for_update(no_key=True).order_by("pk"))
                locked.set()
                time.sleep(0.3)
        finally:
            locked.set()
            connection.close()

    holder = threading.Thread(target=hold_every_clip)
    holder.start()
    locked.wait(timeout=10)

    def ask() -> None:
        try:
            done.append(services.page_next(annotator=annotator, project=project, action_class=action_class))
        except services.QueueError as exc:
            done.append(exc)
        finally:
            connection.close()

    asker = threading.Thread(target=ask)
    asker.start()
    asker.join(timeout=30)
    holder.join(timeout=30)

    # then: the annotator waits the moment out and gets the page, not "nothing waiting"
    assert len(done) == 1 and isinstance(done[0], Page), done
    assert done[0].items.count() == 4


def test_the_invariant_check_names_what_is_broken(project, action_class, make_clips, annotators):
    make_clips(videos=1, per_video=2)
    page = services.page_next(annotator=annotators[0], project=project, action_class=action_class)
    Clip.objects.filter(pk=page.items.first().clip_id).update(lease_count=0, label_count=2)
    Page.objects.filter(pk=page.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    problems = "\n".join(queue_invariant_violations(project=project))
    assert "counts 2 labels but has 0 active" in problems
    assert "counts 0 leases but is on 1 open pages" in problems
    assert "lease ran out" in problems
