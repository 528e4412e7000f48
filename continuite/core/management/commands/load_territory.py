from django.core.management.base import BaseCommand

from continuite.core.services import territory_load


class Command(BaseCommand):
    help = (
        "Load or update regions, départements, communes and postcodes from the shipped open data."
    )

    def handle(self, *args, **options):
        counts = territory_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts.regions} regions, {counts.departements} départements, "
                f"{counts.communes} communes, {counts.postcodes} postcodes"
            )
        )
