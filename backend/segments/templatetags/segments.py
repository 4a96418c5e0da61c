"""`{% segment_queues as queues %}`: the user's segment queues, for the home page (its view belongs to clips)."""

from django import template

from backend.quality.models import AnnotatorGroup
from backend.segments.models import SegmentAnnotation
from backend.segments.services import segment_queue_waiting, segment_task_open

register = template.Library()


@register.simple_tag(takes_context=True)
def segment_queues(context) -> list[dict]:
    user = context["request"].user
    if not user.is_authenticated:
        return []
    out = []
    for group in AnnotatorGroup.objects.filter(members=user).select_related("project"):
        for cls in group.classes.order_by("name"):
            out.append({
                "project": group.project, "action_class": cls,
                "waiting": segment_queue_waiting(annotator=user, project=group.project, action_class=cls),
                "in_progress": segment_task_open(annotator=user, project=group.project, action_class=cls,
                                                 kind=SegmentAnnotation.Kind.REGULAR) is not None,
            })
    return out
