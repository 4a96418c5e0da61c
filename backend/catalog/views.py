"""Admin upload form: the same ingest as `manage.py ingest`, with the refusal shown in words."""

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from backend.catalog.api import ingest_upload
from backend.catalog.models import ActionClass, Project, Video
from backend.catalog.services import IngestError


class UploadForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.order_by("name"))
    # ~200 leaf classes: typed with suggestions (a <datalist> of the names, the template's "class-names"), not a list
    # to scroll through; the name is the key (ActionClass.name is unique).
    action_class = forms.ModelChoiceField(
        queryset=ActionClass.objects.filter(is_leaf=True).order_by("name"),
        to_field_name="name",
        widget=forms.TextInput(attrs={"list": "class-names", "autocomplete": "off", "placeholder": "type to search"}),
        error_messages={"invalid_choice": "No action class is named “%(value)s”: pick a name from the suggestions."},
    )
    subset = forms.ChoiceField(choices=Video.Subset.choices, initial=Video.Subset.TRAINING)
    # The files themselves come from a plain <input type=file multiple name=files> in the template.

    # What the next upload starts from: the last one's project, class and subset (the page is reloaded after each).
    KEPT = ("project", "action_class", "subset")


@staff_member_required
def upload_page(request):
    kept = {key: request.GET[key] for key in UploadForm.KEPT if key in request.GET}
    form = UploadForm(request.POST or None, initial=kept)
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
            choice = {key: request.POST[key] for key in UploadForm.KEPT}
            return redirect(f"{reverse('upload')}?{urlencode(choice)}")
    class_names = ActionClass.objects.filter(is_leaf=True).order_by("name").values_list("name", flat=True)
    return render(request, "upload.html", {"form": form, "class_names": class_names})
