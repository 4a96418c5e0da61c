"""Dawid–Skene on the platform's own rows: annotators of different accuracy, gold clamped, against majority."""

import numpy as np
import pytest
from django.core.management import call_command

from backend.clips.consensus import FIXED, decide
from backend.clips.dawid_skene import consensus_dawid_skene
from backend.clips.models import ConsensusResult, GoldAnswer, Label

pytestmark = pytest.mark.django_db


def test_dawid_skene_beats_majority_when_annotators_differ_and_can_be_applied(project, annotators, make_clips, capsys):
    rng = np.random.default_rng(7)
    clips = make_clips(videos=20, per_video=10)  # 200 clips
    truth = {c.pk: int(rng.choice([1, -1])) for c in clips}
    gold = clips[:40]
    GoldAnswer.objects.bulk_create([GoldAnswer(clip=c, value=truth[c.pk]) for c in gold])
    accuracy = {annotators[0]: 0.95, annotators[1]: 0.6, annotators[2]: 0.55}
    rows = []
    for clip in clips:
        for user, acc in accuracy.items():
            rows.append(
                Label(clip=clip, annotator=user, value=truth[clip.pk] if rng.random() < acc else -truth[clip.pk])
            )
    Label.objects.bulk_create(rows)
    for clip in clips[40:]:
        values = list(Label.objects.filter(clip=clip).order_by("annotator_id").values_list("value", flat=True))
        ConsensusResult.objects.create(
            clip=clip, value=decide(values, FIXED).value, mode=FIXED, n_labels=3, unanimous=len(set(values)) == 1
        )
    decided = clips[40:]

    def correct() -> float:
        return np.mean([ConsensusResult.objects.get(clip=c).value == truth[c.pk] for c in decided])

    majority = correct()
    report = consensus_dawid_skene(project=project, apply=False)
    assert report.changed > 0 and correct() == majority  # a report changes nothing
    assert report.annotators["ann1"] > 0.85 and report.annotators["ann3"] < 0.7
    call_command("consensus_dawid_skene", "--apply")
    assert "changed" in capsys.readouterr().out
    assert correct() > majority + 0.05, (majority, correct())
    assert set(ConsensusResult.objects.values_list("mode", flat=True)) == {"dawid_skene"}
