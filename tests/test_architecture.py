"""The house rule as code (docs/architecture.md): imports point down the ladder of apps, never up or in circles.

Every import in backend/ and workers/ is parsed (module level and inside functions alike). Fails on:
- an import from a lower app to a higher one (the ladder is LAYERS below);
- a cycle between apps (implied by the ladder, checked on its own so the message names the cycle);
- workers/ importing Django or backend/ (workers is pure compute);
- a domain app importing backend.config (settings, urls and the Celery app sit on top; no one imports them).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Bottom to top. An app may import the apps below it (and workers/, which imports no app). Apps on one rung may
# not import each other.
LAYERS: list[set[str]] = [
    {"core"},
    {"catalog"},
    {"clips"},
    {"mining"},
    {"segments"},
    {"quality"},
    {"curation"},
    {"exports"},
    {"demo"},
    {"config"},
]
RANK = {app: i for i, rung in enumerate(LAYERS) for app in rung}


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import in a file, relative imports resolved."""
    module = _module_of(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((node.lineno, target))
            out += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return out


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "backend" and len(parts) > 1:
        return parts[1]
    if parts[0] == "workers":
        return "workers"
    return None


def source_files() -> list[Path]:
    files = [*ROOT.joinpath("backend").rglob("*.py"), *ROOT.joinpath("workers").rglob("*.py")]
    return sorted(f for f in files if "migrations" not in f.parts)


def violations(files: list[Path] | None = None) -> list[str]:
    found = []
    for path in files or source_files():
        src = app_of(_module_of(path))
        for line, target in imports_of(path):
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            dst = app_of(target)
            if src == "workers":
                if target.split(".")[0] in ("django", "rest_framework", "celery", "backend"):
                    found.append(f"{where}: workers/ is pure compute (no Django, no backend)")
                continue
            if dst is None or dst == src or dst == "workers":
                continue
            if dst == "config" and src != "config":
                found.append(f"{where}: no app imports backend.config (it sits on top)")
            elif src not in RANK or dst not in RANK:
                found.append(f"{where}: app {src if src not in RANK else dst!r} has no rung in LAYERS")
            elif RANK[dst] >= RANK[src]:
                found.append(f"{where}: {src} (rung {RANK[src]}) may not import {dst} (rung {RANK[dst]})")
    return sorted(set(found))


def app_cycles(files: list[Path] | None = None) -> list[list[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in files or source_files():
        src = app_of(_module_of(path))
        for _, target in imports_of(path):
            dst = app_of(target)
            if src and dst and dst != src:
                edges[src].add(dst)
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return cycles


def test_imports_point_down_the_ladder():
    assert violations() == []


def test_no_import_cycle_between_apps():
    assert app_cycles() == []


def test_every_app_has_a_rung():
    apps = {p.name for p in ROOT.joinpath("backend").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert apps == set(RANK), "add the new app to LAYERS here and to docs/architecture.md"


@pytest.mark.parametrize(
    ("where", "line", "why"),
    [
        ("backend/catalog/planted.py", "from backend.clips.models import Clip", "may not import clips"),
        (
            "backend/clips/planted.py",
            "def f():\n    from backend.quality.selectors import dashboard",
            "may not import quality",
        ),
        ("backend/quality/planted.py", "from backend.config.celery import app", "no app imports backend.config"),
        ("workers/planted.py", "import django.db", "workers/ is pure compute"),
        ("workers/planted.py", "from backend.clips.models import Clip", "workers/ is pure compute"),
        (
            "backend/segments/planted.py",
            "from backend.mining.models import Stage\nfrom backend.quality import api",
            "may not import quality",
        ),
    ],
)
def test_the_rule_fails_when_a_bad_import_is_added(tmp_path, monkeypatch, where, line, why):
    # given the real tree plus one planted file with a bad import (written beside the real ones, then removed)
    planted = ROOT / where
    assert not planted.exists()
    planted.write_text(line + "\n", encoding="utf-8")
    try:
        # then the rule names it
        found = violations()
    finally:
        planted.unlink()
    assert any(where in v and why in v for v in found), found


def test_a_cycle_is_reported(tmp_path):
    # given two planted files that import each other's apps (clips → quality is also upward, but the cycle check
    # must see the loop on its own)
    a, b = ROOT / "backend/clips/planted_a.py", ROOT / "backend/quality/planted_b.py"
    a.write_text("from backend.quality import models\n", encoding="utf-8")
    b.write_text("from backend.clips import models\n", encoding="utf-8")
    try:
        cycles = app_cycles()
    finally:
        a.unlink()
        b.unlink()
    assert any({"clips", "quality"} <= set(c) for c in cycles), cycles
