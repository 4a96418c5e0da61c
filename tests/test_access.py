"""Who reaches what: anonymous users nothing, annotators their own classes and pages, admins the rest."""

import pytest

from tests.factories import ActionClassFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(project):
    """An annotator of another class in the same project."""
    user = UserFactory(username="outsider")
    GroupFactory(project=project, members=[user], classes=[ActionClassFactory()])
    return user


def test_anonymous_users_are_sent_to_log_in_or_refused(client, project, action_class):
    assert client.get("/").status_code == 302
    assert client.get(f"/grid/{project.pk}/{action_class.pk}/").status_code == 302
    assert client.get(f"/dashboard/{project.pk}/").status_code == 302
    assert client.get("/media/clips/aa/x.mp4").status_code == 302
    for url in ("/api/queues/", "/api/me/", f"/api/projects/{project.pk}/dashboard/"):
        assert client.get(url).status_code == 403, url
    assert client.get("/api/schema/").status_code == 403


def test_an_annotator_of_another_class_gets_no_page_no_grid_no_guideline(
    client, outsider, annotators, project, action_class, make_clips
):
    make_clips(videos=1, per_video=2)
    client.force_login(outsider)
    body = {"project": project.pk, "action_class": action_class.pk}
    assert client.post("/api/pages/next/", body, content_type="application/json").status_code == 403
    assert client.get(f"/grid/{project.pk}/{action_class.pk}/").status_code == 403
    assert client.get(f"/api/classes/{action_class.pk}/guideline/").status_code == 403
    client.force_login(annotators[0])
    page = client.post("/api/pages/next/", body, content_type="application/json").json()
    client.force_login(outsider)
    res = client.post(
        f"/api/pages/{page['page']}/submit/",
        {"labels": {i["item"]: 1 for i in page["items"]}, "seconds_spent": 1},
        content_type="application/json",
    )
    assert res.status_code == 404


@pytest.mark.parametrize("url", ["/dashboard/{p}/", "/upload/"])
def test_admin_pages_are_for_admins(client, annotators, admin_user, project, url):
    client.force_login(annotators[0])
    assert client.get(url.format(p=project.pk)).status_code == 302  # to the admin login
    client.force_login(admin_user)
    assert client.get(url.format(p=project.pk)).status_code == 200


def test_admin_api_is_for_admins(client, annotators, admin_user, project, action_class):
    posts = [
        (f"/api/classes/{action_class.pk}/clarifications/", {"text": "x"}),
        (f"/api/annotators/{annotators[1].pk}/send-back/", {"action_class": action_class.pk}),
    ]
    client.force_login(annotators[0])
    assert client.get(f"/api/projects/{project.pk}/dashboard/").status_code == 403
    for url, body in posts:
        assert client.post(url, body, content_type="application/json").status_code == 403
    client.force_login(admin_user)
    assert client.get(f"/api/projects/{project.pk}/dashboard/").json()["annotators"][0]["username"] == "ann1"
    assert client.post(*posts[0], content_type="application/json").status_code == 201
    assert client.post(*posts[1], content_type="application/json").json() == {"labels_sent_back": 0}


def test_token_auth_works_for_scripts(client, annotators):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=annotators[0])
    res = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert res.json()["username"] == "ann1"


def test_the_openapi_schema_lists_the_annotator_endpoints(client, annotators):
    client.force_login(annotators[0])
    schema = client.get("/api/schema/?format=json").content.decode()
    assert "/api/pages/next/" in schema and "/api/pages/{page_uid}/submit/" in schema
