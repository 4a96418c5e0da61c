"""Unknown class names in a release file: refused with where they are, naming --create-classes; or created as leaf
classes (catalog's `action_classes_create`) when the import asks for it. Shared by import_clips and import_segments.
"""

from __future__ import annotations

from typing import Any

from backend.catalog.models import ActionClass
from backend.catalog.services import action_classes_create
from backend.core.errors import ImportFileError

SHOWN = 20  # unknown names listed in a refusal; the rest are counted

CREATE_HINT = "import with --create-classes [--parent NAME] to add them as new classes"


def unknown_classes(found: dict[str, str]) -> dict[str, str]:
    """The names of `found` (name → where it first appears) that are no leaf class of the catalog."""
    known = set(ActionClass.objects.filter(is_leaf=True, name__in=list(found)).values_list("name", flat=True))
    return {name: where for name, where in found.items() if name not in known}


def classes_refuse_unknown(found: dict[str, str]) -> None:
    """Refuse (ImportFileError) listing every unknown name with where it first appears, and the option to use."""
    unknown = unknown_classes(found)
    if unknown:
        listed = "; ".join(f"{where}: {name[:80]!r}" for name, where in list(unknown.items())[:SHOWN])
        more = f" (and {len(unknown) - SHOWN} more)" if len(unknown) > SHOWN else ""
        raise ImportFileError(f"{len(unknown)} unknown class(es): {listed}{more}; {CREATE_HINT} — nothing was imported")


def classes_create_unknown(found: dict[str, str], *, parent: str | None) -> list[ActionClass]:
    """Create the unknown names of `found` as leaf classes under `parent` (default: the taxonomy's root). The
    caller's transaction decides whether they stay (a refused file takes them back)."""
    return action_classes_create(names=unknown_classes(found), parent=parent)


def segment_labels(data: Any) -> dict[str, str]:
    """Label → path of its first use, over the well-formed parts of an ActivityNet-layout file (whatever is
    malformed is left to activitynet.parse, which names it)."""
    from backend.exports.activitynet import _key

    found: dict[str, str] = {}
    database = data.get("database") if isinstance(data, dict) else None
    if not isinstance(database, dict):
        return found
    for video_id, entry in database.items():
        annotations = entry.get("annotations") if isinstance(entry, dict) else None
        if not isinstance(annotations, list):
            continue
        for i, item in enumerate(annotations):
            if isinstance(item, dict) and isinstance(item.get("label"), str):
                found.setdefault(item["label"], f"{_key(video_id)}.annotations[{i}].label")
    return found
