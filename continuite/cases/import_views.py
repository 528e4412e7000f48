"""Network managers import cases from their own system: upload, then follow the job."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import ImportForm
from .importer import case_import_request
from .models import CaseImport
from .views import access_network_by_slug


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request, slug: str):
    """Upload a CSV file of cases; a worker loads it and the job page shows the progress."""
    network = access_network_by_slug(request.user, slug)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            job = case_import_request(
                network=network,
                file_name=form.cleaned_data["file"].name,
                content=form.content,
                actor=request.user,
            )
        messages.success(request, _("The file is received; its cases are being loaded."))
        return redirect("cases:import_job", slug=network.slug, import_id=job.pk)
    return render(
        request,
        "cases/import.html",
        {
            "network": network,
            "form": form,
            "imports": CaseImport.objects.filter(network=network)
            .select_related("requested_by")
            .defer("content", "errors")[:20],
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET"])
def import_job(request, slug: str, import_id: int):
    """An import's progress (refreshed by htmx while it works) and, once finished, its report."""
    network = access_network_by_slug(request.user, slug)
    job = get_object_or_404(CaseImport.objects.defer("content"), pk=import_id, network=network)
    finished = job.status in (CaseImport.Status.DONE, CaseImport.Status.FAILED)
    context = {"network": network, "job": job, "finished": finished}
    if request.htmx and not finished:
        return render(request, "cases/_import_progress.html", context)
    if request.htmx:
        # Finished while the page was polling: the whole page, with the report.
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    context["unchanged"] = job.processed - job.created - job.updated - job.rejected
    context["more_errors"] = job.rejected - len(job.errors)
    return render(request, "cases/import_job.html", context)
