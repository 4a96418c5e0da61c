"""Clip reads: the queue's invariants, checked against the rows (after a load run, in tests, by an admin).

The queue keeps counters on each clip (label_count, lease_count, is_open) in step with the label, page and
consensus rows under row locks (clips.services). If a concurrency bug ever breaks that step, these checks name it.
"""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from backend.catalog.models import ActionClass, Project
from backend.clips.models import Clip, Label, Page, PageItem

SHOWN = 10  # violations named per kind; the rest are counted


def queue_invariant_violations(
    *, project: Project | None = None, action_class: ActionClass | None = None, now=None
) -> list[str]:
    """What is wrong with the queue's rows, as sentences; an empty list when nothing is.

    Checked: each submitted label is stored once, on a page that was submitted and holds its clip; no clip has two
    active labels from one annotator, nor (gold clips aside) more than it requires; each clip's label counter equals
    its active labels, and (gold clips aside) its lease counter the open pages holding it; a clip is closed exactly
    when it has a consensus or was retired with its video, and a retired clip is closed; a page whose lease ran out
    (before `now`) was given back. Expired pages are given back lazily by services.pages_release_expired: call it first to check a quiet queue. `project` and `action_class` narrow the
    check (the whole of a HACS-size database takes a while: it reads every label).
    """
    now = now or timezone.now()
    clips, pages = Clip.objects.all(), Page.objects.all()
    if project is not None:
        clips, pages = clips.filter(video__project=project), pages.filter(project=project)
    if action_class is not None:
        clips, pages = clips.filter(action_class=action_class), pages.filter(action_class=action_class)
    labels = Label.objects.filter(clip__in=clips)
    out: list[str] = []

    def report(qs: QuerySet, sentence) -> None:
        rows = list(qs[: SHOWN + 1])
        out.extend(sentence(row) for row in rows[:SHOWN])
        if len(rows) > SHOWN:
            out.append(f"… and {qs.count() - SHOWN} more like the last")

    report(
        labels.filter(active=True)
        .values("clip_id", "annotator_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("clip_id"),
        lambda r: f"clip {r['clip_id']} has {r['n']} active labels from annotator {r['annotator_id']}",
    )
    report(
        labels.filter(page__isnull=False)
        .values("page_id", "clip_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("page_id"),
        lambda r: f"page {r['page_id']} stored {r['n']} labels for clip {r['clip_id']}",
    )
    report(
        labels.filter(page__isnull=False, page__submitted_at__isnull=True).values_list("pk", "page_id").order_by("pk"),
        lambda r: f"label {r[0]} belongs to page {r[1]}, which was never submitted",
    )
    on_page = PageItem.objects.filter(page=OuterRef("page"), clip=OuterRef("clip"))
    report(
        labels.filter(page__isnull=False)
        .exclude(Exists(on_page))
        .values_list("pk", "page_id", "clip_id")
        .order_by("pk"),
        lambda r: f"label {r[0]} of page {r[1]} is for clip {r[2]}, which is not on that page",
    )

    labelled = clips.filter(Q(label_count__gt=0) | Exists(Label.objects.filter(clip=OuterRef("pk"))))
    counted = labelled.annotate(active=Count("labels", filter=Q(labels__active=True)))
    report(
        counted.filter(gold__isnull=True, active__gt=F("required_labels"))
        .values_list("pk", "active", "required_labels")
        .order_by("pk"),
        lambda r: f"clip {r[0]} has {r[1]} active labels but requires {r[2]}",
    )
    report(
        counted.exclude(label_count=F("active")).values_list("pk", "label_count", "active").order_by("pk"),
        lambda r: f"clip {r[0]} counts {r[1]} labels but has {r[2]} active",
    )

    open_items = PageItem.objects.filter(
        clip=OuterRef("pk"), decoy=False, page__submitted_at__isnull=True, page__released_at__isnull=True
    )
    # Regular clips only: gold clips and decoys carry no lease (services.page_next), they are drawn for everyone.
    leased = (
        clips.filter(gold__isnull=True)
        .filter(Q(lease_count__gt=0) | Exists(open_items))
        .annotate(
            open_pages=Count(
                "page_items",
                filter=Q(
                    page_items__decoy=False,
                    page_items__page__submitted_at__isnull=True,
                    page_items__page__released_at__isnull=True,
                ),
            )
        )
    )
    report(
        leased.exclude(lease_count=F("open_pages")).values_list("pk", "lease_count", "open_pages").order_by("pk"),
        lambda r: f"clip {r[0]} counts {r[1]} leases but is on {r[2]} open pages",
    )

    regular = clips.filter(gold__isnull=True)
    report(
        regular.filter(is_open=True, consensus__isnull=False).values_list("pk", flat=True).order_by("pk"),
        lambda pk: f"clip {pk} is open but has a consensus",
    )
    report(
        clips.filter(is_open=True).exclude(retired_reason="").values_list("pk", flat=True).order_by("pk"),
        lambda pk: f"clip {pk} is retired but still open",
    )
    report(
        regular.filter(is_open=False, consensus__isnull=True, retired_reason="")
        .values_list("pk", flat=True)
        .order_by("pk"),
        lambda pk: f"clip {pk} is closed without a consensus",
    )

    report(
        pages.filter(submitted_at__isnull=True, released_at__isnull=True, expires_at__lt=now)
        .values_list("pk", "expires_at")
        .order_by("pk"),
        lambda r: f"page {r[0]}'s lease ran out at {r[1]:%Y-%m-%d %H:%M:%S} but its clips were not given back",
    )
    return out
