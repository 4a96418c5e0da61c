"""Keeping gold fresh (issue 15 item 4): unanimous clips by qualified annotators proposed as gold, confirmed or
dismissed by an admin; implausibly fast annotators flagged on the dashboard."""

import pytest
from django.test import Client

from backend.clips.models import ConsensusResult, GoldAnswer, Label
from backend.quality.selectors_dashboard import dashboard
from backend.quality.selectors_gold import gold_candidates
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def label(clip, user, value, seconds=2.0):
    return Label.objects.create(clip=clip, annotator=user, value=value, seconds_spent=seconds)


def decide(clip, value, labels):
    ConsensusResult.objects.create(clip=clip, value=value, mode="fixed", n_labels=labels, unanimous=True)


@pytest.fixture
def world(project, action_class, annotators, make_clips):
    """ann1-ann3 answered three gold clips right (accuracy 1 of 3 gold answers: qualified at gate 0.9, min 3);
    ann4 got one of three right (unqualified). Six regular clips to decide."""
    assert (project.accuracy_gate, project.min_gold_for_gate) == (0.9, 3)
    clips = make_clips(videos=3, per_video=3)
    gold, regular = clips[:3], clips[3:]
    for clip in gold:
        GoldAnswer.objects.create(clip=clip, value=1)
        for user in annotators[:3]:
            label(clip, user, 1)
    for clip, value in zip(gold, (1, -1, -1), strict=True):
        label(clip, annotators[3], value)
    return {"clips": regular, "good": annotators[:3], "bad": annotators[3], "gold": gold}


def candidates(project):
    return [c["clip_id"] for c in gold_candidates(project=project)]


def test_a_clip_decided_unanimously_by_qualified_annotators_is_a_candidate(project, world):
    clip = world["clips"][0]
    for user in world["good"]:
        label(clip, user, -1)
    decide(clip, -1, 3)
    [candidate] = gold_candidates(project=project)
    assert (candidate["clip_id"], candidate["value"]) == (clip.pk, -1)
    assert candidate["annotators"] == ["ann1", "ann2", "ann3"]


def test_not_unanimous_unqualified_undecided_too_few_or_already_gold_is_no_candidate(project, world):
    split, unqualified, undecided, two, gold = world["clips"][:5]
    good, bad = world["good"], world["bad"]
    for user, value in zip(good, (1, 1, -1), strict=True):  # 2 of 3
        label(split, user, value)
    decide(split, 1, 3)
    for user in (good[0], good[1], bad):  # unanimous, but ann4 is below the gate
        label(unqualified, user, 1)
    decide(unqualified, 1, 3)
    for user in good:  # unanimous but no consensus yet
        label(undecided, user, 1)
    for user in good[:2]:  # 2 of 2: fewer than GOLD_CANDIDATE_MIN_LABELS (3)
        label(two, user, 1)
    decide(two, 1, 2)
    for user in good:  # unanimous and qualified, but gold already
        label(gold, user, 1)
    decide(gold, 1, 3)
    GoldAnswer.objects.create(clip=gold, value=1)
    assert candidates(project) == []


def test_a_qualified_annotator_needs_enough_gold_answers(project, world):
    # a newcomer with two right answers of two is not yet qualified (min_gold_for_gate is 3)
    newcomer = UserFactory(username="newcomer")
    for clip in world["gold"][:2]:
        label(clip, newcomer, 1)
    clip = world["clips"][0]
    for user in (*world["good"][:2], newcomer):
        label(clip, user, 1)
    decide(clip, 1, 3)
    assert candidates(project) == []


@pytest.fixture
def candidate(project, world):
    clip = world["clips"][0]
    for user in world["good"]:
        label(clip, user, -1)
    decide(clip, -1, 3)
    return clip


@pytest.fixture
def staff_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_confirm_creates_the_gold_answer_with_the_agreed_value(project, candidate, staff_client, admin_user):
    listed = staff_client.get(f"/api/projects/{project.pk}/gold-candidates/").json()["candidates"]
    assert [c["clip_uid"] for c in listed] == [str(candidate.uid)]
    response = staff_client.post(f"/api/clips/{candidate.uid}/gold-candidate/confirm/")
    assert response.status_code == 200, response.content
    gold = GoldAnswer.objects.get(clip=candidate)
    assert (gold.value, gold.author) == (-1, admin_user)
    assert candidates(project) == []
    # confirming again: it is no longer a candidate
    assert staff_client.post(f"/api/clips/{candidate.uid}/gold-candidate/confirm/").status_code == 409


def test_a_confirmed_candidate_checks_later_labels_only(project, candidate, staff_client, world, annotators):
    """The three annotators who decided the candidate gave those labels as work: confirming it must not credit each
    with a right gold answer (their accuracy, the dashboard's and the bill's gold counts stay put); a label given
    after it became gold is a check like any other."""
    from backend.quality.bill import slac_table
    from backend.quality.selectors import annotator_accuracy

    def figures():
        accuracy = [annotator_accuracy(annotator=u) for u in annotators]
        overall = {r["username"]: r["gold_answers"] for r in dashboard(project=project)["annotators"]}
        return (
            [(a.gold_answers, a.correct) for a in accuracy],
            overall,
            slac_table(project=project)["ours"]["gold_label_share"],
        )

    before = figures()
    assert staff_client.post(f"/api/clips/{candidate.uid}/gold-candidate/confirm/").status_code == 200
    assert figures() == before
    label(candidate, world["bad"], 1)  # wrong (gold says -1), given after the clip became gold
    after = annotator_accuracy(annotator=world["bad"])
    assert (after.gold_answers, after.correct) == (before[0][3][0] + 1, before[0][3][1])


def test_dismiss_hides_the_candidate_and_it_cannot_be_confirmed(project, candidate, staff_client):
    assert staff_client.post(f"/api/clips/{candidate.uid}/gold-candidate/dismiss/").status_code == 200
    assert candidates(project) == []
    assert staff_client.post(f"/api/clips/{candidate.uid}/gold-candidate/confirm/").status_code == 409
    assert not GoldAnswer.objects.filter(clip=candidate).exists()


def test_annotators_are_refused(project, candidate, world):
    client = Client()
    client.force_login(world["good"][0])
    assert client.get(f"/api/projects/{project.pk}/gold-candidates/").status_code == 403
    assert client.post(f"/api/clips/{candidate.uid}/gold-candidate/confirm/").status_code == 403
    assert client.post(f"/api/clips/{candidate.uid}/gold-candidate/dismiss/").status_code == 403
    assert not GoldAnswer.objects.filter(clip=candidate).exists()
    assert candidates(project) == [candidate.pk]


# --- implausibly fast annotators -------------------------------------------------------------------------------------


def test_an_annotator_whose_median_seconds_per_clip_is_below_the_floor_is_flagged(
    project, annotators, make_clips, settings
):
    settings.FAST_SECONDS_PER_CLIP = 0.5
    settings.FAST_MIN_LABELS = 5
    clips = make_clips(videos=2, per_video=3)
    fast, steady, few = annotators[:3]
    # fast: median of 0.2, 0.2, 0.3, 0.4, 9.0, 9.0 = 0.35 < 0.5 (the mean, 3.18 s, would hide it)
    for clip, seconds in zip(clips, (0.2, 0.2, 0.3, 0.4, 9.0, 9.0), strict=True):
        label(clip, fast, 1, seconds)
    # steady: median of 0.4, 0.5, 0.6, 0.6, 0.7, 0.8 = 0.6: not flagged
    for clip, seconds in zip(clips, (0.4, 0.5, 0.6, 0.6, 0.7, 0.8), strict=True):
        label(clip, steady, 1, seconds)
    # few: very fast but only 4 labels (< 5): not enough to say
    for clip in clips[:4]:
        label(clip, few, 1, 0.1)
    rows = {a["username"]: a for a in dashboard(project=project)["annotators"]}
    assert rows["ann1"]["median_seconds_per_clip"] == pytest.approx(0.35)
    assert rows["ann1"]["too_fast"] is True
    assert rows["ann2"]["median_seconds_per_clip"] == pytest.approx(0.6)
    assert rows["ann2"]["too_fast"] is False
    assert rows["ann3"]["too_fast"] is False
    assert rows["ann4"]["median_seconds_per_clip"] is None and rows["ann4"]["too_fast"] is False
