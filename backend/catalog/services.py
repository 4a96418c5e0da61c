"""Catalog writes: the taxonomy, guidelines, and video ingest."""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Max

from backend.catalog.models import ActionClass, Guideline, Project, Video
from backend.catalog.signals import video_ingested
from backend.core.errors import ApplicationError
from workers.media import probing as media

log = logging.getLogger("actionloom.catalog")


class IngestError(ApplicationError, ValueError):
    """A video was refused; nothing was stored. The message is meant for the user."""


class FileTooLarge(IngestError):
    """Over ACTIONLOOM_MAX_UPLOAD_BYTES (the API answers 413)."""

    code = "too_large"


def check_upload_size(*, name: str, size: int) -> None:
    limit = settings.MAX_UPLOAD_BYTES
    if size > limit:
        shown = f"{limit / 2**20:.0f} MiB" if limit >= 2**20 else f"{limit} bytes"
        raise FileTooLarge(f"{name}: the file is {size} bytes; the limit is {shown}")


def taxonomy_load(*, path: Path | None = None, rename: bool = False) -> int:
    """Load a taxonomy node list (ActivityNet's layout, any depth, any number of roots; see catalog/taxonomy.py);
    idempotent. Returns the number of nodes. Refuses a bad file with TaxonomyError, writing nothing; a loaded node
    the file names otherwise is refused unless ``rename``."""
    from backend.catalog.taxonomy import taxonomy_load_file

    return taxonomy_load_file(path=Path(path or settings.DEFAULT_TAXONOMY_FILE), rename=rename)


def taxonomy_root() -> ActionClass | None:
    """The node new classes go under when no parent is named: the root (no parent) with the lowest node id —
    ActivityNet's "Root" when its taxonomy is loaded. None when no taxonomy is loaded."""
    return ActionClass.objects.filter(parent__isnull=True).order_by("node_id").first()


def action_classes_create(*, names: Iterable[str], parent: str | None = None) -> list[ActionClass]:
    """Create leaf classes (with their empty guidelines) under the node named ``parent``; by default under
    ``taxonomy_root()`` (a root of their own when no taxonomy is loaded). Node ids follow the highest one, at least
    FIRST_OWN_NODE_ID. Refuses (IngestError, nothing written) an unknown parent, a parent that is itself a class,
    and a name a group of classes already has. The caller holds the transaction that decides whether they stay."""
    from backend.catalog.taxonomy import FIRST_OWN_NODE_ID, MAX_NAME

    wanted = sorted(set(names))
    if not wanted:
        return []
    if parent is None:
        node = taxonomy_root()
    else:
        node = ActionClass.objects.filter(name=parent).first()
        if node is None:
            raise IngestError(f"--parent {parent!r}: no node of the taxonomy has that name")
    if node is not None and node.is_leaf:
        raise IngestError(
            f"--parent {node.name!r} is an action class, not a group of classes: name a group "
            f"(its parent is {node.parent.name if node.parent else 'none'!r})"
        )
    bad = [name for name in wanted if not name.strip() or name != name.strip() or len(name) > MAX_NAME]
    if bad:
        raise IngestError(
            f"class names must be 1 to {MAX_NAME} characters, without spaces around them: "
            f"{', '.join(repr(b[:80]) for b in bad)}"
        )
    groups = list(ActionClass.objects.filter(name__in=wanted, is_leaf=False).values_list("name", flat=True))
    if groups:
        raise IngestError(
            f"{', '.join(map(repr, sorted(groups)))}: a group of classes in the taxonomy, not a class; "
            "--create-classes only makes new leaf classes"
        )
    known = set(ActionClass.objects.filter(name__in=wanted).values_list("name", flat=True))
    with transaction.atomic():
        # No lock to take (Django drops FOR UPDATE from an aggregate): two imports creating classes at once meet
        # node_id's unique constraint, and the later one fails with nothing written.
        top = ActionClass.objects.aggregate(top=Max("node_id"))["top"] or 0
        first = max(top + 1, FIRST_OWN_NODE_ID)
        ActionClass.objects.bulk_create(
            [
                ActionClass(node_id=first + i, name=name, parent=node, is_leaf=True)
                for i, name in enumerate(n for n in wanted if n not in known)
            ]
        )
        # read back rather than trusting bulk_create's ids (not every database returns them)
        created = list(ActionClass.objects.filter(node_id__gte=first).order_by("node_id"))
        Guideline.objects.bulk_create([Guideline(action_class=c) for c in created])
    log.info("created %d classes under %s: %s", len(created), node.name if node else "no parent", wanted)
    return created


def action_class_resolve(*, name: str) -> ActionClass:
    try:
        return ActionClass.objects.get(name=name, is_leaf=True)
    except ActionClass.DoesNotExist:
        close = ActionClass.objects.filter(name__icontains=name.split()[0] if name.split() else name, is_leaf=True)
        hint = f" Did you mean: {', '.join(c.name for c in close[:5])}?" if close else ""
        raise IngestError(f"unknown action class {name!r}.{hint}") from None


_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")


def upload_name_clean(name: str | None) -> str:
    """A user's file name made fit to show: no folders (either slash), no control or bidi-override characters,
    NFC, at most 255 characters. It is only ever shown; storage keys are generated (video_upload_key)."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf", "Cs")).strip()
    return base[:255] or "upload"


def external_id_from_name(name: str) -> str:
    """A platform id for an uploaded file: its stem made safe and short, plus a random suffix."""
    stem = _SAFE_ID.sub("-", Path(name).stem).strip("-")[:40] or "video"
    return f"{stem}-{uuid.uuid4().hex[:8]}"


def video_ingest(
    *,
    project: Project,
    path: Path,
    action_class: ActionClass,
    subset: str = Video.Subset.TRAINING,
    original_name: str | None = None,
    external_id: str | None = None,
    source_url: str = "",
    mine: bool | None = None,
) -> Video:
    """Probe a file, store it under a generated key and create its Video; then sample and cut its clips.

    `mine` True sends the video to mining whatever the project's `mining_enabled` (`manage.py ingest --mining`);
    None leaves the choice to the project. Refuses (IngestError, nothing stored) non-video, corrupt, zero-length and
    too-long files.
    """
    name = original_name or path.name
    if subset not in Video.Subset.values:
        raise IngestError(f"unknown subset {subset!r}; use one of {', '.join(Video.Subset.values)}")
    check_upload_size(name=name, size=path.stat().st_size)
    try:
        info = media.probe(path, max_seconds=settings.MAX_VIDEO_SECONDS)
    except media.ProbeError as exc:
        raise IngestError(str(exc).replace(path.name, name, 1)) from exc
    external_id = external_id or external_id_from_name(name)
    if Video.objects.filter(project=project, external_id=external_id).exists():
        raise IngestError(f"{name}: a video with id {external_id!r} is already in project {project.name!r}")
    with transaction.atomic():
        video = Video(
            project=project,
            external_id=external_id,
            source_url=source_url,
            original_name=name[:255],
            query_class=action_class,
            subset=subset,
            duration=info.duration,
            fps=info.fps,
            width=info.width,
            height=info.height,
            size_bytes=info.size_bytes,
            start_time=info.start_time,
        )
        with path.open("rb") as fh:
            video.file.save("source", File(fh), save=False)
        try:
            video.save()
        except Exception:
            video.file.delete(save=False)  # nothing stored on failure
            raise
        # Mining decides what happens next (backend/mining/services.py: video_ingested_receiver); catalog, the
        # ground floor, only says that the video is here.
        video_ingested.send(sender=Video, video=video, mine=mine)
    log.info("ingested %s (%s, %.1f s) for %s", name, external_id, info.duration, action_class.name)
    return video


def project_resolve(*, name: str | None = None) -> Project:
    """The named project; without a name, the only one there is (created as "Default" on an empty install)."""
    if name:
        try:
            return Project.objects.get(name=name)
        except Project.DoesNotExist:
            known = ", ".join(Project.objects.values_list("name", flat=True)) or "none yet"
            raise IngestError(f"unknown project {name!r} (projects: {known})") from None
    projects = list(Project.objects.order_by("pk")[:2])
    if len(projects) > 1:
        raise IngestError("there are several projects: name one with --project")
    return projects[0] if projects else Project.objects.create(name="Default")
