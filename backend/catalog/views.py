"""Admin upload form: the same ingest as `manage.py ingest`, with the refusal shown in words."""

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render

from backend.catalog.api import ingest_upload
from backend.catalog.models import ActionClass, Project, Video
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
                video = ingest_upload(
                    upload=upload,
                    project=form.cleaned_data["project"],
                    action_class=form.cleaned_data["action_class"],
                    subset=form.cleaned_data["subset"],
                )
            except IngestError as exc:
                messages.error(request, f"Refused: {exc}")
            else:
                messages.success(
                    request,
                    f"Ingested {upload.name} as {video.external_id} ({video.duration:.1f} s, "
                    f"{video.clips.count()} clips being cut)",
                )
        if uploads:
            return redirect("upload")
    return render(request, "upload.html", {"form": form})
