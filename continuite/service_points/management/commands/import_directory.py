from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from continuite.service_points.importers import READERS
from continuite.service_points.services import (
    FRANCE_SERVICES_FILE,
    TOWN_HALLS_FILE,
    directory_import,
    directory_is_current,
)

SHIPPED = {"france-services": FRANCE_SERVICES_FILE, "mairies": TOWN_HALLS_FILE}


class Command(BaseCommand):
    help = (
        "Import a directory of service points. Sources: france-services and mairies (the shipped "
        "open data, used when no file is given) or csv (the format of docs/import-format.md). "
        "Changes nothing unless --wet-run is given; a rerun updates, never duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", choices=sorted(READERS))
        parser.add_argument("file", nargs="?", help="the file to load (.csv or .csv.gz)")
        parser.add_argument("--wet-run", action="store_true", help="write to the database")
        parser.add_argument(
            "--if-changed", action="store_true", help="skip a file already loaded as it is"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, source, file, wet_run, if_changed, no_progress, **options):
        path = Path(file) if file else SHIPPED.get(source)
        if path is None:
            raise CommandError("give the file to import for the csv source")
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        if if_changed and directory_is_current(source=source, path=path):
            self.stdout.write(f"{path.name}: already loaded, nothing to do")
            return
        with tqdm(desc=path.name, unit=" rows", disable=no_progress, file=self.stderr) as bar:
            run = directory_import(source=source, path=path, wet_run=wet_run, progress=bar.update)
        for error in run.errors[:200]:
            self.stderr.write(f"{path.name}: line {error['line']}: {error['reason']}")
        if len(run.errors) > 200:
            self.stderr.write(f"... and {len(run.errors) - 200} more rejected rows")
        verb = "imported" if wet_run else "dry run (nothing written; add --wet-run)"
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name}: {verb}: {run.rows} rows, {run.created} created, {run.updated} updated, "
                f"{run.unchanged} unchanged, {len(run.errors)} rejected"
            )
        )
