"""Every periodic job can be run by hand."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command


@pytest.mark.django_db
@pytest.mark.parametrize("job", list(settings.CELERY_BEAT_SCHEDULE))
def test_each_periodic_job_runs_as_a_command(job, capsys):
    call_command("run_job", job)
    assert capsys.readouterr().out.startswith(f"{job}: ")


def test_an_unknown_job_is_refused():
    with pytest.raises(CommandError):
        call_command("run_job", "no-such-job")
