"""`manage.py train_classifier --kind web`: the images go into storage before the worker is asked, so the worker that
trains (on any machine) reads them there; a folder that names no class is refused before anything is stored."""

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from backend.core.models import Job
from tests.mining.test_pipeline import make_web_images

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(mining_project, monkeypatch):
    """The training task's arguments, as the worker would receive them; the job is marked done at once."""
    from backend.mining import tasks as mining_tasks

    calls = []

    def delay(job_id, kind, folder, epochs):
        calls.append((kind, folder, epochs))
        Job.objects.filter(pk=job_id).update(state=Job.State.DONE, progress=1.0, message="trained")

    monkeypatch.setattr(mining_tasks.classifier_train_task, "delay", delay)
    return calls


def test_web_images_are_stored_and_the_worker_gets_their_storage_folder(sent, tmp_path):
    folder = make_web_images(tmp_path / "web")
    call_command("train_classifier", "--kind", "web", "--images", str(folder), "--epochs", "1")
    [(kind, stored, epochs)] = sent
    assert (kind, epochs) == ("web", 1)
    assert not stored.startswith("/") and str(tmp_path) not in stored  # a storage folder, not this machine's path
    classes, _ = default_storage.listdir(stored)
    assert sorted(classes) == ["Long jump", "background"]
    _, files = default_storage.listdir(f"{stored}/background")
    assert len(files) == 12
    with default_storage.open(f"{stored}/Long jump/astronaut0.png", "rb") as fh:
        assert fh.read() == (folder / "Long jump" / "astronaut0.png").read_bytes()


def test_a_folder_naming_no_class_is_refused_before_anything_is_stored(sent, tmp_path):
    folder = make_web_images(tmp_path / "web")
    (folder / "Not a class").mkdir()
    with pytest.raises(CommandError, match="Not a class"):
        call_command("train_classifier", "--kind", "web", "--images", str(folder))
    assert sent == [] and not default_storage.exists("training")
