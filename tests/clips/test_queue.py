"""The page queue: leases, submit, the 3-distinct-annotators rule, adaptive consensus, expiry, send-back."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from backend.catalog.access import clarification_ack
from backend.catalog.models import Clarification, Project
from backend.clips import services
from backend.clips.models import Clip, ConsensusResult, Label, Page
from backend.quality.services import clip_labels_send_back
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def label_all(page: Page, value: int = 1, overrides: dict | None = None) -> dict:
    labels = {str(i.uid): value for i in page.items.all()}
    for item in page.items.select_related("clip"):
        if overrides and item.clip_id in overrides:
            labels[str(item.uid)] = overrides[item.clip_id]
    return labels


def next_and_submit(user, project, action_class, value=1, overrides=None) -> Page:
    page = services.page_next(annotator=user, project=project, action_class=action_class)
    services.page_submit(annotator=user, page_uid=page.uid, labels=label_all(page, value, overrides), seconds_spent=12)
    return page


def test_page_groups_clips_of_one_video_together(annotators, project, action_class, make_clips):
    make_clips(videos=3, per_video=3)
    page = services.page_next(annotator=annotators[0], project=project, action_class=action_class)
    videos = [i.clip.video_id for i in page.items.select_related("clip")]
    # each video's clips form one contiguous run
    runs = [v for k, v in enumerate(videos) if k == 0 or videos[k - 1] != v]
    assert len(runs) == len(set(videos)) == 3


def test_page_size_is_capped_at_200(annotators, project, action_class, make_clips):
    make_clips(videos=1, per_video=3)
    page = services.page_next(annotator=annotators[0], project=project, action_class=action_class, size=10_000)
    assert page.items.count() == 3


def test_no_clip_gets_two_labels_from_one_annotator_or_more_than_three(annotators, project, action_class, make_clips):
    clips = make_clips(videos=2, per_video=3)
    for _round in range(2):  # every annotator asks twice
        for user in annotators:
            try:
                next_and_submit(user, project, action_class)
            except services.QueueError as exc:
                assert exc.code == "empty"
    per_clip = Label.objects.values("clip").annotate(n=Count("pk"))
    assert {row["n"] for row in per_clip} == {3}
    assert Label.objects.values("clip", "annotator").annotate(n=Count("pk")).filter(n__gt=1).count() == 0
    assert ConsensusResult.objects.count() == len(clips)
    assert not Clip.objects.filter(is_open=True).exists()


def test_a_retried_submit_stores_the_labels_once(annotators, project, action_class, make_clips):
    make_clips(videos=1, per_video=3)
    page = services.page_next(annotator=annotators[0], project=project, action_class=action_class)
    labels = label_all(page)
    first = services.page_submit(annotator=annotators[0], page_uid=page.uid, labels=labels, seconds_spent=9)
    again = services.page_submit(annotator=annotators[0], page_uid=page.uid, labels=labels, seconds_spent=9)
    assert (first.stored, again.already_submitted) == (3, True)
    assert Label.objects.count() == 3
    assert Label.objects.first().seconds_spent == pytest.approx(3.0)


def test_an_incomplete_submit_writes_nothing(annotators, project, action_class, make_clips):
    make_clips(videos=1, per_video=3)
    page = services.page_next(annotator=annotators[0], project=project, action_class=action_class)
    labels = label_all(page)
    labels.pop(next(iter(labels)))
    with pytest.raises(services.QueueError, match="1 missing"):
        services.page_submit(annotator=annotators[0], page_uid=page.uid, labels=labels, seconds_spent=1)
    assert Label.objects.count() == 0
    assert Page.objects.get(pk=page.pk).submitted_at is None


def test_someone_elses_page_cannot_be_submitted(annotators, project, action_class, make_clips):
    make_clips(videos=1, per_video=1)
    page = services.page_next(annotator=annotators[0], project=project, action_class=action_class)
    with pytest.raises(services.QueueError) as exc:
        services.page_submit(annotator=annotators[1], page_uid=page.uid, labels=label_all(page), seconds_spent=1)
    assert exc.value.code == "not_found"


def test_leases_keep_a_fourth_annotator_out_and_expiry_gives_clips_back(annotators, project, action_class, make_clips):
    make_clips(videos=1, per_video=2)
    pages = [services.page_next(annotator=u, project=project, action_class=action_class) for u in annotators[:3]]
    with pytest.raises(services.QueueError, match="no clips"):
        services.page_next(annotator=annotators[3], project=project, action_class=action_class)
    Page.objects.filter(pk=pages[0].pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    page4 = services.page_next(annotator=annotators[3], project=project, action_class=action_class)
    assert page4.items.count() == 2
    assert Page.objects.get(pk=pages[0].pk).released_at is not None
    assert set(Clip.objects.values_list("lease_count", flat=True)) == {3}


def test_prefetch_leases_a_different_page(annotators, project, action_class, make_clips):
    make_clips(videos=2, per_video=2)
    project.page_size = 2
    project.save()
    first = services.page_next(annotator=annotators[0], project=project, action_class=action_class)
    same = services.page_next(annotator=annotators[0], project=project, action_class=action_class)
    second = services.page_next(annotator=annotators[0], project=project, action_class=action_class, after=first.uid)
    assert same.pk == first.pk and second.pk != first.pk
    assert not set(first.items.values_list("clip", flat=True)) & set(second.items.values_list("clip", flat=True))


def test_adaptive_mode_asks_a_third_label_only_on_disagreement(annotators, project, action_class, make_clips):
    project.consensus_mode = Project.ConsensusMode.ADAPTIVE
    project.save()
    agree, disagree = make_clips(videos=1, per_video=2, required_labels=2)
    next_and_submit(annotators[0], project, action_class, value=1)
    next_and_submit(annotators[1], project, action_class, value=1, overrides={disagree.pk: -1})
    agree.refresh_from_db(), disagree.refresh_from_db()
    assert (agree.is_open, agree.label_count, agree.consensus.value, agree.consensus.mode) == (False, 2, 1, "adaptive")
    assert (disagree.is_open, disagree.required_labels) == (True, 3)
    page = next_and_submit(annotators[2], project, action_class, value=-1)
    assert list(page.items.values_list("clip", flat=True)) == [disagree.pk]
    disagree.refresh_from_db()
    assert (disagree.is_open, disagree.label_count, disagree.consensus.value) == (False, 3, -1)


def test_gold_clips_are_mixed_in_at_the_project_rate(annotators, project, action_class, make_clips, admin_user):
    project.page_size, project.gold_rate = 20, 0.10
    project.save()
    make_clips(videos=6, per_video=3)
    for clip in make_clips(videos=2, per_video=3):
        services.clip_gold_set(clip=clip, value=1, author=admin_user)
    # the 18 regular clips fit on one page: gold comes beside them at the project's rate (2 for 18), in whole gold
    # groups trimmed to the count drawn; gold is plenty (6 for a share of 2), so every page keeps its share
    golds = []
    for i in range(60):
        page = services.page_next(annotator=annotators[i % len(annotators)], project=project, action_class=action_class)
        kinds = [hasattr(i.clip, "gold") for i in page.items.select_related("clip__gold")]
        assert len(kinds) <= 20 and kinds.count(False) >= 15 and sum(kinds) <= 3
        golds.append(sum(kinds))
        page.delete()
        Clip.objects.update(lease_count=0)
    assert 1.5 <= sum(golds) / len(golds) <= 2.5, golds
    assert golds.count(0) == 0, golds


@pytest.mark.gold_free_pages
def test_a_small_golden_set_leaves_pages_without_gold_anywhere(annotators, project, action_class, make_clips):
    # given a golden set short of the rate (8 gold clips, 60 regular; pages of 10 at 30%): the counter counts each
    # gold clip, so a page may go without gold at the same chance wherever it falls in the work
    from backend.clips.services.pages import GOLD_FREE_PAGES

    project.page_size, project.gold_rate = 10, 0.3
    project.save()
    make_clips(videos=20, per_video=3)
    for clip in make_clips(videos=8, per_video=1):
        services.clip_gold_set(clip=clip, value=1, author=None)
    golds = []
    for i in range(80):
        page = services.page_next(annotator=annotators[i % len(annotators)], project=project, action_class=action_class)
        golds.append(page.items.filter(clip__gold__isnull=False).count())
        page.delete()
        Clip.objects.update(lease_count=0)
    # then: the spread share is 0.94 a page (0.8 x 8/68 x 10), kept on 1 - GOLD_FREE_PAGES of them
    free = golds.count(0) / len(golds)
    assert GOLD_FREE_PAGES / 3 <= free <= 2 * GOLD_FREE_PAGES, golds
    assert 0.6 <= sum(golds) / len(golds) <= 1.3, golds


def test_gold_answers_count_for_accuracy_not_consensus(annotators, project, action_class, make_clips, admin_user):
    from backend.quality.selectors import annotator_accuracy

    project.gold_rate = 0.5
    project.save()
    regular = make_clips(videos=1, per_video=2)
    gold = make_clips(videos=1, per_video=2)
    for clip in gold:
        services.clip_gold_set(clip=clip, value=1, author=admin_user)
    next_and_submit(annotators[0], project, action_class, value=1, overrides={gold[0].pk: -1})
    acc = annotator_accuracy(annotator=annotators[0], action_class=action_class)
    assert (acc.gold_answers, acc.correct) == (2, 1)
    assert not ConsensusResult.objects.filter(clip__in=gold).exists()
    assert Label.objects.filter(clip__in=regular).count() == 2


def test_clarifications_must_be_acknowledged_before_the_next_page(
    annotators, project, action_class, make_clips, admin_user
):
    make_clips(videos=1, per_video=1)
    note = Clarification.objects.create(action_class=action_class, text="Sipping counts.", author=admin_user)
    with pytest.raises(services.QueueError) as exc:
        services.page_next(annotator=annotators[0], project=project, action_class=action_class)
    assert exc.value.code == "clarification" and exc.value.extra["clarifications"][0]["text"] == "Sipping counts."
    clarification_ack(user=annotators[0], clarification=note)
    assert services.page_next(annotator=annotators[0], project=project, action_class=action_class).items.count() == 1


def test_an_outsider_gets_no_page(project, action_class, make_clips, annotators):
    make_clips(videos=1, per_video=1)
    with pytest.raises(services.QueueError) as exc:
        services.page_next(annotator=UserFactory(), project=project, action_class=action_class)
    assert exc.value.code == "forbidden"


def test_send_back_reopens_the_clips_and_removes_their_consensus(
    annotators, project, action_class, make_clips, admin_user
):
    clips = make_clips(videos=1, per_video=2)
    for user in annotators[:3]:
        next_and_submit(user, project, action_class)
    assert ConsensusResult.objects.count() == 2
    revoked = clip_labels_send_back(annotator=annotators[1], action_class=action_class, admin=admin_user)
    assert revoked == 2
    assert ConsensusResult.objects.count() == 0
    assert all(c.is_open and c.label_count == 2 for c in Clip.objects.filter(pk__in=[c.pk for c in clips]))
    page = next_and_submit(annotators[3], project, action_class)
    assert page.items.count() == 2 and ConsensusResult.objects.count() == 2
