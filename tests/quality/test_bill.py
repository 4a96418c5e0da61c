"""The labelling bill: per annotator/class/tool costs and SLAC's table 3 from the platform's own numbers."""

import pytest

from backend.clips.models import ConsensusResult, Label
from backend.quality.bill import labelling_bill

pytestmark = pytest.mark.django_db


def test_the_bill_adds_up(project, action_class, annotators, make_clips, admin_user, client):
    from backend.segments.models import SegmentAnnotation, SegmentVideo

    clips = make_clips(videos=2, per_video=3)  # 6 clips in 2 videos
    # 3 labels on each of the first 4 clips (8 s each); 2-of-3 decided them
    for clip in clips[:4]:
        for user in annotators[:3]:
            Label.objects.create(clip=clip, annotator=user, value=1, seconds_spent=8.0)
        ConsensusResult.objects.create(clip=clip, value=1, mode="fixed", n_labels=3, unanimous=True)
    # one gold clip with 3 labels (8 s each): quality control, 3 of the 15 labels; one clip labelled once, undecided
    from backend.clips.models import GoldAnswer

    GoldAnswer.objects.create(clip=clips[4], value=1, author=admin_user)
    for user in annotators[:3]:
        Label.objects.create(clip=clips[4], annotator=user, value=1, seconds_spent=8.0)
    Label.objects.create(clip=clips[5], annotator=annotators[3], value=1, seconds_spent=8.0)
    # two videos fully annotated in the timeline tool: 600 s and 900 s
    for video, seconds in zip({c.video for c in clips}, [600.0, 900.0], strict=True):
        sv = SegmentVideo.objects.create(video=video, action_class=action_class)
        SegmentAnnotation.objects.create(
            segment_video=sv, annotator=annotators[0], seconds_spent=seconds, status=SegmentAnnotation.Status.SUBMITTED
        )
    bill = labelling_bill(project=project)
    ours = bill["table3"]["ours"]
    assert ours["seconds_per_label"] == pytest.approx(8.0)
    assert ours["labels_per_clip"] == pytest.approx(3.0)  # 12 labels on the 4 decided clips (not the gold's 3)
    assert ours["gold_label_share"] == pytest.approx(3 / 16)
    assert ours["seconds_per_clip"] == pytest.approx(24.0 / (1 - 3 / 16))  # 24 s of labels + its share of gold
    assert ours["clips_per_video"] == pytest.approx(2.5)  # the gold clip is not a clip of the dataset
    assert ours["seconds_per_video_sparse"] == pytest.approx(2.5 * 24.0 / (1 - 3 / 16))
    assert ours["seconds_per_video_full"] == pytest.approx(750.0)
    assert ours["speedup_sparse_vs_full"] == pytest.approx(750 / (2.5 * 24.0 / (1 - 3 / 16)))
    # SLAC had one annotator per clip (3-way consensus is HACS's): its 8.8 s per clip is one label's time
    assert bill["table3"]["slac"]["labels_per_clip"] == 1 and bill["table3"]["slac"]["seconds_per_label"] == 8.8
    assert bill["labels_per_final_clip"] == [{"mode": "fixed", "clips": 4, "labels": 12, "labels_per_clip": 3.0}]
    grid = [c for c in bill["costs"] if c["tool"] == "grid"]
    assert [(c["annotator"], c["items"], c["seconds_per_item"]) for c in grid] == [
        ("ann1", 5, 8.0),
        ("ann2", 5, 8.0),
        ("ann3", 5, 8.0),
        ("ann4", 1, 8.0),
    ]
    timeline = [c for c in bill["costs"] if c["tool"] == "timeline"]
    assert [(c["annotator"], c["items"], c["seconds_per_item"]) for c in timeline] == [("ann1", 2, 750.0)]
    # the page shows the same numbers, for admins only
    client.force_login(annotators[0])
    assert client.get(f"/bill/{project.pk}/").status_code == 302
    client.force_login(admin_user)
    html = client.get(f"/bill/{project.pk}/").content.decode()
    assert 'id="per-clip">29.5<' in html and 'id="per-video-full">750.0<' in html
    assert 'id="gold-share">19 %<' in html
    assert ">1 (one annotator)<" in html and 'id="slac-per-label">8.8<' in html
