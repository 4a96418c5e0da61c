"""Issue 14's friction items that need no browser: a refused page size, the count *Mine new videos* states before
it queues, the favicon, the upload form's kept choice, the run script's worker log."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from backend.catalog.models import MAX_PAGE_SIZE, Project
from backend.mining.models import Stage, VideoMining
from tests.factories import VideoFactory

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_page_size_over_the_maximum_is_refused_naming_the_maximum():
    project = Project(name="P", page_size=500)
    with pytest.raises(ValidationError) as refused:
        project.full_clean()
    assert refused.value.message_dict["page_size"] == [
        "A page holds at most 200 clips: 500 is too many. Set 200 or fewer."
    ]
    project.page_size = MAX_PAGE_SIZE
    project.full_clean()  # the maximum itself is fine


@pytest.mark.django_db
def test_the_mining_count_is_what_a_start_queues(client, admin_user, project, action_class):
    done, waiting, _ = (
        VideoFactory(project=project, query_class=action_class, file=f"videos/{n}.mp4") for n in range(3)
    )
    VideoFactory(project=project, query_class=action_class)  # no file: never mined
    VideoMining.objects.create(video=done, stage=Stage.DONE)
    VideoMining.objects.create(video=waiting, stage=Stage.QUEUED)
    client.force_login(admin_user)
    url = f"/api/projects/{project.pk}/mining/"
    assert client.get(url).json()["to_mine"] == 2
    assert client.post(url, {}, content_type="application/json").json() == {"queued": 2}


@pytest.mark.django_db
def test_the_favicon_is_the_apps_icon(client):
    res = client.get("/favicon.ico", follow=True)
    assert res.status_code == 200 and res.redirect_chain[0][0].endswith("favicon.svg")


@pytest.mark.django_db
def test_the_upload_page_opens_with_the_last_uploads_choice(client, admin_user, project, action_class):
    client.force_login(admin_user)
    page = client.get(f"/upload/?project={project.pk}&action_class={action_class.name}&subset=validation").content
    html = page.decode()
    assert f'<option value="{project.pk}" selected>' in html
    assert f'value="{action_class.name}"' in html and 'list="class-names"' in html
    assert '<option value="validation" selected>' in html


def test_make_run_keeps_the_previous_worker_log(tmp_path):
    """scripts/run.sh with stand-ins for the programs it starts (a second run would wipe the first run's log)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in {
        "python": '[ "$2" = runserver ] && sleep 0.5; exit 0',  # migrate, seed_demo: at once; the server a moment
        "celery": 'echo "worker of run $RUN"',
    }.items():
        program = bin_dir / name
        program.write_text(f"#!/bin/sh\n{body}\n")
        program.chmod(program.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "ACTIONLOOM_BIN": str(bin_dir), "ACTIONLOOM_LOG_DIR": str(tmp_path / "var")}
    for run in ("1", "2"):
        subprocess.run([str(REPO / "scripts" / "run.sh")], env={**env, "RUN": run}, check=True, capture_output=True)
    assert (tmp_path / "var" / "worker.log").read_text() == "worker of run 2\n"
    assert (tmp_path / "var" / "worker.log.1").read_text() == "worker of run 1\n"
