"""Taxonomy files: load → export → load round-trips byte for byte (ActivityNet's and HAA500's), any depth, several
roots, and a bad file is refused whole, naming what is wrong."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from backend.catalog.models import ActionClass, Guideline
from backend.catalog.services import taxonomy_load
from backend.catalog.taxonomy import TaxonomyError, taxonomy_dumps, taxonomy_nodes

pytestmark = pytest.mark.django_db

DATA = Path(settings.BASE_DIR) / "backend" / "catalog" / "data"
ACTIVITYNET = DATA / "activitynet_v1.3_taxonomy.json"
HAA500 = DATA / "haa500_taxonomy.json"
HAA500_AREAS = ["Sports/Athletics", "Playing Musical Instruments", "Games and Hobbies", "Daily Actions"]


def export(tmp_path: Path, name: str, *args: str) -> bytes:
    out = tmp_path / name
    call_command("export_taxonomy", "-o", str(out), *args)
    return out.read_bytes()


def node(node_id: int, name: str, parent: tuple[int, str] | None = None) -> dict:
    return {
        "nodeId": node_id,
        "nodeName": name,
        "parentId": parent[0] if parent else None,
        "parentName": parent[1] if parent else None,
    }


def test_activitynet_loads_and_exports_to_the_same_bytes(tmp_path):
    # when ActivityNet v1.3's own file is loaded and the tree exported
    call_command("load_taxonomy", str(ACTIVITYNET))
    first = export(tmp_path, "a.json")
    # then the export is that file, byte for byte; loading the export and exporting again changes nothing
    assert first == ACTIVITYNET.read_bytes()
    call_command("load_taxonomy", str(tmp_path / "a.json"))
    assert export(tmp_path, "b.json") == first
    assert ActionClass.objects.count() == 272 and ActionClass.objects.filter(is_leaf=True).count() == 200


def test_haa500_loads_beside_activitynet_and_round_trips(tmp_path):
    # given ActivityNet loaded, with a class that has work on it
    taxonomy_load()
    long_jump = ActionClass.objects.get(name="Long jump")
    # when HAA500's areas → composite actions → atomic actions file is loaded next to it
    call_command("load_taxonomy", str(HAA500))
    # then the HAA500 tree hangs under its own root with its four areas, ActivityNet untouched
    root = ActionClass.objects.get(name="HAA500")
    assert root.parent is None and not root.is_leaf
    assert sorted(root.children.values_list("name", flat=True)) == sorted(HAA500_AREAS)
    plank = ActionClass.objects.get(name="gym_plank")
    assert plank.is_leaf and plank.parent.name == "gym" and plank.parent.parent.name == "Sports/Athletics"
    assert Guideline.objects.filter(action_class=plank).exists()
    haa500 = json.loads(HAA500.read_text())
    assert ActionClass.objects.count() == 272 + len(haa500)
    assert ActionClass.objects.get(pk=long_jump.pk).name == "Long jump"
    # and exporting the HAA500 root gives the shipped file back, byte for byte, twice over a reload
    first = export(tmp_path, "haa.json", "--root", "HAA500")
    assert first == HAA500.read_bytes()
    call_command("load_taxonomy", str(tmp_path / "haa.json"))
    assert export(tmp_path, "haa2.json", "--root", "HAA500") == first
    # and the whole database exports as one file with both roots, which loads back unchanged
    both = export(tmp_path, "both.json")
    assert {n["nodeName"] for n in json.loads(both) if n["parentId"] is None} == {"Root", "HAA500"}
    call_command("load_taxonomy", str(tmp_path / "both.json"))
    assert export(tmp_path, "both2.json") == both


def test_any_depth_and_several_roots(tmp_path):
    # given a file of two roots, one five levels deep, listed children first
    nodes = [
        node(7, "leaf e", (6, "d")),
        node(6, "d", (5, "c")),
        node(5, "c", (4, "b")),
        node(4, "b", (3, "a")),
        node(3, "a"),
        node(9, "other root"),
        node(10, "other leaf", (9, "other root")),
    ]
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(nodes))
    # when it is loaded
    assert taxonomy_load(path=path) == 7
    # then parents, depth and leaves are right, and the export lists it by nodeId in ActivityNet's layout
    assert ActionClass.objects.get(name="leaf e").parent.parent.parent.parent.name == "a"
    assert set(ActionClass.objects.filter(is_leaf=True).values_list("name", flat=True)) == {"leaf e", "other leaf"}
    assert taxonomy_dumps(taxonomy_nodes()) == json.dumps(sorted(nodes, key=lambda n: n["nodeId"]), indent=1) + "\n"


def test_a_subtree_export_keeps_its_parent_and_loads_back(tmp_path):
    taxonomy_load()
    sub = json.loads(export(tmp_path, "sub.json", "--root", "Household Activities"))
    assert sub[0] == node(1, "Household Activities", (0, "Root"))  # its parent is named, though not in the file
    assert all(n["nodeName"] != "Root" for n in sub) and len(sub) > 10
    # loading it into a database that has its parent changes nothing
    before = export(tmp_path, "all.json")
    call_command("load_taxonomy", str(tmp_path / "sub.json"))
    assert export(tmp_path, "all2.json") == before


def test_a_renamed_node_keeps_its_id_and_a_new_child_turns_a_leaf_into_a_parent(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps([node(1, "root"), node(2, "kick", (1, "root"))]))
    taxonomy_load(path=path)
    kick = ActionClass.objects.get(name="kick")
    assert kick.is_leaf
    path.write_text(
        json.dumps([node(1, "root"), node(2, "soccer", (1, "root")), node(3, "soccer_kick", (2, "soccer"))])
    )
    taxonomy_load(path=path, rename=True)
    kick.refresh_from_db()
    assert (kick.name, kick.is_leaf) == ("soccer", False)
    assert ActionClass.objects.get(name="soccer_kick").is_leaf


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ({"nodeId": 1}, "JSON list of nodes"),
        ([{"nodeId": 1, "nodeName": "a", "parentId": None}], "exactly the keys"),
        ([node(1, "a"), node(1, "b")], "nodeId 1 is used by 2 nodes"),
        ([node(1, "a"), node(2, "a")], "nodeName 'a' is used by 2 nodes"),
        ([node(1, "a"), node(2, "b", (1, "not a"))], "parentName 'not a' but node 1 is 'a'"),
        ([node(1, "a", (2, "b")), node(2, "b", (1, "a"))], "its own ancestor"),
        ([node(1, "a"), node(2, "b", (99, "ghost"))], "parent 99 ('ghost') is neither in the file nor loaded"),
        ([node(1, "a"), {"nodeId": "2", "nodeName": "b", "parentId": 1, "parentName": "a"}], "nodeId must be an int"),
        ([node(1, "")], "non-empty string"),
    ],
)
def test_a_bad_file_is_refused_whole_with_the_reason(tmp_path, nodes, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(nodes))
    with pytest.raises(TaxonomyError, match=re.escape(message)):
        taxonomy_load(path=path)
    assert not ActionClass.objects.exists()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_taxonomy", str(path))


def test_a_name_another_node_already_has_is_refused(tmp_path):
    taxonomy_load()
    path = tmp_path / "clash.json"
    path.write_text(json.dumps([node(5000, "HAA500"), node(5001, "Long jump", (5000, "HAA500"))]))
    with pytest.raises(TaxonomyError, match="'Long jump' is already node"):
        taxonomy_load(path=path)
    assert not ActionClass.objects.filter(node_id__gte=5000).exists()


def test_export_of_an_unknown_root_is_refused(tmp_path):
    with pytest.raises(CommandError, match="no node named 'Nope'"):
        call_command("export_taxonomy", "-o", str(tmp_path / "x.json"), "--root", "Nope")
