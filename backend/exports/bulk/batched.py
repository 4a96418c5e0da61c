"""SQLite (and any other database): the same checks, then batched bulk_create."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import transaction
from tqdm import tqdm

from backend.catalog.models import Project, Video
from backend.clips.models import Clip, ConsensusResult, GoldAnswer
from backend.exports.bulk.shared import (
    BATCH,
    _class_ids,
    _label_conflict,
    _publish_media_tasks,
    _refuse_first,
    _refuse_unknown_gold_videos,
    _subset_conflict,
    _Tally,
)
from backend.exports.hacs import (
    ImportFileError,
    Problems,
    Repeats,
    Row,
    _youtube_url,
    repeat_groups,
)


def _batches(items: list, size: int = BATCH) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class _BatchedLoad:
    def __init__(self, *, project: Project, gold: bool, author, bar: tqdm) -> None:
        self.project, self.gold, self.author, self.bar = project, gold, author, bar

    def run(self, rows: Iterable[Row], problems: Problems, repeats: Repeats) -> dict:
        class_ids, tally, kept = _class_ids(), _Tally(), []
        for row in rows:
            class_id = class_ids[row.classname]
            tally.add(row, class_id)
            kept.append((row, class_id))
            self.bar.update()
        drop = repeats.resolve(repeat_groups(row for row, _ in kept), problems)
        problems.raise_if_any()
        if not kept:
            raise ImportFileError("the file has no rows — nothing was imported")
        n_rows = len(kept)
        if drop:
            kept = [(row, class_id) for row, class_id in kept if row.line not in drop]
        with transaction.atomic():
            videos: dict[str, Video] = {}
            for batch in _batches(list(tally.videos)):
                videos.update(
                    (v.external_id, v) for v in Video.objects.filter(project=self.project, external_id__in=batch)
                )
            if self.gold:
                unknown = [(v.first_line, ext) for ext, v in tally.videos.items() if ext not in videos]
                if unknown:
                    rows_unknown = sum(tally.videos[ext].rows for _, ext in unknown)
                    _refuse_unknown_gold_videos(self.project, min(unknown), rows_unknown)
            old = {v.pk for v in videos.values()}
            clips = self._existing_clips(old)
            db_subset = min(
                (
                    (tally.videos[ext].first_line, _subset_conflict(ext, v.subset, tally.videos[ext].subset))
                    for ext, v in videos.items()
                    if v.subset != tally.videos[ext].subset
                ),
                default=None,
            )
            label = None
            if not self.gold:
                label = min(
                    (
                        (row.line, _label_conflict(hit[1], row.label))
                        for row, class_id in kept
                        if (hit := clips.get(self._span(videos, row, class_id)))
                        and hit[1] is not None
                        and hit[1] != row.label
                    ),
                    default=None,
                )
            _refuse_first(tally.conflict, db_subset, label)
            new_videos = self._write_videos(tally, videos)
            return {"rows": n_rows, "videos": new_videos, **self._write_clips(kept, videos, clips, old)}

    @staticmethod
    def _span(videos: dict[str, Video], row: Row, class_id: int) -> tuple:
        video = videos.get(row.youtube_id)
        return (video.pk if video else None, class_id, row.start, row.end)

    def _existing_clips(self, video_ids: set[int]) -> dict[tuple, tuple[int, int | None]]:
        """(video, class, start, end) → (clip id, the label it has: gold first, as the consensus rule reads it)."""
        out = {}
        for batch in _batches(sorted(video_ids)):
            for pk, video, cls, start, end, gold, consensus in Clip.objects.filter(video_id__in=batch).values_list(
                "pk", "video_id", "action_class_id", "start", "end", "gold__value", "consensus__value"
            ):
                out[(video, cls, start, end)] = (pk, gold if gold is not None else consensus)
        return out

    def _write_videos(self, tally: _Tally, videos: dict[str, Video]) -> int:
        new = [
            Video(
                project=self.project,
                external_id=ext,
                subset=v.subset,
                query_class_id=v.class_id,
                duration=v.duration,
                source_url=_youtube_url(ext),
            )
            for ext, v in tally.videos.items()
            if ext not in videos
        ]
        Video.objects.bulk_create(new, batch_size=BATCH)
        longer = [v for ext, v in videos.items() if not v.file and tally.videos[ext].duration > v.duration]
        for video in longer:
            video.duration = tally.videos[video.external_id].duration
        Video.objects.bulk_update(longer, ["duration"], batch_size=BATCH)
        videos.update((v.external_id, v) for v in new)
        return len(new)

    def _write_clips(
        self,
        kept: list[tuple[Row, int]],
        videos: dict[str, Video],
        clips: dict[tuple, tuple[int, int | None]],
        old: set[int],
    ) -> dict:
        new: list[tuple[Clip, Row]] = []
        answer: list[tuple[int, Row]] = []  # (existing clip id, row) that gets a consensus or gold answer
        unchanged = 0
        for row, class_id in kept:
            video = videos[row.youtube_id]
            hit = clips.get((video.pk, class_id, row.start, row.end)) if video.pk in old else None
            if hit is None:
                state = Clip.MediaState.PENDING if video.file else Clip.MediaState.NONE
                new.append(
                    (
                        Clip(
                            video=video,
                            action_class_id=class_id,
                            start=row.start,
                            end=row.end,
                            method=Clip.Method.IMPORTED,
                            is_open=self.gold,
                            media_state=state,
                        ),
                        row,
                    )
                )
            elif self.gold or hit[1] is None:
                answer.append((hit[0], row))
            else:
                unchanged += 1
        Clip.objects.bulk_create([clip for clip, _ in new], batch_size=BATCH)
        targets = [(clip.pk, row) for clip, row in new] + answer
        if self.gold:
            GoldAnswer.objects.bulk_create(
                [GoldAnswer(clip_id=pk, value=row.label, author=self.author) for pk, row in targets],
                batch_size=BATCH,
                update_conflicts=True,
                unique_fields=["clip"],
                update_fields=["value", "author"],
            )
            _publish_media_tasks(clip.pk for clip, _ in new if clip.video.file)
        else:
            ConsensusResult.objects.bulk_create(
                [
                    ConsensusResult(
                        clip_id=pk, value=row.label, mode="imported", n_labels=0, unanimous=True, source="imported"
                    )
                    for pk, row in targets
                ],
                batch_size=BATCH,
            )
            for batch in _batches([pk for pk, _ in answer]):
                Clip.objects.filter(pk__in=batch).update(is_open=False)
        return {"clips": len(new), "unchanged": unchanged}
