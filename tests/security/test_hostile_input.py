"""Hostile uploads and imports: judged by content (ffprobe), held to a size limit, never stored under the name a user
chose; malformed, binary, huge or wrongly typed import files are refused with the line at fault and write nothing;
what spreadsheets produce (a byte-order mark, CRLF line ends) imports fine."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from backend.catalog.models import ActionClass, Video
from backend.catalog.services import taxonomy_load
from backend.clips.models import Clip, ConsensusResult
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

HEADER = "classname,youtube_id,subset,start,end,label"
ROW = "Long jump,abcdefghijk,training,1.0,3.0,1"


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def upload(client, project, action_class, *, name: str, content: bytes):
    return client.post(
        "/api/videos/",
        {
            "file": SimpleUploadedFile(name, content, content_type="video/mp4"),
            "project": project.pk,
            "action_class": action_class.pk,
        },
    )


# --- uploads ---------------------------------------------------------------------------------------------------


def test_an_upload_over_the_size_limit_is_refused_before_it_is_probed(
    client, admin_user, project, action_class, demo_video, settings
):
    settings.MAX_UPLOAD_BYTES = 10_000
    client.force_login(admin_user)
    res = upload(client, project, action_class, name="big.mp4", content=demo_video.read_bytes())
    assert res.status_code == 413
    assert res.json()["detail"] == f"big.mp4: the file is {demo_video.stat().st_size} bytes; the limit is 10000 bytes"
    assert Video.objects.count() == 0 and files_under(Path(settings.MEDIA_ROOT)) == set()
    # the upload form says the same in words
    with demo_video.open("rb") as fh:
        page = client.post(
            "/upload/",
            {"project": project.pk, "action_class": action_class.name, "subset": "training", "files": fh},
            follow=True,
        )
    assert "Refused: astronaut.mp4: the file is" in page.content.decode() and Video.objects.count() == 0


@pytest.mark.parametrize(
    "name",
    [
        "../../../../etc/cron.d/evil.mp4",
        "..\\..\\Windows\\System32\\evil.mp4",
        "/absolute/path/clip.mp4",
        "vidéo café 日本語 ☕.mp4",
        "x" * 2000 + ".mp4",
        "right-to-left\u202egpj.mp4",
    ],
)
def test_upload_names_never_become_paths(
    client, admin_user, project, action_class, demo_video, settings, tmp_path, name
):
    client.force_login(admin_user)
    before = files_under(tmp_path)
    res = upload(client, project, action_class, name=name, content=demo_video.read_bytes())
    assert res.status_code == 201, res.content
    video = Video.objects.get()
    # stored under a generated key, inside the media root, and nowhere else
    assert re.fullmatch(r"videos/[0-9a-f]{2}/[0-9a-f]{32}", video.file.name)
    assert files_under(tmp_path) - before == {Path(settings.MEDIA_ROOT) / video.file.name}
    # the name is kept only to be shown: no folders, no control or direction characters, at most 255 characters
    assert 0 < len(video.original_name) <= 255
    assert not re.search(r"[/\\\x00-\x1f\u202e]", video.original_name) and ".." != video.original_name
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", video.external_id)


def test_uploads_are_judged_by_content_not_by_name(client, admin_user, project, action_class, demo_video):
    client.force_login(admin_user)
    assert upload(client, project, action_class, name="minutes.txt", content=demo_video.read_bytes()).status_code == 201
    garbage = upload(client, project, action_class, name="clip.mp4", content=os.urandom(50_000))
    assert garbage.status_code == 400 and "clip.mp4: not a readable video" in garbage.json()["detail"]
    assert Video.objects.count() == 1


# --- imports ---------------------------------------------------------------------------------------------------


@pytest.fixture
def only_project(db):
    taxonomy_load()
    return ProjectFactory(name="Only")


def nothing_written() -> bool:
    return Video.objects.count() == Clip.objects.count() == ConsensusResult.objects.count() == 0


def refuse(path: Path, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("import_clips", str(path))
    assert nothing_written()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # a 10 MB line: refused by the CSV reader's field limit, with the line
        (f"{HEADER}\n{ROW}\nLong jump,{'y' * 10_000_000},training,1,3,1\n", r"line 3: field larger than field limit"),
        # a 10 MB JSON field
        (
            json.dumps(
                [
                    {
                        "classname": "Long jump",
                        "youtube_id": "z" * 10_000_000,
                        "subset": "training",
                        "start": 1,
                        "end": 3,
                        "label": 1,
                    }
                ]
            ),
            r"line 2: field youtube_id is longer than 300",
        ),
        # nesting made to exhaust the parser
        ("[" * 200_000 + "]" * 200_000, r"nested too deeply"),
        # wrong types in JSON
        (
            json.dumps(
                [
                    {
                        "classname": "Long jump",
                        "youtube_id": "abcdefghijk",
                        "subset": "training",
                        "start": "abc",
                        "end": 3,
                        "label": 1,
                    }
                ]
            ),
            r"line 2: start and end must be numbers",
        ),
        (
            json.dumps(
                [
                    {
                        "classname": "Long jump",
                        "youtube_id": "abcdefghijk",
                        "subset": "training",
                        "start": 1,
                        "end": 3,
                        "label": 1.5,
                    }
                ]
            ),
            r"line 2: label must be 1 or -1",
        ),
        (
            json.dumps(
                [
                    {
                        "classname": ["Long jump"],
                        "youtube_id": "abcdefghijk",
                        "subset": "training",
                        "start": 1,
                        "end": 3,
                        "label": 1,
                    }
                ]
            ),
            r"line 2: unknown class",
        ),
        (
            json.dumps(
                [
                    {
                        "classname": "Long jump",
                        "youtube_id": None,
                        "subset": "training",
                        "start": 1,
                        "end": 3,
                        "label": 1,
                    },
                    7,
                ]
            ),
            r"line 3: a row must be an object",
        ),
        (json.dumps({"rows": []}), r"a HACS JSON file is a list of rows"),
        (
            json.dumps(
                [
                    {
                        "classname": "Long jump",
                        "youtube_id": "abcdefghijk",
                        "subset": "training",
                        "start": 1,
                        "end": float("inf"),
                        "label": 1,
                    }
                ]
            ),
            r"line 2: need 0 <= start < end",
        ),
        # the same clip twice with different labels
        (
            f"{HEADER}\n{ROW}\nLong jump,abcdefghijk,training,1.0,3.0,-1\n",
            r"line 3: label -1, but line 2 gives the same clip",
        ),
        # a NUL byte and an unknown class
        (f"{HEADER}\nLong\x00jump,abcdefghijk,training,1,3,1\n", r"line 2: unknown class"),
        # text that is no HACS file at all
        ("Dear admin,\nplease import my clips.\n", r"line 1: the header must be"),
    ],
)
def test_a_hostile_import_file_is_refused_by_line_and_writes_nothing(only_project, tmp_path, content, message):
    path = tmp_path / "clips.csv"
    path.write_text(content, encoding="utf-8")
    refuse(path, message)


def test_a_binary_file_is_refused_as_not_text(only_project, tmp_path):
    path = tmp_path / "clips.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(100_000))
    refuse(path, r"not UTF-8 text \(a binary file\?\)")


def test_a_failure_half_way_through_writing_leaves_nothing(only_project, tmp_path):
    # the second row puts an already-created video in another subset: found while writing, all rolled back
    path = tmp_path / "clips.csv"
    path.write_text(f"{HEADER}\n{ROW}\nLong jump,abcdefghijk,validation,5,7,1\n")
    refuse(path, r"line 3: video 'abcdefghijk' is in subset 'training', not 'validation'")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_byte_order_mark_and_crlf_line_ends_import_fine(only_project, tmp_path, fmt):
    if fmt == "csv":
        text = f"{HEADER}\r\n{ROW}\r\nDrinking coffee,bcdefghijkl,validation,4.5,6.5,-1\r\n"
    else:
        rows = [
            dict(zip(HEADER.split(","), ROW.split(","), strict=True)),
            {
                "classname": "Drinking coffee",
                "youtube_id": "bcdefghijkl",
                "subset": "validation",
                "start": 4.5,
                "end": 6.5,
                "label": -1,
            },
        ]
        text = json.dumps(rows, indent=1).replace("\n", "\r\n")
    path = tmp_path / f"clips.{fmt}"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())  # as Excel writes "CSV UTF-8"
    call_command("import_clips", str(path))
    assert sorted(ConsensusResult.objects.values_list("clip__video__external_id", "value")) == [
        ("abcdefghijk", 1),
        ("bcdefghijkl", -1),
    ]
    assert ActionClass.objects.get(name="Drinking coffee").clips.get().start == 4.5


# --- uploads that probe fine but are no usable video ------------------------------------------------------------


def faststart_copy(source: Path, out: Path) -> Path:
    """The video with its index in front (what browsers and phones write): a truncated copy still probes whole."""
    import subprocess

    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(source), "-c", "copy", "-movflags", "+faststart", str(out)],
        check=True,
    )
    return out


def test_a_truncated_mp4_is_refused_and_nothing_is_stored(
    client, admin_user, project, action_class, demo_video, settings, tmp_path
):
    client.force_login(admin_user)
    whole = faststart_copy(demo_video, tmp_path / "whole.mp4").read_bytes()
    # given the first half of an upload (the connection dropped): the header still promises 8 s, the first frame
    # decodes — it used to be accepted (201) and fail when its clips were cut
    res = upload(client, project, action_class, name="cut-short.mp4", content=whole[: len(whole) // 2])
    assert res.status_code == 400
    assert re.fullmatch(
        r"cut-short\.mp4: only \d+ of the 200 frames its header promises \(8\.0 s at 25 fps\) "
        r"decode: the file is truncated or damaged",
        res.json()["detail"],
    )
    assert Video.objects.count() == 0 and files_under(Path(settings.MEDIA_ROOT)) == set()
    # the whole file is fine
    assert upload(client, project, action_class, name="whole.mp4", content=whole).status_code == 201


def test_a_one_frame_video_is_refused_and_nothing_is_stored(
    client, admin_user, project, action_class, settings, tmp_path
):
    import subprocess

    still = tmp_path / "still.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=25",
            "-frames:v",
            "1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(still),
        ],
        check=True,
    )
    client.force_login(admin_user)
    res = upload(client, project, action_class, name="still.mp4", content=still.read_bytes())
    assert res.status_code == 400
    assert res.json()["detail"] == "still.mp4: the video has 1 frame that decode; at least 2 are needed"
    assert Video.objects.count() == 0 and files_under(Path(settings.MEDIA_ROOT)) == set()


# --- timeline drafts --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        ({"segments": [[-100, 1e9]]}, "segments[0]: need 0 <= start < end <= 20.000"),
        ({"segments": [[5, 4]]}, "segments[0]: need 0 <= start < end <= 20.000"),
        ({"segments": [[1, 2], [3, 25]]}, "segments[1]: need 0 <= start < end <= 20.000"),
        ({"segments": [[1, 1e999]]}, "segments[0]: expected [start, end] seconds"),  # 1e999 is JSON for infinity
        ({"segments": [[1, 2]] * 501}, "Ensure this field has no more than 500 elements."),
        ({"segments": [], "open": -3}, "open: need 0 <= open <= 21.000 seconds"),
        ({"segments": [], "time": 1e300}, "time: need 0 <= time <= 21.000 seconds"),
    ],
)
def test_a_timeline_draft_out_of_bounds_is_refused_and_not_stored(client, world, draft, message):
    # given the member's task on a 20-s video
    task = world.extra["segment_task"]
    client.force_login(world.member)
    body = json.dumps(draft).replace("Infinity", "1e999")
    res = client.put(f"/api/segment-tasks/{task.uid}/draft/", body, content_type="application/json")
    assert res.status_code == 400
    assert message in json.dumps(res.json())
    task.refresh_from_db()
    assert not task.draft
    # a draft within the video is stored
    res = client.put(
        f"/api/segment-tasks/{task.uid}/draft/",
        json.dumps({"segments": [[0, 2.5], [19, 20.0]], "open": 4.0, "time": 20.0}),
        content_type="application/json",
    )
    assert res.status_code == 200
    task.refresh_from_db()
    assert task.draft["segments"] == [[0, 2.5], [19, 20.0]]


# --- segment imports --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("depth", "message"),
    [
        (200_000, r"the JSON is nested too deeply to be segments — nothing was imported"),  # was a RecursionError
        (900, r"version: expected a string, got \[\[\[.*\.\.\. — nothing was imported"),
    ],
)
def test_import_segments_refuses_deeply_nested_json_with_a_clear_error(only_project, tmp_path, depth, message):
    path = tmp_path / "segments.json"
    path.write_text('{"version": ' + "[" * depth + "]" * depth + ', "database": {}}')
    with pytest.raises(CommandError, match=message):
        call_command("import_segments", str(path))
    assert nothing_written()
