from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from continuite.cases.importer import case_import_run, decode_upload
from continuite.cases.models import CaseImport
from continuite.service_points.models import Network


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Import cases of a network from a CSV file (the format of docs/cases-import-format.md). "
        "Changes nothing unless --wet-run is given; a case already known by its reference is "
        "never created twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("network", help="the network's code, e.g. caf")
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--wet-run", action="store_true", help="write to the database")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, network, file, wet_run, no_progress, **options):
        found = Network.objects.filter(slug=network).first()
        if found is None:
            codes = ", ".join(Network.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(f"unknown network {network} (known: {codes})")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        content = decode_upload(path.read_bytes())

        with tqdm(desc=path.name, unit=" rows", disable=no_progress, file=self.stderr) as bar:

            def progress(job: CaseImport) -> None:
                bar.total = job.rows
                bar.update(job.processed - bar.n)

            try:
                with transaction.atomic():
                    job = CaseImport.objects.create(
                        network=found, file_name=path.name[:300], content=content
                    )
                    job = case_import_run(job.pk, progress=progress)
                    if not wet_run:
                        raise _DryRun
            except _DryRun:
                pass
        for error in job.errors[:200]:
            self.stderr.write(f"{path.name}: line {error['line']}: {error['reason']}")
        if job.rejected > 200:
            self.stderr.write(f"... and {job.rejected - 200} more rejected rows")
        if job.status == CaseImport.Status.FAILED:
            raise CommandError(f"{path.name}: the import stopped")
        verb = "imported" if wet_run else "dry run (nothing written; add --wet-run)"
        unchanged = job.processed - job.created - job.updated - job.rejected
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name}: {verb}: {job.rows} rows, {job.created} created, "
                f"{job.updated} updated, {unchanged} already known, {job.rejected} rejected"
            )
        )
