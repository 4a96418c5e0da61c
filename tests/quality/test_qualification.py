"""Qualification before real work (issue 15 item 1): the gate, score-only feedback, attempts, reset, and
re-qualification after a clarification that changes the guideline."""

import pytest
from django.test import Client

from backend.catalog.access import annotator_classes, clarification_ack, clarification_post
from backend.catalog.models import QualificationAttempt
from backend.clips import services
from backend.clips.models import PageItem


@pytest.fixture
def qualifying(project, action_class, annotators, make_clips, admin_user):
    """A project that requires qualification (pass mark 0.9, 3 attempts); 10 qualification clips (first 6 positive,
    last 4 negative) and 6 clips of real work."""
    project.qualification_required = True
    project.save()
    work = make_clips(videos=2, per_video=3)
    items = make_clips(videos=2, per_video=5)
    truth = {str(c.uid): (1 if i < 6 else -1) for i, c in enumerate(items)}
    assert services.qualification_answers_submit(author=admin_user, answers=truth) == 10
    return {"work": work, "items": items, "truth": truth}


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(project, action_class) -> str:
    return f"/api/qualify/{project.pk}/{action_class.pk}/"


def answers_with_errors(truth: dict[str, int], wrong: int) -> dict[str, int]:
    return {uid: (-value if i < wrong else value) for i, (uid, value) in enumerate(truth.items())}


def test_no_real_work_until_qualified(project, action_class, annotators, qualifying):
    annotator = annotators[0]
    # given a project that asks for qualification: no page, and the queue says "qualify"
    with pytest.raises(services.QueueError) as exc:
        services.page_next(annotator=annotator, project=project, action_class=action_class)
    assert exc.value.code == "qualification" and exc.value.status == 403
    assert [q.qualified for q in annotator_classes(annotator)] == [False]
    client = client_of(annotator)
    assert client.get(f"/grid/{project.pk}/{action_class.pk}/").url == f"/qualify/{project.pk}/{action_class.pk}/"
    assert "Qualify" in client.get("/").content.decode()
    assert client.post("/api/pages/next/", {"project": project.pk, "action_class": action_class.pk}).status_code == 403
    # when they pass
    response = client.post(url(project, action_class), {"labels": qualifying["truth"]}, content_type="application/json")
    assert response.json()["passed"] is True
    # then real work comes, and never a qualification clip
    page = services.page_next(annotator=annotator, project=project, action_class=action_class)
    served = set(PageItem.objects.filter(page=page).values_list("clip_id", flat=True))
    assert served == {c.pk for c in qualifying["work"]}
    assert client.get(f"/grid/{project.pk}/{action_class.pk}/").status_code == 200
    # the other annotators are still waiting to qualify
    assert [q.qualified for q in annotator_classes(annotators[1])] == [False]


def test_a_project_without_qualification_has_no_gate(project, action_class, annotators, make_clips):
    make_clips(videos=1, per_video=2)
    assert [q.qualified for q in annotator_classes(annotators[0])] == [True]
    assert services.page_next(annotator=annotators[0], project=project, action_class=action_class).items.count() == 2


def test_the_set_is_served_without_answers_and_feedback_is_the_score_only(
    project, action_class, annotators, qualifying
):
    client = client_of(annotators[0])
    served = client.get(url(project, action_class)).json()
    assert {it["item"] for it in served["items"]} == set(qualifying["truth"])
    assert all(set(it) == {"item", "action_class", "group", "video_url", "poster_url"} for it in served["items"])
    assert served["status"] == {
        "required": True,
        "qualified": False,
        "attempts_used": 0,
        "attempts_left": 3,
        "pass_mark": 0.9,
        "last_score": None,
    }
    # 2 wrong of 10: 80 %, below the 90 % mark
    response = client.post(
        url(project, action_class),
        {"labels": answers_with_errors(qualifying["truth"], 2)},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"score": 0.8, "passed": False, "attempts_left": 2, "pass_mark": 0.9}
    # nothing in any answer tells which clips were wrong
    assert "truth" not in response.content.decode() and not any(
        uid in response.content.decode() for uid in qualifying["truth"]
    )
    again = client.get(url(project, action_class)).json()
    assert again["status"]["last_score"] == 0.8 and again["status"]["attempts_used"] == 1
    assert all(set(it) == {"item", "action_class", "group", "video_url", "poster_url"} for it in again["items"])


def test_the_pass_mark_is_inclusive_and_a_partial_answer_is_refused(project, action_class, annotators, qualifying):
    client = client_of(annotators[0])
    partial = dict(list(qualifying["truth"].items())[:9])
    assert (
        client.post(url(project, action_class), {"labels": partial}, content_type="application/json").status_code == 400
    )
    assert not QualificationAttempt.objects.exists()  # a refused submission is no attempt
    one_wrong = answers_with_errors(qualifying["truth"], 1)  # 9 of 10 = 90 %: a pass
    assert client.post(url(project, action_class), {"labels": one_wrong}, content_type="application/json").json()[
        "passed"
    ]
    # once qualified, no further attempt
    again = client.post(url(project, action_class), {"labels": qualifying["truth"]}, content_type="application/json")
    assert again.status_code == 409


def test_attempts_are_limited_and_an_admin_reset_gives_one_back(
    project, action_class, annotators, qualifying, admin_user
):
    client, bad = client_of(annotators[0]), answers_with_errors(qualifying["truth"], 5)
    for left in (2, 1, 0):
        response = client.post(url(project, action_class), {"labels": bad}, content_type="application/json")
        assert response.json()["attempts_left"] == left
    refused = client.post(url(project, action_class), {"labels": qualifying["truth"]}, content_type="application/json")
    assert refused.status_code == 403 and "no attempts left" in refused.json()["detail"]
    assert client.get(url(project, action_class)).json()["items"] == []
    # the admin sees every attempt (with the answers given) and resets the last
    staff = client_of(admin_user)
    attempts = staff.get(f"/api/projects/{project.pk}/qualification-attempts/").json()
    assert [(a["annotator"], a["score"], a["passed"], a["current"]) for a in attempts] == [
        ("ann1", 0.5, False, True)
    ] * 3
    assert attempts[0]["answers"] == bad
    assert client.post(f"/api/qualification-attempts/{attempts[0]['id']}/reset/").status_code == 403  # not an admin
    assert staff.post(f"/api/qualification-attempts/{attempts[0]['id']}/reset/").status_code == 200
    listed = staff.get(f"/api/projects/{project.pk}/qualification-attempts/").json()
    assert listed[0]["reset_by"] == "boss" and listed[0]["current"] is False
    # then one more attempt, which passes
    response = client.post(url(project, action_class), {"labels": qualifying["truth"]}, content_type="application/json")
    assert response.json() == {"score": 1.0, "passed": True, "attempts_left": 0, "pass_mark": 0.9}
    assert services.page_next(annotator=annotators[0], project=project, action_class=action_class)


def test_resetting_a_pass_withdraws_the_qualification(project, action_class, annotators, qualifying, admin_user):
    client = client_of(annotators[0])
    client.post(url(project, action_class), {"labels": qualifying["truth"]}, content_type="application/json")
    attempt = QualificationAttempt.objects.get()
    client_of(admin_user).post(f"/api/qualification-attempts/{attempt.pk}/reset/")
    assert [q.qualified for q in annotator_classes(annotators[0])] == [False]


def test_a_clarification_that_changes_the_guideline_requires_requalification(
    project, action_class, annotators, qualifying, admin_user
):
    passed, failed_twice = annotators[0], annotators[1]
    client_of(passed).post(url(project, action_class), {"labels": qualifying["truth"]}, content_type="application/json")
    for _ in range(2):
        client_of(failed_twice).post(
            url(project, action_class),
            {"labels": answers_with_errors(qualifying["truth"], 5)},
            content_type="application/json",
        )
    # a clarification that does not change the guideline: acknowledged, and the pass stands
    note = clarification_post(admin=admin_user, action_class=action_class, text="Sipping counts.")
    clarification_ack(user=passed, clarification=note)
    assert services.page_next(annotator=passed, project=project, action_class=action_class)
    # one that changes it (posted the way the dashboard does): the pass no longer counts
    response = client_of(admin_user).post(
        f"/api/classes/{action_class.pk}/clarifications/",
        {"text": "Only drinking from a cup counts now.", "changes_guideline": True},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["changes_guideline"] is True
    change = action_class.clarifications.get(changes_guideline=True)
    clarification_ack(user=passed, clarification=change)
    with pytest.raises(services.QueueError) as exc:
        services.page_next(annotator=passed, project=project, action_class=action_class)
    assert exc.value.code == "qualification"
    # the new version starts with a full set of attempts for everyone
    status = client_of(failed_twice).get(url(project, action_class)).json()["status"]
    assert (status["attempts_used"], status["attempts_left"]) == (0, 3)
    # and the set must be taken after the change is read
    client = client_of(passed)
    unread = client_of(failed_twice).post(
        url(project, action_class), {"labels": qualifying["truth"]}, content_type="application/json"
    )
    assert unread.status_code == 409 and unread.json()["code"] == "clarification"
    assert client.post(
        url(project, action_class), {"labels": qualifying["truth"]}, content_type="application/json"
    ).json()["passed"]
    assert services.page_next(annotator=passed, project=project, action_class=action_class)


def test_a_clip_is_gold_or_a_qualification_item_never_both(project, action_class, qualifying, make_clips, admin_user):
    item = qualifying["items"][0]
    with pytest.raises(services.QueueError) as exc:
        services.clip_gold_set(clip=item, value=1, author=admin_user)
    assert exc.value.code == "conflict"
    gold = make_clips(videos=1, per_video=1)[0]
    services.clip_gold_set(clip=gold, value=1, author=admin_user)
    with pytest.raises(services.QueueError):
        services.clip_qualification_set(clip=gold, value=1, author=admin_user)
    # nor offered in gold mode
    offered = services.gold_page_next(action_class=action_class, project=project, size=60)
    assert not {c.pk for c in offered} & {c.pk for c in qualifying["items"]}


def test_only_annotators_of_the_class_may_qualify(project, action_class, qualifying, db):
    from tests.factories import UserFactory

    outsider = client_of(UserFactory(username="outsider"))
    assert outsider.get(url(project, action_class)).status_code == 403
    assert (
        outsider.post(
            url(project, action_class), {"labels": qualifying["truth"]}, content_type="application/json"
        ).status_code
        == 403
    )
    assert outsider.get(f"/qualify/{project.pk}/{action_class.pk}/").status_code == 403


def test_qualification_mode_offers_only_free_clips_to_admins(
    project, action_class, annotators, qualifying, make_clips, admin_user
):
    free, gold, labelled = make_clips(videos=3, per_video=1)
    services.clip_gold_set(clip=gold, value=1, author=admin_user)
    type(labelled).objects.filter(pk=labelled.pk).update(label_count=1)
    staff = client_of(admin_user)
    body = {"project": project.pk, "action_class": action_class.pk}
    offered = staff.post("/api/qualification-items/next/", body, content_type="application/json").json()
    uids = {it["item"] for it in offered["items"]}
    work = {str(c.uid) for c in qualifying["work"]}
    assert uids == work | {str(free.uid)}  # no gold, no qualification item, nothing labelled
    assert (
        client_of(annotators[0])
        .post("/api/qualification-items/next/", body, content_type="application/json")
        .status_code
        == 403
    )
    assert staff.get(f"/grid/{project.pk}/{action_class.pk}/?mode=qualification").status_code == 200
    assert client_of(annotators[0]).get(f"/grid/{project.pk}/{action_class.pk}/?mode=qualification").status_code == 403
    with pytest.raises(services.QueueError):  # a clip in real work cannot join the set
        services.clip_qualification_set(clip=labelled, value=1, author=admin_user)


def test_the_trim_tool_serves_no_real_work_before_the_qualification(
    project, action_class, annotators, qualifying, admin_user
):
    from tests.segments.factories import SegmentAnnotationFactory, SegmentVideoFactory

    annotator, clip = annotators[0], qualifying["work"][0]
    own_segment = SegmentAnnotationFactory(
        segment_video=SegmentVideoFactory(video=clip.video), annotator=annotator, segments=[(1.0, 2.0)]
    ).segments.get()
    client = client_of(annotator)
    # given an annotator of the class who has not qualified: the page says why, with the link, and the API refuses
    page = client.get(f"/trim/{clip.uid}/")
    assert page.status_code == 403
    assert "pass the qualification" in page.content.decode()
    assert f'href="/qualify/{project.pk}/{action_class.pk}/"' in page.content.decode()
    refused = client.put(
        f"/api/clips/{clip.uid}/curation/", {"first_frame": 10, "last_frame": 20}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "qualification"
    assert refused.json()["qualify_url"] == f"/qualify/{project.pk}/{action_class.pk}/"
    assert client.get(f"/api/clips/{clip.uid}/curation/").status_code == 403
    assert client.post(f"/trim/from-segment/{own_segment.pk}/").status_code == 403
    assert client_of(admin_user).get(f"/api/clips/{clip.uid}/curation/").status_code == 200  # admins are not gated
    # when they pass, then the trim tool opens
    client.post(url(project, action_class), {"labels": qualifying["truth"]}, content_type="application/json")
    assert client.get(f"/api/clips/{clip.uid}/curation/").status_code == 200
    assert client.post(f"/trim/from-segment/{own_segment.pk}/").status_code == 302


# --- known videos: the timeline's qualification -------------------------------------------------------------------


@pytest.fixture
def known_videos(project, action_class, qualifying, admin_user):
    """Two qualification videos of the class set by an admin (one with two actions, one without), and one timeline
    video of real work."""
    from tests.factories import VideoFactory
    from tests.segments.factories import SegmentVideoFactory

    def timeline_video():
        return SegmentVideoFactory(video=VideoFactory(project=project, query_class=action_class, duration=20.0))

    two, none, work = timeline_video(), timeline_video(), timeline_video()
    staff = client_of(admin_user)
    for video, known in ((two, [[1.25, 3.0], [5.5, 8.75]]), (none, [])):
        response = staff.put(f"/api/qualification-videos/{video.uid}/", {"segments": known}, "application/json")
        assert response.status_code == 200 and response.json() == {"segments": known}
    return {"two": two, "none": none, "work": work}


def test_a_video_is_right_when_its_segments_pair_one_to_one_with_the_known_ones_above_half_overlap():
    from backend.quality.qualification import video_answer_correct

    known = [(1.0, 3.0)]
    assert video_answer_correct(given=[(1.5, 3.5)], known=known)  # tIoU 1.5 / 2.5 = 0.6
    assert not video_answer_correct(given=[(2.0, 4.0)], known=known)  # tIoU 1 / 3 = 0.33
    assert not video_answer_correct(given=[(2.0, 3.0)], known=known)  # tIoU 1 / 2 = 0.5: not above it
    assert not video_answer_correct(given=[(1.0, 3.0), (5.0, 6.0)], known=known)  # an extra segment
    assert not video_answer_correct(given=[(1.0, 2.0), (2.0, 3.0)], known=known)  # one action split in two
    assert not video_answer_correct(given=[], known=known)  # missed
    assert video_answer_correct(given=[(5.0, 8.0), (1.0, 3.0)], known=[(1.0, 3.0), (5.0, 8.0)])  # any order
    assert video_answer_correct(given=[], known=[])  # the action is absent, and nothing is marked
    assert not video_answer_correct(given=[(0.0, 1.0)], known=[])


def test_an_annotator_qualifies_on_known_videos_before_real_timeline_work(
    project, action_class, annotators, qualifying, known_videos
):
    from backend.segments.services import segment_queue_waiting, segment_task_next

    annotator, client = annotators[0], client_of(annotators[0])
    # given the set holds videos too: no timeline work, the timeline page sends the annotator to qualify
    with pytest.raises(services.QueueError) as exc:
        segment_task_next(annotator=annotator, project=project, action_class=action_class)
    assert exc.value.code == "qualification"
    assert client.get(f"/timeline/{project.pk}/{action_class.pk}/").url == f"/qualify/{project.pk}/{action_class.pk}/"
    # the videos are served to segment, without their known segments
    served = client.get(url(project, action_class))
    videos = served.json()["videos"]
    assert {v["item"] for v in videos} == {str(known_videos["two"].uid), str(known_videos["none"].uid)}
    assert all(set(v) == {"item", "action_class", "video_url", "duration", "fps"} and v["video_url"] for v in videos)
    assert not any(known in served.content.decode() for known in ("1.25", "8.75", '"segments"'))
    # every item must be answered: the clips alone are refused
    body = {"labels": qualifying["truth"]}
    assert client.post(url(project, action_class), body, content_type="application/json").status_code == 400
    # boundaries a little off count; one of the two actions missed does not: 11 of 12
    body["segments"] = {str(known_videos["two"].uid): [[1.2, 3.1]], str(known_videos["none"].uid): []}
    response = client.post(url(project, action_class), body, content_type="application/json")
    assert response.json() == {"score": pytest.approx(11 / 12), "passed": True, "attempts_left": 2, "pass_mark": 0.9}
    assert not any(str(v.uid) in response.content.decode() for v in known_videos.values())  # the score only
    # then real timeline work comes, and never a qualification video
    assert segment_queue_waiting(annotator=annotator, project=project, action_class=action_class) == 1
    task = segment_task_next(annotator=annotator, project=project, action_class=action_class)
    assert task.segment_video == known_videos["work"]


def test_videos_weigh_in_the_score_and_the_admin_sees_the_segments_given(
    project, action_class, annotators, qualifying, known_videos, admin_user
):
    client = client_of(annotators[0])
    wrong = {str(known_videos["two"].uid): [[2.0, 4.0], [5.0, 8.0]], str(known_videos["none"].uid): [[0.0, 1.0]]}
    body = {"labels": qualifying["truth"], "segments": wrong}
    response = client.post(url(project, action_class), body, content_type="application/json").json()
    assert (response["score"], response["passed"]) == (pytest.approx(10 / 12), False)  # both videos wrong
    attempt = client_of(admin_user).get(f"/api/projects/{project.pk}/qualification-attempts/").json()[0]
    assert (attempt["correct"], attempt["total"]) == (10, 12)
    assert attempt["answers"][str(known_videos["none"].uid)] == [[0.0, 1.0]]


def test_a_qualification_video_is_kept_apart_from_gold_and_real_work(
    project, action_class, annotators, known_videos, admin_user
):
    from backend.segments.models import SegmentAnnotation
    from backend.segments.services import segment_gold_task_next
    from tests.segments.factories import SegmentAnnotationFactory

    staff = client_of(admin_user)
    # an annotated video (here a gold one) cannot join the set
    gold = SegmentAnnotationFactory(
        segment_video__video__project=project,
        segment_video__video__query_class=action_class,
        kind=SegmentAnnotation.Kind.GOLD,
        annotator=admin_user,
        segments=[(1.0, 2.0)],
    ).segment_video
    type(gold).objects.filter(pk=gold.pk).update(is_gold=True, is_open=False)
    refused = staff.put(f"/api/qualification-videos/{gold.uid}/", {"segments": []}, "application/json")
    assert refused.status_code == 409
    # gold mode never offers a qualification video, though it offers untouched videos first
    type(gold).objects.filter(pk=known_videos["work"].pk).update(annotation_count=1)
    offered = {segment_gold_task_next(admin=admin_user, project=project, action_class=action_class).segment_video}
    assert offered == {known_videos["work"]}
    # only admins set the set; bad segments are refused
    video = known_videos["two"]
    put = client_of(annotators[0]).put(f"/api/qualification-videos/{video.uid}/", {"segments": []}, "application/json")
    assert put.status_code == 403
    assert (
        staff.put(f"/api/qualification-videos/{video.uid}/", {"segments": [[3, 1]]}, "application/json").status_code
        == 400
    )


# --- per class or per project (Project.qualification_scope) -------------------------------------------------------


@pytest.fixture
def second_class(project, action_class, annotators, qualifying, admin_user):
    """Class B in the same annotator group (named to sort after A): 2 qualification clips (positive), 2 of work."""
    from tests.factories import ActionClassFactory, ClipFactory, VideoFactory

    other = ActionClassFactory(name="zz " + action_class.name)
    project.groups.get().classes.add(other)
    video = VideoFactory(project=project, query_class=other)
    items = [ClipFactory(video=video, start=2.0 * i, end=2.0 * i + 2) for i in range(2)]
    work = [ClipFactory(video=VideoFactory(project=project, query_class=other)) for _ in range(2)]
    services.qualification_answers_submit(author=admin_user, answers={str(c.uid): 1 for c in items})
    return {"class": other, "truth": {str(c.uid): 1 for c in items}, "work": work}


def test_per_class_a_pass_opens_its_class_alone_and_admins_see_and_reset_attempts_per_class(
    project, action_class, annotators, qualifying, second_class, admin_user
):
    annotator, other = annotators[0], second_class["class"]
    assert project.qualification_scope == "class"  # the default
    client = client_of(annotator)
    # the set of class A is A's alone
    served = client.get(url(project, action_class)).json()["items"]
    assert {it["item"] for it in served} == set(qualifying["truth"])
    client.post(url(project, action_class), {"labels": qualifying["truth"]}, content_type="application/json")
    # A is open, B is not
    assert [q.qualified for q in annotator_classes(annotator)] == [True, False]
    assert services.page_next(annotator=annotator, project=project, action_class=action_class)
    with pytest.raises(services.QueueError) as exc:
        services.page_next(annotator=annotator, project=project, action_class=other)
    assert exc.value.code == "qualification"
    assert client.get(f"/grid/{project.pk}/{other.pk}/").url == f"/qualify/{project.pk}/{other.pk}/"
    client.post(url(project, other), {"labels": second_class["truth"]}, content_type="application/json")
    assert [q.qualified for q in annotator_classes(annotator)] == [True, True]
    # the admin lists one class's attempts and resets B's pass: B closes, A stays open
    staff = client_of(admin_user)
    listed = staff.get(f"/api/projects/{project.pk}/qualification-attempts/?class={other.pk}").json()
    assert [(a["class_id"], a["passed"], a["current"]) for a in listed] == [(other.pk, True, True)]
    staff.post(f"/api/qualification-attempts/{listed[0]['id']}/reset/")
    assert [q.qualified for q in annotator_classes(annotator)] == [True, False]


def test_per_project_one_pass_over_every_class_opens_them_all(
    project, action_class, annotators, qualifying, second_class, admin_user
):
    project.qualification_scope = "project"
    project.save()
    annotator, other = annotators[0], second_class["class"]
    client = client_of(annotator)
    assert [q.qualified for q in annotator_classes(annotator)] == [False, False]
    # the set, reached from either class, holds both classes' items, each saying which class it asks about
    served = client.get(url(project, other)).json()["items"]
    assert {(it["item"], it["action_class"]) for it in served} == {
        *((uid, action_class.name) for uid in qualifying["truth"]),
        *((uid, other.name) for uid in second_class["truth"]),
    }
    both = {**qualifying["truth"], **second_class["truth"]}
    assert (
        client.post(url(project, action_class), {"labels": qualifying["truth"]}, content_type="application/json")
    ).status_code == 400  # A's items alone do not answer the project's set
    response = client.post(url(project, action_class), {"labels": both}, content_type="application/json").json()
    assert (response["score"], response["passed"]) == (1.0, True)
    # one pass opens every class of the project
    assert [q.qualified for q in annotator_classes(annotator)] == [True, True]
    assert services.page_next(annotator=annotator, project=project, action_class=other)
    staff = client_of(admin_user)
    listed = staff.get(f"/api/projects/{project.pk}/qualification-attempts/").json()
    assert [(a["class_id"], a["class"], a["current"]) for a in listed] == [(None, "all classes", True)]
    # a clarification that changes B's guideline closes the whole project until the set is passed again
    change = clarification_post(admin=admin_user, action_class=other, text="Only indoors.", changes_guideline=True)
    clarification_ack(user=annotator, clarification=change)
    assert [q.qualified for q in annotator_classes(annotator)] == [False, False]
    assert staff.get(f"/api/projects/{project.pk}/qualification-attempts/").json()[0]["current"] is False
    assert client.post(url(project, other), {"labels": both}, content_type="application/json").json()["passed"]
    assert [q.qualified for q in annotator_classes(annotator)] == [True, True]
    # an admin's reset withdraws it for every class
    latest = staff.get(f"/api/projects/{project.pk}/qualification-attempts/").json()[0]
    assert latest["passed"] and latest["current"]
    assert staff.post(f"/api/qualification-attempts/{latest['id']}/reset/").status_code == 200
    assert [q.qualified for q in annotator_classes(annotator)] == [False, False]


def test_switching_the_setting_starts_afresh(project, action_class, annotators, qualifying, second_class):
    client = client_of(annotators[0])
    client.post(url(project, action_class), {"labels": qualifying["truth"]}, content_type="application/json")
    project.qualification_scope = "project"
    project.save()
    # a pass on one class is not the project's qualification
    assert [q.qualified for q in annotator_classes(annotators[0])] == [False, False]
    project.qualification_scope = "class"
    project.save()
    assert [q.qualified for q in annotator_classes(annotators[0])] == [True, False]
