"""Mining tests: a project with mining on, whose stages the test runs itself."""

import pytest

from backend.catalog.services import taxonomy_load


@pytest.fixture
def mining_project(project, monkeypatch):
    from backend.clips import tasks as clip_tasks
    from backend.mining import tasks as mining_tasks

    taxonomy_load()
    project.mining_enabled = True
    project.save()
    # The stages run here, one by one; media cutting is not what these tests look at.
    monkeypatch.setattr(mining_tasks.mine_stage_task, "delay", lambda video_id: None)
    monkeypatch.setattr(clip_tasks.clip_media_cut_task, "delay", lambda clip_id: None)
    return project
