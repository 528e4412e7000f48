from django.core.management.base import BaseCommand
from django.utils import timezone

from continuite.dashboard.services import open_rate_snapshot_take


class Command(BaseCommand):
    help = "Record the open rates now (what the hourly Celery beat job does)."

    def handle(self, *args, **options):
        count = open_rate_snapshot_take(at=timezone.now())
        self.stdout.write(self.style.SUCCESS(f"{count} open-rate snapshots recorded"))
