"""A site manager declares a closure, follows the rehoming as it progresses, and reads the report.

The rehoming runs on a real Celery worker, slowed between batches so that the progress page is
seen working before it turns into the report (htmx polls it; without JavaScript, a link).
"""

import re

import pytest
from playwright.sync_api import expect

from continuite.accounts.tests.factories import RoleFactory, UserFactory
from continuite.protocol.models import RehomingRun
from continuite.protocol.tests.conftest import build_scene

from .test_site_manager import log_in

pytestmark = [pytest.mark.browser, pytest.mark.celery]


def test_a_site_manager_closes_and_follows_the_rehoming(new_page, celery_worker, settings):
    settings.REHOMING_BATCH_SIZE = 5
    # Six batches a second apart: the page, polled every 2 s, sees the run under way even where
    # batches are fast (SQLite).
    settings.REHOMING_BATCH_PAUSE_MS = 1000
    scene = build_scene(per_reason=10)
    manager = UserFactory()
    RoleFactory(user=manager, service_point=scene.point)

    page = new_page()
    log_in(page, manager.username)
    page.wait_for_url("**/espace-agent/")
    page.get_by_role("link", name="Incidents et fermetures").click()
    expect(page.locator("h1")).to_contain_text(scene.point.name)

    form = page.locator("main form", has=page.locator("[name=label]"))
    expect(form.locator("input[name=scope][value=full]")).to_be_checked()
    form.get_by_label("Motif affiché au public").fill("Agents malades")
    expect(form.locator("[name=starts_at]")).not_to_have_value("")
    form.get_by_role("button", name="Déclarer la fermeture").click()

    # The progress page, polled while the worker rehomes batch after batch.
    expect(page.locator("h1")).to_have_text("Relogement des rendez-vous")
    expect(page.locator(".fr-alert--success")).to_contain_text("La fermeture est enregistrée")
    progress = page.locator("#run-progress")
    expect(progress).to_contain_text(re.compile(r"(En attente|En cours)"))
    bar = page.locator("progress#run-bar")
    expect(bar).to_have_attribute("value", re.compile(r"^([1-9]\d?)$"))

    # Finished: the page becomes the report.
    expect(page.get_by_role("heading", name="Bilan")).to_be_visible(timeout=30_000)
    expect(page.locator("main")).to_contain_text("30 rendez-vous concernés, aucun perdu.")
    expect(progress).to_contain_text("Convertis en téléphone à la même heure : 10")
    expect(progress).to_contain_text("Déplacés vers un autre guichet : 10")
    expect(progress).to_contain_text("Annulés, la personne sera rappelée : 10")
    table = page.get_by_role("table", name="Rendez-vous traités par ce relogement")
    expect(table.locator("tbody tr")).to_have_count(30)
    expect(table).to_contain_text("France services de Villeurbanne")
    run = RehomingRun.objects.get(service_point=scene.point)
    assert (run.status, run.total, run.processed) == ("done", 30, 30)
    assert run.starts == 1

    # The closures page shows the closure in force, and the public page shows it closed.
    page.get_by_role("link", name="Retour aux incidents et fermetures").click()
    expect(page.locator("main table").first).to_contain_text("En vigueur")
    public = new_page(java_script_enabled=False)
    public.goto(f"/guichets/{scene.point.pk}/")
    expect(public.locator("main")).to_contain_text("Agents malades")
