"""HACS Clips layout: `classname,youtube_id,subset,start,end,label` (label 1 positive, -1 negative), and on export
a seventh column `source`: where the label came from (`single`, `unanimous`, `majority`, `adjudicated`; `gold` for a
gold answer, `imported` for a label decided elsewhere; clips/consensus.py). An import takes the six columns, with or
without `source` (ignored: an imported label is `imported` here).

Exports stream (a row at a time from a server-side cursor), so memory stays flat at any size. Imports check every
row as the file streams past and write nothing unless the whole file is good; backend/exports/bulk.py writes them.
"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple, TextIO

from backend.catalog.models import ActionClass, Project, Video
from backend.clips.models import Clip
from backend.core.errors import ImportFileError

HEADER = ["classname", "youtube_id", "subset", "start", "end", "label"]
SOURCE = "source"
EXPORT_HEADER = [*HEADER, SOURCE]
GOLD_SOURCE = "gold"
FORMATS = ("hacs-csv", "hacs-json")
MAX_FIELD = 300  # characters; longer fields are refused rather than truncated


def _num(x: float) -> str:
    return repr(round(float(x), 3))


def clip_rows(*, project: Project | None = None, subset: str | None = None) -> Iterator[dict]:
    """One row per decided clip: consensus clips with their majority label, gold clips with their gold answer.
    Clips retired with their video (a duplicate, no person, removed by an admin) are left out."""
    qs = (Clip.objects.filter(consensus__isnull=False) | Clip.objects.filter(gold__isnull=False)).filter(
        retired_reason=""
    )
    if project is not None:
        qs = qs.filter(video__project=project)
    if subset:
        qs = qs.filter(video__subset=subset)
    qs = qs.order_by("action_class__name", "video__external_id", "start", "end").values_list(
        "action_class__name",
        "video__external_id",
        "video__subset",
        "start",
        "end",
        "consensus__value",
        "consensus__source",
        "gold__value",
    )
    for name, ext_id, sub, start, end, consensus_value, source, gold_value in qs.iterator(chunk_size=5000):
        value = gold_value if gold_value is not None else consensus_value
        yield {
            "classname": name,
            "youtube_id": ext_id,
            "subset": sub,
            "start": _num(start),
            "end": _num(end),
            "label": str(value),
            SOURCE: GOLD_SOURCE if gold_value is not None else source,
        }


def stream(rows: Iterable[dict], fmt: str) -> Iterator[str]:
    """Text chunks of the file, for StreamingHttpResponse or a file."""
    if fmt == "hacs-csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(EXPORT_HEADER)
        for i, row in enumerate(rows, 1):
            writer.writerow([row[k] for k in EXPORT_HEADER])
            if i % 1000 == 0:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()
    elif fmt == "hacs-json":
        yield "["
        for i, row in enumerate(rows):
            out = {**row, "start": float(row["start"]), "end": float(row["end"]), "label": int(row["label"])}
            yield ("," if i else "") + "\n" + json.dumps(out)
        yield "\n]\n"
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


# --- import ------------------------------------------------------------------------------------------------
# The checks live here and stream: a file of any size passes through RowChecker a record at a time, and the
# writers (backend/exports/bulk.py) consume the rows it lets through. Nothing is written unless every row is good.

SUBSETS = frozenset(Video.Subset.values)
MAX_REPORTED = 20  # problems named in a refusal; the rest are counted


class Row(NamedTuple):
    line: int
    classname: str
    youtube_id: str
    subset: str
    start: float
    end: float
    label: int


class Problems:
    """Line-numbered problems of one file: all are counted, the MAX_REPORTED first by line are named."""

    def __init__(self) -> None:
        self.first: list[tuple[int, str]] = []
        self.count = 0

    def add(self, line: int, message: str) -> None:
        self.count += 1
        if len(self.first) < MAX_REPORTED or line < self.first[-1][0]:
            bisect.insort(self.first, (line, message))
            del self.first[MAX_REPORTED:]

    def raise_if_any(self) -> None:
        if self.count:
            more = f" (and {self.count - MAX_REPORTED} more)" if self.count > MAX_REPORTED else ""
            named = "; ".join(f"line {line}: {message}" for line, message in self.first)
            raise ImportFileError(named + more + " — nothing was imported")


class RowChecker:
    """Checks records one at a time: good rows come out of `rows()`, the others land in `problems`."""

    def __init__(self) -> None:
        self.classes = set(ActionClass.objects.filter(is_leaf=True).values_list("name", flat=True))
        self.problems = Problems()

    def rows(self, records: Iterable[tuple[int, list[str] | str]]) -> Iterator[Row]:
        for line, values in records:
            try:
                if isinstance(values, str):  # the reader already found the record malformed
                    raise ValueError(values)
                row = _check(line, values, self.classes)
            except ValueError as exc:
                self.problems.add(line, str(exc))
                continue
            yield row


def parse(text: str, *, on_conflict: str | None = None) -> list[Row]:
    """Parse and check a HACS CSV or JSON file; raise ImportFileError naming every bad line (first 20). Repeated
    clips are resolved by `Repeats` (identical repeats left out; conflicting ones refused unless `on_conflict`)."""
    text = text.removeprefix("\ufeff")  # a byte-order mark, as spreadsheet programs write it
    checker = RowChecker()
    rows = list(checker.rows(records(io.StringIO(text))))
    drop = Repeats(on_conflict).resolve(repeat_groups(rows), checker.problems)
    checker.problems.raise_if_any()
    if not rows:
        raise ImportFileError("the file has no rows — nothing was imported")
    return [row for row in rows if row.line not in drop]


ON_CONFLICT = ("first", "last")


class Repeats:
    """The one rule for rows that name the same clip (class, video, start, end) more than once; both loaders apply it.

    A repeat with the same label is stored once and counted (`identical`). A repeat with another label is refused,
    naming its lines, unless `on_conflict` says which row of the clip wins: "first" or "last" in file order (the
    rows it drops are counted in `overridden`). `resolve` takes the repeated clips' rows however the loader found
    them (a dict here, GROUP BY on PostgreSQL) and returns the lines to leave out.
    """

    def __init__(self, on_conflict: str | None = None) -> None:
        if on_conflict is not None and on_conflict not in ON_CONFLICT:
            raise ValueError(f"on_conflict must be one of {', '.join(ON_CONFLICT)}")
        self.on_conflict = on_conflict
        self.identical = 0
        self.overridden = 0

    def resolve(self, groups: Iterable[list[tuple[int, int]]], problems: Problems) -> set[int]:
        """`groups`: for each clip the file names more than once, its rows' (line, label), in line order."""
        drop: set[int] = set()
        for group in groups:
            first_line, first_label = group[0]
            differs = [(line, label) for line, label in group if label != first_label]
            if differs and self.on_conflict is None:
                line, label = differs[0]
                lines = ", ".join(str(n) for n, _ in group[:10]) + (", …" if len(group) > 10 else "")
                problems.add(
                    line,
                    f"label {label}, but line {first_line} gives the same clip (class, video, start, end) label "
                    f"{first_label} (lines {lines}); import with --on-conflict first or --on-conflict last to keep one",
                )
                continue
            kept_line, kept_label = group[-1] if self.on_conflict == "last" else group[0]
            for line, label in group:
                if line != kept_line:
                    drop.add(line)
                    if label == kept_label:
                        self.identical += 1
                    else:
                        self.overridden += 1
        return drop

    def counts(self) -> dict:
        return {"repeated": self.identical, "overridden": self.overridden}


def repeat_groups(rows: Iterable[Row]) -> list[list[tuple[int, int]]]:
    """(line, label) of the rows of each clip named more than once, in line order (the rows in memory)."""
    by_clip: dict[tuple, list[tuple[int, int]]] = {}
    for row in rows:
        by_clip.setdefault((row.classname, row.youtube_id, row.start, row.end), []).append((row.line, row.label))
    return [sorted(group) for group in by_clip.values() if len(group) > 1]


def class_names(fh: TextIO) -> dict[str, int]:
    """Class name → first line, over the well-formed records of a file (the malformed ones are the checker's)."""
    names: dict[str, int] = {}
    for line, values in records(fh):
        if not isinstance(values, str):
            names.setdefault(values[0].strip(), line)
    return names


def records(fh: TextIO) -> Iterator[tuple[int, list[str] | str]]:
    """(line, the six values in HEADER order — or what is wrong with the record) of a CSV or JSON file.

    CSV streams line by line; JSON (a list of objects) is read whole.
    """
    skipped = []
    while (char := fh.read(1)) and char.isspace():
        skipped.append(char)
    if char in ("[", "{"):  # "{": a JSON object, refused below as not a list of rows
        yield from _json_records(char + fh.read())
    else:
        yield from _csv_records(itertools.chain(io.StringIO("".join(skipped) + char + fh.readline()), fh))


def _csv_records(lines: Iterable[str]) -> Iterator[tuple[int, list[str] | str]]:
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("the file is empty — nothing was imported") from None
    except csv.Error as exc:
        raise ImportFileError(f"line 1: {exc} — nothing was imported") from None
    columns = [h.strip() for h in header]
    if columns not in (HEADER, EXPORT_HEADER):
        raise ImportFileError(f"line 1: the header must be {','.join(HEADER)}[,{SOURCE}] — nothing was imported")
    try:
        for values in reader:
            if not values:
                continue
            if len(values) != len(columns):
                yield reader.line_num, f"expected {len(columns)} fields, found {len(values)}"
            else:
                yield reader.line_num, values[: len(HEADER)]
    except csv.Error as exc:
        raise ImportFileError(f"line {reader.line_num}: {exc} — nothing was imported") from None


def _json_records(text: str) -> Iterator[tuple[int, list[str] | str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"line {exc.lineno}: not valid JSON ({exc.msg}) — nothing was imported") from None
    except RecursionError:
        raise ImportFileError("the JSON is nested too deeply to be HACS rows — nothing was imported") from None
    if not isinstance(data, list):
        raise ImportFileError("a HACS JSON file is a list of rows — nothing was imported")
    # JSON rows are numbered from 1 like CSV data lines after the header (row 1 = line 2), so messages agree.
    for i, rec in enumerate(data):
        if not isinstance(rec, dict):
            yield i + 2, "a row must be an object"
        elif missing := [k for k in HEADER if k not in rec]:
            yield i + 2, f"missing field(s) {', '.join(missing)}"
        else:
            yield i + 2, [str(rec[k]) for k in HEADER]


def _check(line: int, values: list[str], classes: set[str]) -> Row:
    # Unrolled rather than looped: at HACS size (1.55M rows) this function is the import's Python cost.
    classname, youtube_id, subset, start_text, end_text, label = values
    classname, youtube_id, subset = classname.strip(), youtube_id.strip(), subset.strip()
    start_text, end_text, label = start_text.strip(), end_text.strip(), label.strip()
    # Raw lengths bound the stripped ones: one sum decides for almost every row that no field is too long.
    if (
        sum(map(len, values)) > MAX_FIELD
        and max(map(len, (classname, youtube_id, subset, start_text, end_text, label))) > MAX_FIELD
    ):
        long = next(k for k, v in zip(HEADER, values, strict=True) if len(v.strip()) > MAX_FIELD)
        raise ValueError(f"field {long} is longer than {MAX_FIELD} characters")
    if classname not in classes:
        raise ValueError(f"unknown class {classname[:80]!r} (import with --create-classes [--parent NAME] to add it)")
    if not youtube_id or len(youtube_id) > 64:
        raise ValueError("youtube_id must be 1 to 64 characters")
    if "\x00" in youtube_id:  # PostgreSQL text cannot hold it (classname, subset and numbers are checked anyway)
        raise ValueError("youtube_id must not contain NUL characters")
    if subset not in SUBSETS:
        raise ValueError(f"subset must be one of {', '.join(Video.Subset.values)}")
    try:
        start, end = float(start_text), float(end_text)
    except ValueError:
        raise ValueError("start and end must be numbers (seconds)") from None
    if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end <= start:
        raise ValueError("need 0 <= start < end")
    if label != "1" and label != "-1":
        raise ValueError("label must be 1 or -1")
    return Row(line, classname, youtube_id, subset, start, end, 1 if label == "1" else -1)


def import_rows(
    *, rows: Iterable[Row], project: Project, gold: bool = False, author=None, on_conflict: str | None = None
) -> dict:
    """Write checked rows in one transaction: videos by external id, clips, and consensus (or gold) answers.

    Imported consensus clips are closed (decided elsewhere); gold rows need a video already in the project,
    since a gold clip is only useful if its media can be cut and shown. The writing is bulk.clips_load's.
    """
    from backend.exports.bulk import clips_load

    return clips_load(rows=rows, project=project, gold=gold, author=author, on_conflict=on_conflict)


# HACS ids are YouTube ids (11 characters of [A-Za-z0-9_-]); anything else has no public URL. The pattern is also
# matched in SQL by the PostgreSQL loader (POSIX regular expressions read it the same way).
YOUTUBE_ID = "^[A-Za-z0-9_-]{11}$"
YOUTUBE_WATCH = "https://www.youtube.com/watch?v="


def _youtube_url(external_id: str) -> str:
    return YOUTUBE_WATCH + external_id if re.match(YOUTUBE_ID, external_id) else ""
