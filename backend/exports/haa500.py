"""HAA500 layout: per-class clip files (``youtube_url,start_time,end_time,is_camera_moving,num_of_dominant_figure``),
a curation table with the human-centric score, and optionally the clips cut frame-exactly.

What ``haa500_export`` writes into an empty folder::

    <class>.txt                  HAA500's own class file: no header; the train lines, then val, then test (the
                                 dataset's README: first 16 lines train, the 17th validation, the rest test)
    train/<class>.txt            the same rows per split, with the header line
    val/<class>.txt
    test/<class>.txt
    curation.csv                 one row per clip: class, split, line, URL, video, clip, frames, fps, times, trimmed,
                                 camera, people, human-centric score and state, cut file
    curation.json                {"version", "clips": [the same rows, typed]}
    clips/<split>/<class>/<class>_<NNN>.mp4      with cut: NNN is the clip's line in <class>.txt, from 000

Times are seconds from the video's first frame (the timeline's and the ActivityNet export's axis, workers/media/proxy.py):
a clip of frames first … last runs from first / fps to (last + 1) / fps. A trimmed clip's frames are its trim; an
untrimmed one's are the frames that start in its grid span moved onto that axis (backend/curation/timing.py). The cut
clip holds exactly those frames (workers/media/frame_exact.py), so file and table agree frame for frame.

``num_of_dominant_figure`` is 1, 2 or 3 (3: more than two), ``is_camera_moving`` 1 or 0, as the trim tool records
them; a clip in a split without them is refused, naming it, because HAA500's files have no empty fields.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from backend.catalog.models import Project, Video
from backend.catalog.storage import video_local_path
from backend.curation.selectors import haa500_split_clips
from backend.curation.timing import TimingError, clip_frames, video_frame_timing
from workers.media import frame_exact
from workers.splits import SPLITS, Haa500Row, format_haa500_class_file, youtube_url

VERSION = "ActionLoom HAA500 curation 1.0"
COLUMNS = (
    "class",
    "split",
    "line",
    "youtube_url",
    "video",
    "clip",
    "first_frame",
    "last_frame",
    "fps",
    "start_time",
    "end_time",
    "trimmed",
    "is_camera_moving",
    "num_of_dominant_figure",
    "human_centric",
    "human_centric_state",
    "file",
)


class Haa500ExportError(ValueError):
    """The export was refused before anything was written; the message says why."""


@dataclass(frozen=True)
class ExportClip:
    action_class: str
    split: str
    line: int  # position in the class's HAA500 file, from 0
    youtube_url: str
    video: str  # external id
    clip: str  # uid
    first_frame: int
    last_frame: int
    fps: float
    start_time: float
    end_time: float
    trimmed: bool
    is_camera_moving: bool
    num_of_dominant_figure: int
    human_centric: float | None
    human_centric_state: str
    file: str = ""  # the cut clip, relative to the export folder

    def haa500_row(self) -> Haa500Row:
        return Haa500Row(
            self.youtube_url, self.start_time, self.end_time, self.is_camera_moving, self.num_of_dominant_figure
        )


def class_file_stem(name: str) -> str:
    """A class name made a file name: characters other than letters, digits, ``.``, ``_``, ``-`` become ``_``."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", name.strip())
    return stem if stem and not stem.startswith(".") else f"class_{stem.lstrip('.')}"


def video_url(video: Video) -> str:
    """The video's source URL when it has one; else the YouTube watch URL of an external id shaped like a YouTube
    id (11 characters of ``[A-Za-z0-9_-]``, workers/splits.youtube_url); else the external id itself."""
    return video.source_url or youtube_url(video.external_id)


def haa500_rows(*, project: Project | None = None) -> list[ExportClip]:
    """Every clip in a split, as exported, ordered by class, then split (train, val, test), video, first frame.

    Raises Haa500ExportError listing clips without camera/people metadata or whose frames cannot be located.
    """
    clips = list(haa500_split_clips(project=project))
    problems, timings, staged = [], {}, []
    with tempfile.TemporaryDirectory() as tmp:
        for clip in clips:
            video = clip.video
            curation = clip.curation
            if curation.camera_moving is None or curation.dominant_people is None:
                problems.append(
                    f"clip {clip.uid} ({clip.action_class.name}, {video.external_id} "
                    f"{clip.start:.2f}–{clip.end:.2f} s): moving camera and dominant people not set"
                )
                continue
            try:
                timing = timings.get(video.pk)
                if timing is None and (video.fps or not video.file):
                    timing = video_frame_timing(video=video)  # stored values only: no download
                if timing is None or (not curation.is_trimmed and timing.offset_from == "none" and video.file):
                    # an untrimmed clip needs the first-frame offset (a trim does not): not stored, so read the file
                    with tempfile.TemporaryDirectory(dir=tmp) as one:  # one video's copy on disk at a time
                        timing = video_frame_timing(video=video, source=video_local_path(video, Path(one)))
                timings[video.pk] = timing
                first, last = clip_frames(clip=clip, curation=curation, timing=timing)
            except (TimingError, ValueError, OSError) as exc:
                problems.append(f"clip {clip.uid} ({clip.action_class.name}, {video.external_id}): {exc}")
                continue
            start, end = frame_exact.frame_span(first=first, last=last, fps=timing.fps)
            staged.append(
                ExportClip(
                    action_class=clip.action_class.name,
                    split=curation.split,
                    line=-1,
                    youtube_url=video_url(video),
                    video=video.external_id,
                    clip=str(clip.uid),
                    first_frame=first,
                    last_frame=last,
                    fps=round(timing.fps, 6),
                    start_time=start,
                    end_time=end,
                    trimmed=curation.is_trimmed,
                    is_camera_moving=bool(curation.camera_moving),
                    num_of_dominant_figure=int(curation.dominant_people),
                    human_centric=curation.human_centric,
                    human_centric_state=curation.human_centric_state,
                )
            )
    if problems:
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise Haa500ExportError("cannot export:\n" + "\n".join(problems[:20]) + more)
    staged.sort(key=lambda c: (c.action_class, SPLITS.index(c.split), c.video, c.first_frame, c.clip))
    out, line = [], defaultdict(int)
    for row in staged:
        out.append(ExportClip(**{**asdict(row), "line": line[row.action_class]}))
        line[row.action_class] += 1
    return out


def haa500_export(
    *,
    out_dir: Path,
    project: Project | None = None,
    cut: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[ExportClip]:
    """Write the HAA500 layout (module docstring) into ``out_dir``, which must be empty or new. Returns the rows."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise Haa500ExportError(f"{out_dir} is not empty: export into a new or empty folder")
    rows = haa500_rows(project=project)
    if not rows:
        raise Haa500ExportError("no clip is in a split: run make_splits first")
    stems = _stems({r.action_class for r in rows})
    if cut:
        rows = _cut(out_dir=out_dir, rows=rows, stems=stems, project=project, progress=progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_class: dict[str, list[ExportClip]] = defaultdict(list)
    for row in rows:
        by_class[row.action_class].append(row)
    for name, class_rows in by_class.items():
        _write(
            out_dir / f"{stems[name]}.txt", format_haa500_class_file([r.haa500_row() for r in class_rows], header=False)
        )
        for split in SPLITS:
            in_split = [r.haa500_row() for r in class_rows if r.split == split]
            if in_split:
                _write(out_dir / split / f"{stems[name]}.txt", format_haa500_class_file(in_split))
    _write(out_dir / "curation.csv", curation_csv(rows))
    _write(
        out_dir / "curation.json", json.dumps({"version": VERSION, "clips": [_typed(r) for r in rows]}, indent=1) + "\n"
    )
    return rows


def curation_csv(rows: Iterable[ExportClip]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.action_class,
                r.split,
                r.line,
                r.youtube_url,
                r.video,
                r.clip,
                r.first_frame,
                r.last_frame,
                r.fps,
                f"{r.start_time:.3f}",
                f"{r.end_time:.3f}",
                int(r.trimmed),
                int(r.is_camera_moving),
                r.num_of_dominant_figure,
                "" if r.human_centric is None else f"{r.human_centric:.3f}",
                r.human_centric_state,
                r.file,
            ]
        )
    return buf.getvalue()


def _typed(row: ExportClip) -> dict:
    data = asdict(row)
    data["class"] = data.pop("action_class")
    data["start_time"], data["end_time"] = round(row.start_time, 3), round(row.end_time, 3)
    if row.human_centric is not None:
        data["human_centric"] = round(row.human_centric, 3)
    return {key: data[key] for key in COLUMNS}


def _stems(names: set[str]) -> dict[str, str]:
    stems = {name: class_file_stem(name) for name in names}
    clash = defaultdict(list)
    for name, stem in stems.items():
        clash[stem.lower()].append(name)  # case-insensitive file systems would merge them too
    clashes = [sorted(same) for same in clash.values() if len(same) > 1]
    if clashes:
        raise Haa500ExportError(f"class names that make the same file name: {clashes}")
    return stems


def _cut(
    *,
    out_dir: Path,
    rows: list[ExportClip],
    stems: dict[str, str],
    project: Project | None,
    progress: Callable[[int, int], None] | None,
) -> list[ExportClip]:
    """Cut every row's frames from its video (one download per video), into clips/<split>/<class>/."""
    videos = {
        v.external_id: v
        for v in Video.objects.filter(
            external_id__in={r.video for r in rows}, **({"project": project} if project is not None else {})
        )
    }
    by_video: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_video[row.video].append(index)
    missing = sorted(v for v in by_video if v not in videos or not videos[v].file)
    if missing:
        raise Haa500ExportError(f"--cut needs the video files; these videos have none: {missing[:20]}")
    out = list(rows)
    done = 0
    for external_id, indices in by_video.items():
        with tempfile.TemporaryDirectory() as tmp:
            source = video_local_path(videos[external_id], Path(tmp))
            for index in indices:
                row = rows[index]
                relative = (
                    Path("clips")
                    / row.split
                    / stems[row.action_class]
                    / (f"{stems[row.action_class]}_{row.line:03d}.mp4")
                )
                (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
                frame_exact.cut_frames(
                    source=source, first=row.first_frame, last=row.last_frame, fps=row.fps, out=out_dir / relative
                )
                out[index] = ExportClip(**{**asdict(row), "file": relative.as_posix()})
                done += 1
                if progress:
                    progress(done, len(rows))
    return out


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
