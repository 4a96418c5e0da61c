"""`{% segment_queues as queues %}`: the user's segment queues, for the home page (its view belongs to clips)."""

from django import template

from backend.catalog.access import annotator_classes
from backend.segments.models import SegmentAnnotation
from backend.segments.services import segment_queue_waiting, segment_task_open

register = template.Library()


@register.simple_tag(takes_context=True)
def segment_queues(context) -> list[dict]:
    user = context["request"].user
    if not user.is_authenticated:
        return []
    return [
        {
            "project": q.project,
            "action_class": q.action_class,
            "qualified": q.qualified,
            "waiting": segment_queue_waiting(annotator=user, project=q.project, action_class=q.action_class),
            "in_progress": segment_task_open(
                annotator=user, project=q.project, action_class=q.action_class, kind=SegmentAnnotation.Kind.REGULAR
            )
            is not None,
        }
        for q in annotator_classes(user)
    ]
