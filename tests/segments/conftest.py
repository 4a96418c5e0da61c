from pathlib import Path

import pytest

from tests.segments.media import make_index_video, media_inline


@pytest.fixture(scope="session")
def index_video(tmp_path_factory) -> Path:
    """12 s of numbered frames at 25 fps with AAC audio in MPEG-TS (container start ≈ 1.46 s, first frame ≈ 1.48 s)."""
    return make_index_video(tmp_path_factory.mktemp("segments") / "numbered.ts", seconds=12)


@pytest.fixture
def segment_media_inline(monkeypatch):
    """Make segment media in-process when queued (clip media is skipped); the real worker has its own test."""
    media_inline(monkeypatch)
