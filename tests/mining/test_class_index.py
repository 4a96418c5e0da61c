"""Issue 12 item 3: the class's column comes from the label list the classifiers were trained with, not today's
class list; a class the classifiers never saw gets Random sampling, and the dashboard says why."""

import numpy as np
import pytest

from backend.catalog.models import ActionClass
from backend.core.models import Job
from backend.mining import stages
from backend.mining.models import ClassifierModel, VideoMining
from backend.mining.services import CLASS_NOT_TRAINED_NOTE, CLASSIFIERS_DISAGREE_NOTE, class_names

pytestmark = pytest.mark.django_db

RED_THEN_BLUE = [("color=c=red", 4.04), ("color=c=blue", 4.04)]


class ColourClassifier:
    """A frame classifier with a known output: a mostly red frame puts 0.9 on `red_column`, any other frame 0.9
    on `blue_column`; the remaining 0.1 goes to the last column (background)."""

    def __init__(self, *, width: int, red_column: int, blue_column: int):
        self.width, self.red_column, self.blue_column = width, red_column, blue_column

    def predict_proba(self, frames: np.ndarray) -> np.ndarray:
        mean = np.asarray(frames, dtype=float).reshape(len(frames), -1, 3).mean(axis=1)
        red = mean[:, 0] > mean[:, 2]
        out = np.zeros((len(frames), self.width))
        out[:, -1] = 0.1
        out[red, self.red_column] = 0.9
        out[~red, self.blue_column] = 0.9
        return out


def flat_embed(frames: np.ndarray) -> np.ndarray:
    return np.ones((len(frames), 4))


def trained_classifiers(monkeypatch, *, names: list[str], web_names: list[str] | None = None, **columns) -> None:
    """Both classifiers stored as trained with `names` (web: `web_names`), answering as ColourClassifier."""
    for kind, labels in [("youtube", names), ("web", web_names or names)]:
        ClassifierModel.objects.create(
            kind=kind, version=1, file=f"models/{kind}-v1.pt", val_accuracy=0.5, class_names=labels
        )
    classifier = ColourClassifier(width=len(names), **columns)

    def committee(youtube, web):  # both classifiers and the embedding, as stages._committee answers them
        return lambda frames: (classifier.predict_proba(frames), classifier.predict_proba(frames), flat_embed(frames))

    monkeypatch.setattr(stages, "_committee", committee)


def add_class_before_the_others(name: str) -> ActionClass:
    """A leaf added after training, with the lowest node id: today's list puts it first, moving every class."""
    return ActionClass.objects.create(node_id=-1, name=name, is_leaf=True)


def test_a_known_class_is_read_from_its_column_in_the_classifiers_label_list(
    mining_project, cut_video, mine_as_people, monkeypatch
):
    # given classifiers trained before a class was added: "Long jump" is column k for them, k + 1 in today's list
    trained = class_names()
    k = trained.index("Long jump")
    add_class_before_the_others("Added later")
    assert class_names().index("Long jump") == k + 1
    # only column k makes the red shot the class: Max-Consensus can draw nothing else there
    trained_classifiers(monkeypatch, names=trained, red_column=k, blue_column=k + 1)
    mining_project.sampling_training = "max_consensus"
    mining_project.save()

    video = mine_as_people(cut_video(RED_THEN_BLUE))

    mining = VideoMining.objects.get(video=video)
    assert (mining.strategy, mining.sampling_note) == ("max_consensus", "")
    clips = list(video.clips.all())
    assert clips and {c.method for c in clips} == {"max_consensus"}
    for clip in clips:  # the red shot (0–4.04 s), whose frames are the class in column k
        assert clip.end <= 4.04 and clip.scores["p_y_c"] == pytest.approx(0.9), (clip.start, clip.scores)


def test_a_class_added_after_training_gets_random_sampling_and_the_dashboard_says_why(
    mining_project, cut_video, mine_as_people, monkeypatch, client, admin_user
):
    # given classifiers trained before "Added later" existed
    trained = class_names()
    add_class_before_the_others("Added later")
    trained_classifiers(monkeypatch, names=trained, red_column=0, blue_column=1)

    # when a video of the new class is mined
    video = mine_as_people(cut_video(RED_THEN_BLUE), class_name="Added later")

    # then it gets Random clips only, and the reason is recorded
    mining = VideoMining.objects.get(video=video)
    assert (mining.strategy, mining.sampling_note) == ("random", CLASS_NOT_TRAINED_NOTE)
    assert video.clips.exists() and set(video.clips.values_list("method", flat=True)) == {"random"}
    assert Job.objects.get(video=video, kind="mine").message == CLASS_NOT_TRAINED_NOTE
    client.force_login(admin_user)
    [job] = client.get(f"/api/projects/{mining_project.pk}/mining/").json()["jobs"]
    assert (job["strategy"], job["message"]) == ("random", CLASS_NOT_TRAINED_NOTE)
    assert "Random sampling until `retrain` includes it" in job["message"]
    # and the "add a class" flow's mining step says it too
    from django.utils import timezone

    from backend.catalog.models import ClassSetup
    from backend.curation.class_setup import class_setup_progress

    setup = ClassSetup.objects.create(project=mining_project, action_class=video.query_class, started_at=timezone.now())
    assert class_setup_progress(setup=setup).sampling_note == CLASS_NOT_TRAINED_NOTE


def test_classifiers_with_different_label_lists_give_random_sampling(
    mining_project, cut_video, mine_as_people, monkeypatch
):
    # given a web classifier whose label list orders two classes differently from the video-frame classifier's
    trained = class_names()
    web = [trained[1], trained[0], *trained[2:]]
    trained_classifiers(monkeypatch, names=trained, web_names=web, red_column=0, blue_column=1)

    video = mine_as_people(cut_video(RED_THEN_BLUE))

    # then their KL would compare different classes column by column: Random, with the reason
    mining = VideoMining.objects.get(video=video)
    assert (mining.strategy, mining.sampling_note) == ("random", CLASSIFIERS_DISAGREE_NOTE)
    assert set(video.clips.values_list("method", flat=True)) == {"random"}
