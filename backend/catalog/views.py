"""Admin upload form: the same ingest as `manage.py ingest`, with the refusal shown in words."""

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from backend.catalog.api import ingest_upload
from backend.catalog.models import ActionClass, ClassSetup, Project, Video
from backend.catalog.services import IngestError


class UploadForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.order_by("name"))
    action_class = forms.ModelChoiceField(queryset=ActionClass.objects.filter(is_leaf=True).order_by("name"))
    subset = forms.ChoiceField(choices=Video.Subset.choices, initial=Video.Subset.TRAINING)
    # The files themselves come from a plain <input type=file multiple name=files> in the template.


@staff_member_required
def upload_page(request):
    form = UploadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        uploads = request.FILES.getlist("files")
        if not uploads:
            form.add_error("files", "choose at least one video file")
        for upload in uploads:
            try:
                video = ingest_upload(upload=upload, project=form.cleaned_data["project"],
                                      action_class=form.cleaned_data["action_class"],
                                      subset=form.cleaned_data["subset"])
            except IngestError as exc:
                messages.error(request, f"Refused: {exc}")
            else:
                messages.success(request, f"Ingested {upload.name} as {video.external_id} ({video.duration:.1f} s, "
                                          f"{video.clips.count()} clips being cut)")
        if uploads:
            return redirect("upload")
    return render(request, "upload.html", {"form": form})


def _class_tree_options() -> list[dict]:
    """The groups of classes (non-leaf nodes) in tree order, with their depth, for the parent picker."""
    nodes = list(ActionClass.objects.filter(is_leaf=False).values("pk", "name", "parent_id"))
    children: dict[int | None, list[dict]] = {}
    for node in nodes:
        children.setdefault(node["parent_id"], []).append(node)
    out: list[dict] = []

    def walk(parent_id, depth):
        for node in sorted(children.get(parent_id, []), key=lambda n: n["name"]):
            out.append({"id": node["pk"], "name": node["name"], "depth": depth, "label": "\u2003" * depth + node["name"]})
            walk(node["pk"], depth + 1)

    walk(None, 0)
    return out


@staff_member_required
def add_class_page(request, project_id: int):
    """The guided "add a class" flow; opening it starts the clock."""
    project = get_object_or_404(Project, pk=project_id)
    return render(request, "add_class.html", {
        "project": project, "setup": None, "started_at": timezone.now().isoformat(),
        "parents": _class_tree_options(), "groups": project.groups.order_by("name"),
    })


@staff_member_required
def class_setup_page(request, setup_id: int):
    """Resume a class setup where it was left."""
    setup = get_object_or_404(ClassSetup.objects.select_related("project"), pk=setup_id)
    return render(request, "add_class.html", {
        "project": setup.project, "setup": setup, "started_at": setup.started_at.isoformat(),
        "parents": _class_tree_options(), "groups": setup.project.groups.order_by("name"),
    })
