"""The action-class tree as a file: ActivityNet's node list, read and written.

The format is ActivityNet v1.3's ``taxonomy`` list, one object per node::

    [{"nodeId": 0, "nodeName": "Root", "parentId": null, "parentName": null},
     {"nodeId": 1, "nodeName": "Household Activities", "parentId": 0, "parentName": "Root"}, ...]

Any depth and any number of roots (``parentId`` null), so HAA500's areas → composite actions → atomic actions fit as
they are. ``nodeId`` is a node's identity: loading a file again updates parents in place, and names only when asked
(``rename=True``, ``load_taxonomy --rename``; a renamed class keeps its clips): a node id that comes back under another
name is refused, the differences listed, so a class is never renamed or repurposed by accident. A file may also name, as a parent, a node that is not in it but already loaded (a subtree exported
with ``--root`` keeps its root's parent). Leaves — nodes nobody names as parent, counted over the whole database — are
the labelable classes; each gets a guideline.

Export writes the same list, ordered by ``nodeId``, as ``json.dumps(nodes, indent=1)`` plus a newline: exactly the
bytes of ActivityNet's own file, so ActivityNet's taxonomy round-trips byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from backend.catalog.models import ActionClass, Guideline

KEYS = ("nodeId", "nodeName", "parentId", "parentName")
MAX_NAME = ActionClass._meta.get_field("name").max_length
# Classes made here (the add-a-class flow, imports with --create-classes) get node ids above any ActivityNet/HAA500
# id, so exports never confuse them with the field's ids.
FIRST_OWN_NODE_ID = 100_000


class TaxonomyError(ValueError):
    """A taxonomy file was refused; nothing was written. The message names the nodes at fault."""


def taxonomy_parse(text: str) -> list[dict]:
    """The node list of a taxonomy file, checked: shape, types, unique ids and names, parents, no cycles."""
    try:
        nodes = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TaxonomyError(f"not JSON: {exc}") from None
    if not isinstance(nodes, list):
        raise TaxonomyError("a taxonomy file is a JSON list of nodes {nodeId, nodeName, parentId, parentName}")
    problems: list[str] = []
    for i, node in enumerate(nodes):
        if not isinstance(node, dict) or set(node) != set(KEYS):
            problems.append(f"node [{i}]: must have exactly the keys {', '.join(KEYS)}")
            continue
        if type(node["nodeId"]) is not int:
            problems.append(f"node [{i}]: nodeId must be an integer")
        if not isinstance(node["nodeName"], str) or not node["nodeName"].strip() or len(node["nodeName"]) > MAX_NAME:
            problems.append(f"node [{i}]: nodeName must be a non-empty string of at most {MAX_NAME} characters")
        if node["parentId"] is not None and type(node["parentId"]) is not int:
            problems.append(f"node [{i}]: parentId must be an integer or null")
        if node["parentName"] is not None and not isinstance(node["parentName"], str):
            problems.append(f"node [{i}]: parentName must be a string or null")
        if (node["parentId"] is None) != (node["parentName"] is None):
            problems.append(f"node [{i}]: parentId and parentName are both null (a root) or both set")
    _refuse(problems)
    _refuse(_duplicates(nodes, "nodeId") + _duplicates(nodes, "nodeName"))
    by_id = {n["nodeId"]: n for n in nodes}
    _refuse(
        [
            f"node {n['nodeId']} ({n['nodeName']!r}): parentName {n['parentName']!r} but node {n['parentId']} is "
            f"{by_id[n['parentId']]['nodeName']!r}"
            for n in nodes
            if n["parentId"] in by_id and by_id[n["parentId"]]["nodeName"] != n["parentName"]
        ]
    )
    _refuse(_cycles(by_id))
    return nodes


def taxonomy_load_nodes(nodes: list[dict], *, rename: bool = False) -> int:
    """Create or update the nodes (checked by ``taxonomy_parse``) in one transaction; returns how many.

    A parent outside the file must already be loaded, under the name the file gives it; a name already taken by
    another node id is refused; a loaded node the file names otherwise is refused unless ``rename``. Leaf flags are
    recomputed over the database for every node touched.
    """
    in_file = {n["nodeId"] for n in nodes}
    if not rename:
        _refuse_renames(nodes)
    outside = {n["parentId"]: n for n in nodes if n["parentId"] is not None and n["parentId"] not in in_file}
    loaded = {c.node_id: c for c in ActionClass.objects.filter(node_id__in=outside)}
    problems = [
        f"node {n['nodeId']} ({n['nodeName']!r}): its parent {pid} ({n['parentName']!r}) is neither in the "
        "file nor loaded"
        for pid, n in outside.items()
        if pid not in loaded
    ]
    problems += [
        f"node {n['nodeId']} ({n['nodeName']!r}): its parent {pid} is loaded as {loaded[pid].name!r}, not "
        f"{n['parentName']!r}"
        for pid, n in outside.items()
        if pid in loaded and loaded[pid].name != n["parentName"]
    ]
    taken = dict(
        ActionClass.objects.filter(name__in=[n["nodeName"] for n in nodes])
        .exclude(node_id__in=in_file)
        .values_list("name", "node_id")
    )
    problems += [
        f"node {n['nodeId']}: the name {n['nodeName']!r} is already node {taken[n['nodeName']]}'s"
        for n in nodes
        if n["nodeName"] in taken
    ]
    _refuse(problems)
    by_id: dict[int, ActionClass] = dict(loaded)
    with transaction.atomic():
        # A renamed node may take a name another node of the file gives up: free the names first.
        names = {n["nodeId"]: n["nodeName"] for n in nodes}
        for cls in ActionClass.objects.filter(node_id__in=in_file):
            if cls.name != names[cls.node_id]:
                ActionClass.objects.filter(pk=cls.pk).update(name=f"(renaming node {cls.node_id})")
        parents = {n["parentId"] for n in nodes}
        for node in sorted(nodes, key=_depth_key(nodes)):
            obj, _ = ActionClass.objects.update_or_create(
                node_id=node["nodeId"],
                # leaf as far as the file knows; _leaves_update corrects it from the whole database
                defaults={
                    "name": node["nodeName"],
                    "parent": by_id.get(node["parentId"]),
                    "is_leaf": node["nodeId"] not in parents,
                },
            )
            by_id[node["nodeId"]] = obj
        _leaves_update(in_file | set(loaded))
    return len(nodes)


def taxonomy_load_file(*, path: Path, rename: bool = False) -> int:
    return taxonomy_load_nodes(taxonomy_parse(Path(path).read_text(encoding="utf-8")), rename=rename)


def taxonomy_nodes(*, root: str | None = None) -> list[dict]:
    """The loaded tree as a node list ordered by nodeId: all of it, or the subtree under the node named ``root``
    (that node included, with its own parent kept)."""
    classes = list(ActionClass.objects.select_related("parent").order_by("node_id"))
    if root is not None:
        by_name = {c.name: c for c in classes}
        if root not in by_name:
            raise TaxonomyError(f"no node named {root!r}")
        children: dict[int | None, list[ActionClass]] = {}
        for c in classes:
            children.setdefault(c.parent_id, []).append(c)
        keep, todo = set(), [by_name[root]]
        while todo:
            node = todo.pop()
            keep.add(node.pk)
            todo += children.get(node.pk, [])
        classes = [c for c in classes if c.pk in keep]
    return [
        {
            "nodeId": c.node_id,
            "nodeName": c.name,
            "parentId": c.parent.node_id if c.parent else None,
            "parentName": c.parent.name if c.parent else None,
        }
        for c in classes
    ]


def taxonomy_dumps(nodes: Iterable[dict]) -> str:
    """The file's text: ActivityNet's layout (one-space indent, nodeId order, a final newline)."""
    return json.dumps(sorted(nodes, key=lambda n: n["nodeId"]), indent=1, ensure_ascii=False) + "\n"


# --- helpers ---------------------------------------------------------------------------------------------------


def _refuse(problems: list[str], shown: int = 10) -> None:
    if problems:
        more = f"\n… and {len(problems) - shown} more" if len(problems) > shown else ""
        raise TaxonomyError("\n".join(problems[:shown]) + more)


def _refuse_renames(nodes: list[dict]) -> None:
    """Refuse, listing them, the loaded nodes this file would give another name."""
    names = {n["nodeId"]: n["nodeName"] for n in nodes}
    loaded = ActionClass.objects.filter(node_id__in=names).order_by("node_id").values_list("node_id", "name")
    renamed = [
        f"node {nid}: loaded as {name!r}, the file says {names[nid]!r}" for nid, name in loaded if name != names[nid]
    ]
    if renamed:
        shown = 10
        more = f"\n… and {len(renamed) - shown} more" if len(renamed) > shown else ""
        raise TaxonomyError(
            f"{len(renamed)} loaded node(s) would be renamed (a node id keeps its clips, so this would repurpose "
            "them); load with --rename if that is meant:\n" + "\n".join(renamed[:shown]) + more
        )


def _duplicates(nodes: list[dict], key: str) -> list[str]:
    seen: dict = {}
    for node in nodes:
        seen.setdefault(node[key], []).append(node)
    return [f"{key} {value!r} is used by {len(same)} nodes" for value, same in seen.items() if len(same) > 1]


def _cycles(by_id: dict[int, dict]) -> list[str]:
    problems = []
    for start in by_id:
        path, cur = [], start
        while cur in by_id and cur not in path:
            path.append(cur)
            cur = by_id[cur]["parentId"]
        if cur == start:
            problems.append(f"node {start} ({by_id[start]['nodeName']!r}) is its own ancestor")
    return problems


def _depth_key(nodes: list[dict]):
    parent_of = {n["nodeId"]: n["parentId"] for n in nodes}

    def depth(node: dict) -> int:
        d, cur = 0, node["parentId"]
        while cur is not None:
            d, cur = d + 1, parent_of.get(cur)
        return d

    return lambda node: (depth(node), node["nodeId"])


def _leaves_update(node_ids: set[int]) -> None:
    """is_leaf = has no children, for these nodes; a new leaf gets its (empty) guideline."""
    classes = ActionClass.objects.filter(node_id__in=node_ids)
    with_children = set(ActionClass.objects.filter(parent__in=classes).values_list("parent_id", flat=True))
    for cls in classes:
        leaf = cls.pk not in with_children
        if cls.is_leaf != leaf:
            ActionClass.objects.filter(pk=cls.pk).update(is_leaf=leaf)
        if leaf:
            Guideline.objects.get_or_create(action_class=cls)
