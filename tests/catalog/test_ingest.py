"""Ingest: real video through ffprobe; refused files leave nothing behind (no rows, no stored files)."""

import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from backend.catalog.models import ActionClass, Video
from backend.catalog.services import IngestError, taxonomy_load, video_ingest
from backend.clips.models import Clip

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_taxonomy_is_activitynet_v13_and_loading_twice_changes_nothing():
    assert taxonomy_load() == 272
    taxonomy_load()
    assert ActionClass.objects.count() == 272
    assert ActionClass.objects.filter(is_leaf=True).count() == 200
    polishing = ActionClass.objects.get(name="Polishing forniture")  # the original spelling is kept
    assert polishing.is_leaf and polishing.parent is not None
    assert ActionClass.objects.get(node_id=0).parent is None


def test_a_real_video_is_probed_stored_and_gets_three_random_clips(demo_video, project, action_class, settings):
    video = video_ingest(project=project, path=demo_video, action_class=action_class, subset="validation")
    assert (video.duration, video.fps, video.width, video.height, video.subset) == (8.0, 25.0, 480, 360, "validation")
    assert video.file.name.startswith("videos/") and "astronaut" not in video.file.name  # generated key
    clips = list(video.clips.order_by("start"))
    assert len(clips) == 3
    assert all(c.end - c.start == pytest.approx(2.0) and 0 <= c.start and c.end <= 8.0 for c in clips)
    assert all(a.end <= b.start for a, b in zip(clips, clips[1:], strict=False))  # no overlap
    assert {c.method for c in clips} == {Clip.Method.RANDOM}


def _bad_files(tmp_path: Path, demo_video: Path) -> dict[str, Path]:
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(demo_video.read_bytes()[:4000])
    image = tmp_path / "photo.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=red:s=64x64",
            "-frames:v",
            "1",
            "-f",
            "image2",
            "-c:v",
            "png",
            str(image),
        ],
        check=True,
    )
    return {"not a video": text, "empty": empty, "corrupt": corrupt, "image": image}


def test_bad_files_are_refused_with_a_reason_and_nothing_is_stored(
    tmp_path, demo_video, project, action_class, settings
):
    for kind, path in _bad_files(tmp_path, demo_video).items():
        with pytest.raises(IngestError) as exc:
            video_ingest(project=project, path=path, action_class=action_class)
        assert path.name in str(exc.value), kind
    assert Video.objects.count() == 0 and Clip.objects.count() == 0
    assert stored_files(settings) == []


def test_a_video_over_the_length_limit_is_refused(demo_video, project, action_class, settings):
    settings.MAX_VIDEO_SECONDS = 5
    with pytest.raises(IngestError, match="limit is 5 s"):
        video_ingest(project=project, path=demo_video, action_class=action_class)
    assert Video.objects.count() == 0 and stored_files(settings) == []


def test_ingest_command_names_refused_files_and_fails(tmp_path, demo_video, capsys):
    taxonomy_load()
    bad = tmp_path / "bad.avi"
    bad.write_text("nope")
    with pytest.raises(CommandError, match="1 of 2 file"):
        call_command("ingest", str(demo_video), str(bad), "--class", "Long jump")
    assert "refused" in capsys.readouterr().err
    assert Video.objects.get().query_class.name == "Long jump"


def test_ingest_command_says_which_classes_exist(demo_video):
    taxonomy_load()
    with pytest.raises(CommandError, match="unknown action class 'Long jumping'.*Long jump"):
        call_command("ingest", str(demo_video), "--class", "Long jumping")


def test_upload_api_refuses_a_renamed_text_file(client, admin_user, project, action_class, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_user)
    upload = SimpleUploadedFile("../../etc/passwd.mp4", b"root:x:0:0\n" * 100, content_type="video/mp4")
    res = client.post("/api/videos/", {"file": upload, "project": project.pk, "action_class": action_class.pk})
    assert res.status_code == 400 and "not a readable video" in res.json()["detail"]
    assert Video.objects.count() == 0 and stored_files(settings) == []


def test_upload_form_ingests_a_real_video(client, admin_user, project, action_class, demo_video):
    client.force_login(admin_user)
    with demo_video.open("rb") as fh:
        res = client.post(
            "/upload/",
            {"project": project.pk, "action_class": action_class.name, "subset": "training", "files": fh},
            follow=True,
        )
    assert "Ingested astronaut.mp4" in res.content.decode()
    assert Video.objects.get().original_name == "astronaut.mp4"
