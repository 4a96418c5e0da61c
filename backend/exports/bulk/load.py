"""The entry points: check a HACS file and load its rows, choosing the loader for the database."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from django.db import connection
from tqdm import tqdm

from backend.catalog.models import Project
from backend.exports.bulk.batched import _BatchedLoad
from backend.exports.bulk.postgres import _PostgresLoad
from backend.exports.hacs import (
    Problems,
    Repeats,
    Row,
    RowChecker,
    records,
)


def clips_import_file(
    *,
    path: Path,
    project: Project,
    gold: bool = False,
    author=None,
    progress: bool = False,
    on_conflict: str | None = None,
) -> dict:
    """Check and import a HACS CSV/JSON file, streaming it: the rows are never all in memory (CSV).

    Raises ImportFileError (nothing written) and UnicodeDecodeError for a file that is not UTF-8.
    """
    total = _count_lines(path) if progress else None
    checker = RowChecker()
    with path.open(encoding="utf-8-sig", newline="") as fh:  # -sig: a leading byte-order mark is dropped
        return clips_load(
            rows=checker.rows(records(fh)),
            project=project,
            gold=gold,
            author=author,
            problems=checker.problems,
            total=total,
            progress=progress,
            on_conflict=on_conflict,
        )


def clips_load(
    *,
    rows: Iterable[Row],
    project: Project,
    gold: bool = False,
    author=None,
    problems: Problems | None = None,
    total: int | None = None,
    progress: bool = False,
    on_conflict: str | None = None,
) -> dict:
    """Write checked rows in one transaction: videos by external id, clips, consensus (or gold) answers.

    `rows` may be a stream whose checker reports into `problems`: they are raised (nothing written) once the
    stream is consumed. Rows naming the same clip follow `hacs.Repeats` (`on_conflict`: None, "first", "last").
    Returns counts: rows, videos (new), clips (new), unchanged (already there, same label), repeated (rows left
    out as identical repeats), overridden (rows left out by `on_conflict`).
    """
    problems = problems or Problems()
    repeats = Repeats(on_conflict)
    bar = tqdm(total=total, unit=" rows", desc="checking", disable=not progress, file=sys.stderr, mininterval=0.5)
    try:
        if connection.vendor == "postgresql":
            counts = _PostgresLoad(project=project, gold=gold, author=author, bar=bar, progress=progress).run(
                rows, problems, repeats
            )
        else:
            counts = _BatchedLoad(project=project, gold=gold, author=author, bar=bar).run(rows, problems, repeats)
        return {**counts, **repeats.counts()}
    finally:
        bar.close()


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")) - 1)
