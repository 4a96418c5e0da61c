"""The demo project `make run` loads: taxonomy, users, a group, real videos, gold, examples, timeline videos."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from backend.catalog.models import ActionClass, GuidelineExample, Project
from backend.clips.models import Clip, GoldAnswer
from backend.segments.models import SegmentVideo

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_usable_project_and_is_idempotent(capsys):
    call_command("seed_demo", "--seconds", "4")
    call_command("seed_demo", "--seconds", "4")
    project = Project.objects.get(name="Demo project")
    assert ActionClass.objects.filter(is_leaf=True).count() == 200
    assert project.videos.count() == 10 and Clip.objects.count() >= 10
    assert GoldAnswer.objects.count() == 4 and GuidelineExample.objects.count() == 4
    assert SegmentVideo.objects.filter(video__project=project).count() == 10
    assert authenticate(username="annotator1", password="actionloom-1") is not None
    assert authenticate(username="admin", password="actionloom-admin").is_staff
    out = capsys.readouterr().out
    assert "demo project already present" in out and "annotator3 / actionloom-3" in out
