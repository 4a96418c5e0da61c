"""Pages of the guided "add a class" flow (its API: class_setup_api.py; its state: frontend/static/add_class/)."""

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from backend.catalog.models import ActionClass, ClassSetup, Project


def _class_tree_options() -> list[dict]:
    """The groups of classes (non-leaf nodes) in tree order, with their depth, for the parent picker."""
    nodes = list(ActionClass.objects.filter(is_leaf=False).values("pk", "name", "parent_id"))
    children: dict[int | None, list[dict]] = {}
    for node in nodes:
        children.setdefault(node["parent_id"], []).append(node)
    out: list[dict] = []

    def walk(parent_id, depth):
        for node in sorted(children.get(parent_id, []), key=lambda n: n["name"]):
            out.append(
                {"id": node["pk"], "name": node["name"], "depth": depth, "label": "\u2003" * depth + node["name"]}
            )
            walk(node["pk"], depth + 1)

    walk(None, 0)
    return out


@staff_member_required
def add_class_page(request, project_id: int):
    """The guided "add a class" flow; opening it starts the clock."""
    project = get_object_or_404(Project, pk=project_id)
    return render(
        request,
        "add_class.html",
        {
            "project": project,
            "setup": None,
            "started_at": timezone.now().isoformat(),
            "parents": _class_tree_options(),
            "groups": project.groups.order_by("name"),
        },
    )


@staff_member_required
def class_setup_page(request, setup_id: int):
    """Resume a class setup where it was left."""
    setup = get_object_or_404(ClassSetup.objects.select_related("project"), pk=setup_id)
    return render(
        request,
        "add_class.html",
        {
            "project": setup.project,
            "setup": setup,
            "started_at": setup.started_at.isoformat(),
            "parents": _class_tree_options(),
            "groups": setup.project.groups.order_by("name"),
        },
    )
