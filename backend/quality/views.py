from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, render

from backend.catalog.models import Project


@staff_member_required
def dashboard_page(request, project_id: int):
    project = get_object_or_404(Project, pk=project_id)
    return render(request, "dashboard.html", {"project": project})
