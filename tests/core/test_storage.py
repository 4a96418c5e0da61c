"""A stored file as a local path (core/storage.py): local storage's own file; from S3, one copy per stored name."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from backend.core.storage import stored_file_local_path
from backend.mining.models import ClassifierModel

pytestmark = pytest.mark.django_db


def stored_model(content: bytes) -> ClassifierModel:
    model = ClassifierModel(kind="youtube", version=1, class_names=["a", "background"], val_accuracy=0.5)
    model.file.save("youtube-v1.pt", ContentFile(content), save=True)
    return model


def test_local_storage_gives_its_own_file_and_copies_nothing(settings, tmp_path):
    model = stored_model(b"weights")
    path = stored_file_local_path(model.file, tmp_path / "cache")
    assert path == settings.MEDIA_ROOT / model.file.name and path.read_bytes() == b"weights"
    assert not (tmp_path / "cache").exists()


def test_s3_is_copied_once_under_the_stored_name(s3, tmp_path, monkeypatch):
    model = stored_model(b"weights from the bucket")
    reads = []
    storage_class = type(default_storage._wrapped)
    original = storage_class._open

    def spy(self, name, mode="rb"):
        reads.append(name)
        return original(self, name, mode)

    monkeypatch.setattr(storage_class, "_open", spy)
    first = stored_file_local_path(model.file, tmp_path / "cache")
    again = stored_file_local_path(model.file, tmp_path / "cache")
    assert first == again == tmp_path / "cache" / model.file.name
    assert first.read_bytes() == b"weights from the bucket" and reads == [model.file.name]
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # no partial copy left behind


def test_a_copy_that_fails_half_way_leaves_nothing_and_the_next_call_copies_again(s3, tmp_path, monkeypatch):
    model = stored_model(b"x" * 3_000_000)  # three chunks
    storage_class = type(default_storage._wrapped)
    original = storage_class._open

    def broken(self, name, mode="rb"):
        src = original(self, name, mode)
        first = [src.read(1 << 20)]

        def read(size=-1):
            if first:
                return first.pop()
            raise ConnectionResetError("the connection dropped")

        src.read = read
        return src

    monkeypatch.setattr(storage_class, "_open", broken)
    with pytest.raises(ConnectionResetError):
        stored_file_local_path(model.file, tmp_path / "cache")
    assert [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] == []
    monkeypatch.setattr(storage_class, "_open", original)
    assert stored_file_local_path(model.file, tmp_path / "cache").read_bytes() == b"x" * 3_000_000
