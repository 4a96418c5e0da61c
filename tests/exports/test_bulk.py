"""The bulk import (backend/exports/bulk.py) against rows already in the database: the same answers as the
row-by-row import it replaced, on SQLite (batched bulk_create) and PostgreSQL (COPY + INSERT … SELECT)."""

import tracemalloc

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from backend.catalog.models import ActionClass, Video
from backend.catalog.services import taxonomy_load
from backend.clips.models import Clip, ConsensusResult, GoldAnswer
from backend.exports import bulk, hacs
from tests.factories import ClipFactory, ProjectFactory, VideoFactory

pytestmark = pytest.mark.django_db

HEADER = "classname,youtube_id,subset,start,end,label\n"


@pytest.fixture
def world(db):
    taxonomy_load()
    project = ProjectFactory(name="Only")
    jump = ActionClass.objects.get(name="Long jump")
    video = VideoFactory(project=project, external_id="abcdefghijk", query_class=jump, subset="training", duration=20.0)
    return project, jump, video


def run(tmp_path, body: str, *args) -> None:
    path = tmp_path / "in.csv"
    path.write_text(HEADER + body)
    call_command("import_clips", str(path), *args)


def test_an_open_clip_gets_the_file_label_and_closes_and_new_rows_make_videos(world, tmp_path, capsys):
    project, jump, video = world
    open_clip = ClipFactory(video=video, action_class=jump, start=1.0, end=3.0)
    run(
        tmp_path,
        "Long jump,abcdefghijk,training,1.0,3.0,-1\n"
        "Long jump,abcdefghijk,training,30.5,32.5,1\n"
        "Long jump,zyxwvutsrqp,validation,4,6,1\n",
    )
    open_clip.refresh_from_db()
    assert (open_clip.is_open, open_clip.consensus.value, open_clip.consensus.mode) == (False, -1, "imported")
    video.refresh_from_db()
    assert video.duration == 32.5  # no local file: as long as its latest clip says
    new = Video.objects.get(external_id="zyxwvutsrqp")
    assert (new.subset, new.query_class) == ("validation", jump)
    assert new.source_url == "https://www.youtube.com/watch?v=zyxwvutsrqp"
    imported = Clip.objects.filter(method=Clip.Method.IMPORTED, is_open=False, media_state=Clip.MediaState.NONE)
    assert imported.count() == 2
    assert "imported 3 rows: 2 new clips, 1 new videos, 0 already present" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "Long jump,abcdefghijk,training,6,8,1\nLong jump,abcdefghijk,training,1,3,1\n",
            "line 3: clip already has label -1, the file says 1",
        ),
        (
            "Long jump,abcdefghijk,training,6,8,1\nLong jump,abcdefghijk,validation,9,11,1\n",
            "line 3: video 'abcdefghijk' is in subset 'training', not 'validation'",
        ),
        (
            "Long jump,newvideo0001,training,6,8,1\nLong jump,newvideo0001,testing,9,11,1\n",
            "line 3: video 'newvideo0001' is in subset 'training', not 'testing'",
        ),
    ],
)
def test_a_conflict_with_the_database_or_within_the_file_writes_nothing(world, tmp_path, body, message):
    project, jump, video = world
    clip = ClipFactory(video=video, action_class=jump, start=1.0, end=3.0, is_open=False)
    ConsensusResult.objects.create(clip=clip, value=-1, mode="fixed", n_labels=3, unanimous=True)
    with pytest.raises(CommandError, match=message):
        run(tmp_path, body)
    assert Clip.objects.count() == 1 and Video.objects.count() == 1 and ConsensusResult.objects.count() == 1


def test_refusals_name_the_first_twenty_problems_by_line_conflicting_repeats_included(world, tmp_path):
    rows = [f"Long jump,vid{i:08d},training,1,3,1\n" for i in range(30)]
    rows[4] = rows[2].replace(",1\n", ",-1\n")  # line 6 gives line 4's clip another label
    rows[10] = "Long jump,vid,training,1,3,7\n"  # line 12: bad label
    rows += ["Flying,vid,training,1,3,1\n"] * 25  # lines 32–56: unknown class
    with pytest.raises(CommandError) as exc:
        run(tmp_path, "".join(rows))
    message = str(exc.value)
    assert message.index("line 6: label -1, but line 4") < message.index("line 12: label must be 1 or -1")
    assert "line 49: unknown class" in message and "line 50:" not in message
    assert "(and 7 more)" in message and Clip.objects.count() == 0


def test_gold_import_answers_existing_clips_and_makes_missing_ones(world, tmp_path, admin_user):
    project, jump, video = world
    clip = ClipFactory(video=video, action_class=jump, start=1.0, end=3.0)
    GoldAnswer.objects.create(clip=clip, value=1)
    counts = hacs.import_rows(
        rows=hacs.parse(HEADER + "Long jump,abcdefghijk,training,1,3,-1\nLong jump,abcdefghijk,training,5,7,1\n"),
        project=project,
        gold=True,
        author=admin_user,
    )
    assert counts == {"rows": 2, "videos": 0, "clips": 1, "unchanged": 0, "repeated": 0, "overridden": 0}
    assert dict(GoldAnswer.objects.values_list("clip__start", "value")) == {1.0: -1, 5.0: 1}
    assert set(GoldAnswer.objects.values_list("author", flat=True)) == {admin_user.pk}
    made = Clip.objects.get(start=5.0)
    assert made.is_open and made.media_state == Clip.MediaState.NONE and not ConsensusResult.objects.exists()


def test_a_nul_character_in_a_video_id_is_refused_by_line(world, tmp_path):
    path = tmp_path / "in.json"
    path.write_text(
        '[{"classname": "Long jump", "youtube_id": "ab\\u0000cd", "subset": "training", '
        '"start": 1, "end": 3, "label": 1}]'
    )
    with pytest.raises(CommandError, match="line 2: youtube_id must not contain NUL characters"):
        call_command("import_clips", str(path))
    assert Clip.objects.count() == 0


def test_a_repeated_row_that_gives_its_video_another_subset_is_refused_by_its_line(world, tmp_path):
    body = "Long jump,newvideo0001,training,6,8,1\nLong jump,newvideo0001,validation,6,8,1\n"
    with pytest.raises(CommandError, match="line 3: video 'newvideo0001' is in subset 'training', not 'validation'"):
        run(tmp_path, body)
    assert Video.objects.count() == 1


def test_video_ids_with_quotes_commas_and_non_ascii_letters_are_stored_as_written(world, tmp_path):
    odd = ['a"b,c', "tab\there", 'x""y', "éléphant_01"]
    run(tmp_path, "".join(f'Long jump,"{v.replace(chr(34), chr(34) * 2)}",training,1,3,1\n' for v in odd))
    stored = dict(Video.objects.exclude(external_id="abcdefghijk").values_list("external_id", "source_url"))
    assert stored == dict.fromkeys(odd, "")  # none is an 11-character YouTube id, so none gets a watch URL


def test_a_re_import_with_nothing_new_writes_nothing_and_draws_no_ids(world, tmp_path, capsys):
    # given: 300 clips imported
    project, jump, video = world
    body = "".join(f"Long jump,vid{i:08d},training,{k},{k + 2},1\n" for i in range(100) for k in (1, 5, 9))
    run(tmp_path, body)
    last_clip, last_video = Clip.objects.order_by("-pk")[0].pk, Video.objects.order_by("-pk")[0].pk
    # when: the same file again, then one more clip
    run(tmp_path, body)
    assert "imported 300 rows: 0 new clips, 0 new videos, 300 already present" in capsys.readouterr().out
    run(tmp_path, "Long jump,vid00000000,training,20,22,1\n")
    # then: the re-import matched every row without taking an id for it (the next clip's id follows on)
    assert Clip.objects.order_by("-pk")[0].pk == last_clip + 1
    assert Video.objects.order_by("-pk")[0].pk == last_video
    assert Clip.objects.count() == 301 and ConsensusResult.objects.count() == 301


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQLite loader keeps the file's rows in memory")
def test_the_postgresql_loader_keeps_no_python_entry_per_video(world, tmp_path):
    """Issue 13: peak memory flat whatever the file size. Python's own allocations (tracemalloc) while importing
    20,000 videos stay within a fixed margin of those for 2,000; one small object per video would add megabytes."""

    def peak(videos: int, name: str) -> int:
        path = tmp_path / f"{name}.csv"
        path.write_text(HEADER + "".join(f"Long jump,{name}{i:07d},training,1,3,1\n" for i in range(videos)))
        tracemalloc.start()
        try:
            bulk.clips_import_file(path=path, project=world[0])
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(2_000, "s"), peak(20_000, "l")
    assert Video.objects.count() == 22_001
    assert large - small < 1_000_000, (small, large)


def test_a_new_video_takes_the_class_of_its_first_row_in_the_file(world, tmp_path):
    later = ActionClass.objects.filter(is_leaf=True).order_by("-pk")[0]  # a higher id than Long jump's
    run(tmp_path, f"{later.name},twoclasses1,training,1,3,1\nLong jump,twoclasses1,training,5,7,1\n")
    assert Video.objects.get(external_id="twoclasses1").query_class == later


def test_a_field_over_300_characters_is_refused_by_name_and_a_long_row_of_short_fields_is_not(world, tmp_path):
    padded = "0" * 250 + "40"  # 252 characters: the row is over 300, no field is
    run(tmp_path, f"Long jump,abcdefghijk,training,{padded},42,1\n")
    assert Clip.objects.get().start == 40.0
    with pytest.raises(CommandError, match="line 2: field youtube_id is longer than 300 characters"):
        run(tmp_path, f"Long jump,{'x' * 301},training,1,3,1\n")
