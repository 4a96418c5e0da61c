"""The admin pages that had inline code (the upload page's script, the bill's styles, the dashboard's column widths)
work under the Content-Security-Policy; `open_as` fails a test on anything the policy blocks."""

from __future__ import annotations

import pytest

from backend.catalog.models import Video

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_bill_and_dashboard_work_under_the_content_security_policy(
    open_as, shot, live_server, project, action_class, admin_user, demo_video
):
    page = open_as("boss", "pw")
    policy = page.goto(f"{live_server.url}/upload/").headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    # the upload page's script (now a static module) sends the form with a progress bar
    page.select_option("select[name=project]", str(project.pk))
    page.fill("input[name=action_class]", action_class.name)  # typed, with suggestions (a datalist)
    page.set_input_files("input[name=files]", str(demo_video))
    page.click("button[type=submit]")
    page.wait_for_selector("text=Ingested astronaut.mp4")
    assert Video.objects.filter(original_name="astronaut.mp4").exists()
    shot(page, "csp-upload")
    # the bill's bars get their widths from the script, its styles from the static sheet
    page.goto(f"{live_server.url}/bill/{project.pk}/")
    bar = page.locator(".bar-fill[data-width]").first
    assert float(bar.evaluate("el => el.style.width").rstrip("%")) == float(bar.get_attribute("data-width"))
    assert page.locator(".bar-track").first.evaluate("el => getComputedStyle(el).height") == "18px"
    shot(page, "csp-bill")
    page.goto(f"{live_server.url}/dashboard/{project.pk}/")
    assert page.locator("th.w-40").evaluate("el => el.getBoundingClientRect().width") > 0
    shot(page, "csp-dashboard")
