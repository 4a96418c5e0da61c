"""The admin's import page in the browser, with a real Celery worker running the import jobs."""

import pytest

from backend.clips.models import Clip, ConsensusResult
from tests.factories import ActionClassFactory, UserFactory
from tests.integration.conftest import worker  # noqa: F401  (a real worker process, as the integration tests use)

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HEADER = "classname,youtube_id,subset,start,end,label\n"
VIDEOS, PER_VIDEO = 300, 10  # 3,000 rows: enough for the job to report progress before it is done


def test_an_admin_imports_a_good_file_and_sees_a_bad_one_refused_line_by_line(
    open_as,
    shot,
    live_server,
    worker,  # noqa: F811 (the fixture imported above)
    project,
    tmp_path,
):
    ActionClassFactory(name="Long jump")
    UserFactory(username="admin", password="pass-admin", is_staff=True, is_superuser=True)
    good = tmp_path / "clips.csv"
    good.write_text(
        HEADER
        + "".join(
            f"Long jump,v{v:010d},training,{2.0 * i:.1f},{2.0 * i + 1.5:.1f},{1 if (v + i) % 2 else -1}\n"
            for v in range(VIDEOS)
            for i in range(PER_VIDEO)
        )
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + "Long jump,badvideo001,training,1.0,3.0,1\n"
        + "Juggling,badvideo001,training,4.0,6.0,1\n"
        + "Long jump,badvideo002,training,5.0,2.0,1\n"
        + "".join(f"Long jump,badvideo003,nowhere,{i}.0,{i}.5,1\n" for i in range(30))
    )

    page = open_as("admin", "pass-admin")
    page.goto(f"{live_server.url}/dashboard/{project.pk}/")
    page.click("#imports-link")
    page.wait_for_url(f"**/projects/{project.pk}/imports/")
    page.wait_for_load_state("load")
    shot(page, "imports-empty")

    # a good file: upload → queued/importing with a progress bar → done with its counts
    page.set_input_files("#import-file", str(good))
    page.click("#import-start")
    page.wait_for_selector("#import-status:not([hidden])")
    assert page.is_visible("#import-progress")
    page.wait_for_selector("#import-done:not([hidden])", timeout=60_000)
    done = page.inner_text("#import-done")
    assert f"imported {VIDEOS * PER_VIDEO} rows: {VIDEOS * PER_VIDEO} new clips, {VIDEOS} new videos" in done
    assert page.inner_text("#import-stage") == "Done" and page.get_attribute("#import-progress", "value") == "100"
    assert ConsensusResult.objects.count() == VIDEOS * PER_VIDEO
    shot(page, "imports-done")

    # a bad file: refused, every named line in a scrollable list, nothing written
    page.set_input_files("#import-file", str(bad))
    page.click("#import-start")
    page.wait_for_selector("#import-refused:not([hidden])", timeout=60_000)
    assert page.is_hidden("#import-done")
    items = page.locator("#import-problems li").all_inner_texts()
    assert items[0].startswith("line 3: unknown class 'Juggling'")
    assert items[1] == "line 4: need 0 <= start < end"
    assert items[2].startswith("line 5: subset must be one of")
    assert len(items) == 20 and "(and 12 more)" in items[-1]
    assert page.inner_text("#import-stage") == "Refused" and page.is_hidden("#import-progress")
    assert page.inner_text("#import-refused-title").startswith("The file was refused — nothing was imported.")
    overflow = page.eval_on_selector("#import-problems", "ul => ul.scrollHeight > ul.clientHeight")
    assert overflow, "twenty problems scroll inside their list"
    assert not Clip.objects.filter(video__external_id__startswith="badvideo").exists()
    shot(page, "imports-refused")

    # the export links download the file the import wrote
    with page.expect_download() as download:
        page.click("a[data-export='clips-hacs-csv']")
    assert download.value.suggested_filename == f"hacs_clips_{project.pk}.csv"
    assert download.value.path().read_text().count("\n") == 1 + VIDEOS * PER_VIDEO
