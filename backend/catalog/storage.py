"""Storage helpers shared by every media task: a local path for ffmpeg, and files stored at their generated key."""

from __future__ import annotations

from pathlib import Path

from django.core.files import File

from backend.catalog.models import Video
from backend.core.storage import stored_file_local_path


def video_local_path(video: Video, tmp: Path) -> Path:
    """ffmpeg needs a path: local storage has one; remote storage (S3) is copied into `tmp` first."""
    return stored_file_local_path(video.file, tmp)


def store_at_key(field, filename: str, path: Path) -> None:
    """Save a file under the field's generated key, replacing a file a killed run left there (storages would add
    a suffix instead, and the clip would end with two files)."""
    key = field.field.generate_filename(field.instance, filename)
    if field.storage.exists(key):
        field.storage.delete(key)
    with path.open("rb") as fh:
        field.save(filename, File(fh), save=False)
