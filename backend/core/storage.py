"""A local path for a stored file, the one way a tool that needs a path (ffmpeg, torch) reads storage.

Local storage has a path; remote storage (S3) has none, and a worker on another machine has no MEDIA_ROOT: the file
is copied out of storage into a folder of the caller's, named by its stored name.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.db.models.fields.files import FieldFile

COPY_CHUNK = 1 << 20


def stored_file_local_path(file: FieldFile, directory: Path) -> Path:
    """The storage's own path for `file` when it has one; else its copy at `directory`/<stored name>.

    A copy already there is used again, so a long-lived `directory` (a worker's cache) downloads each stored name
    once: stored names are never reused for other content (S3 storage keeps `file_overwrite` off, and each new
    classifier version gets a new name). A temporary `directory` gives a copy that lives as long as it does.
    """
    if not file:
        raise ValueError("the field holds no file")
    return stored_name_local_path(file.name, directory, storage=file.storage)


def stored_name_local_path(name: str, directory: Path, *, storage=None) -> Path:
    """`stored_file_local_path` for a name saved with `default_storage.save` (or `storage`) and no model field."""
    if storage is None:
        from django.core.files.storage import default_storage

        storage = default_storage
    try:
        return Path(storage.path(name))
    except NotImplementedError:
        pass
    target = directory / name
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # a partial file of this call's own: two processes or threads copying the same name never write into one file
    handle, partial_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    partial = Path(partial_name)
    try:
        with os.fdopen(handle, "wb") as dst, storage.open(name, "rb") as src:
            for chunk in iter(lambda: src.read(COPY_CHUNK), b""):
                dst.write(chunk)
        partial.replace(target)  # atomic: a reader never sees half a file, nor a failed copy
    finally:
        partial.unlink(missing_ok=True)
    return target
