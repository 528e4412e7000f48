from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Run one periodic job of settings.CELERY_BEAT_SCHEDULE now, in this process (e.g. send-reminders)."

    def add_arguments(self, parser):
        parser.add_argument("job", nargs="?", help="the job's name; without it, the list of jobs")

    def handle(self, *args, job, **options):
        schedule = settings.CELERY_BEAT_SCHEDULE
        if not job:
            for name, entry in schedule.items():
                self.stdout.write(f"{name:<28} every {entry['schedule']} s  {entry['task']}")
            return
        if job not in schedule:
            raise CommandError(f"unknown job {job!r}; known: {', '.join(schedule)}")
        # Task names are their dotted paths: importing one registers it.
        result = import_string(schedule[job]["task"]).apply(throw=True)
        self.stdout.write(self.style.SUCCESS(f"{job}: {result.result}"))
