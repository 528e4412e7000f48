"""CSV import of cases: good rows loaded, bad rows reported by line, idempotent, with progress."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from continuite.accounts.models import AuditLog
from continuite.accounts.tests.factories import RoleFactory
from continuite.cases.importer import case_import_run, run_case_import
from continuite.cases.models import Case, CaseEvent, CaseImport
from continuite.cases.tests.factories import CaseFactory, ProcedureTypeFactory
from continuite.service_points.models import Network
from continuite.service_points.tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

HEADER = "reference,procedure_type,service_point,received_at,status,assignee"


@pytest.fixture
def network():
    return Network.objects.get(slug="france-services")


@pytest.fixture
def setup(network):
    point = ServicePointFactory(external_id="FS-69-001")
    ServicePointFactory(external_id="FS-69-002")
    ProcedureTypeFactory(network=network, code="logement", label="Aide au logement")
    ProcedureTypeFactory(network=network, code="ancienne", is_active=False)
    agent = RoleFactory(service_point=point, agent=True, user__username="c.martin").user
    return point, agent


def good_and_bad_file() -> str:
    future = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%d")
    return "\n".join(
        [
            HEADER,
            "FS-1,logement,FS-69-001,2020-03-20,,",  # line 2: good
            "FS-2,inconnue,FS-69-001,2020-03-20,,",  # line 3: unknown procedure type
            f"FS-3,logement,FS-69-001,{future},,",  # line 4: in the future
            "FS-4,logement,NOWHERE,2020-03-20,,",  # line 5: unknown service point
            "FS-5,logement,FS-69-001,31/02/2020,,",  # line 6: no such date
            "FS-6,logement,FS-69-002,20/03/2020 14:30,in_progress,",  # line 7: good
            "FS-7,logement,FS-69-001,2020-03-21T09:15,,c.martin",  # line 8: good, assigned
            "FS-1,logement,FS-69-001,2020-03-20,,",  # line 9: twice in the file
            "FS-8,ancienne,FS-69-001,2020-03-20,,",  # line 10: retired procedure type
            "FS-9,logement,FS-69-001,2020-03-20,waiting,",  # line 11: not an import status
            "FS-10,logement,FS-69-001,2020-03-20,,nobody",  # line 12: unknown agent
            "",
        ]
    )


def run(network, content: str, **options) -> CaseImport:
    job = CaseImport.objects.create(network=network, file_name="dossiers.csv", content=content)
    return case_import_run(job.pk, **options)


def test_good_rows_are_loaded_and_bad_rows_are_reported_with_their_line(network, setup):
    point, agent = setup
    job = run(network, good_and_bad_file())
    assert job.status == CaseImport.Status.DONE
    assert (job.rows, job.processed, job.created, job.updated, job.rejected) == (11, 11, 3, 0, 8)
    reasons = {error["line"]: error["reason"] for error in job.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 9, 10, 11, 12]
    assert "type de démarche «\u00a0inconnue\u00a0» inconnu" in reasons[3]
    assert "est dans le futur" in reasons[4]
    assert "guichet «\u00a0NOWHERE\u00a0» inconnu" in reasons[5]
    assert "date illisible «\u00a031/02/2020\u00a0»" in reasons[6]
    assert "figure déjà à la ligne 2" in reasons[9]
    assert "plus utilisé" in reasons[10]
    assert "statut «\u00a0waiting\u00a0» inconnu" in reasons[11]
    assert "agent «\u00a0nobody\u00a0» inconnu" in reasons[12]
    assert {e["reference"] for e in job.errors} >= {"FS-2", "FS-3", "FS-4"}

    cases = {case.reference: case for case in Case.objects.all()}
    assert sorted(cases) == ["FS-1", "FS-6", "FS-7"]
    assert cases["FS-6"].status == Case.Status.IN_PROGRESS
    assert cases["FS-7"].assigned_to == agent
    # Read in the service point's own time zone, and given a deadline at once.
    local = cases["FS-6"].received_at.astimezone(point.time_zone)
    assert (local.day, local.month, local.hour, local.minute) == (20, 3, 14, 30)
    assert cases["FS-1"].deadline_explanation.startswith("Reçu le 20")
    assert CaseEvent.objects.filter(case=cases["FS-1"], kind="received").exists()


def test_a_second_import_of_the_same_file_creates_nothing(network, setup):
    run(network, good_and_bad_file())
    before = (
        sorted(Case.objects.values_list("pk", "status", "assigned_to", "deadline_at")),
        CaseEvent.objects.count(),
    )
    again = run(network, good_and_bad_file())
    assert (again.created, again.updated, again.rejected) == (0, 0, 8)
    after = (
        sorted(Case.objects.values_list("pk", "status", "assigned_to", "deadline_at")),
        CaseEvent.objects.count(),
    )
    assert after == before


def test_a_known_case_takes_the_status_and_case_worker_the_file_gives(network, setup):
    _point, agent = setup
    run(network, f"{HEADER}\nFS-1,logement,FS-69-001,2020-03-20,,\n")
    job = run(network, f"{HEADER}\nFS-1,logement,FS-69-001,2020-03-20,accepted,c.martin\n")
    assert (job.created, job.updated, job.rejected) == (0, 1, 0)
    case = Case.objects.get(reference="FS-1")
    assert case.status == "accepted" and case.decided_at and case.assigned_to == agent
    # A decided case is never reopened: the row is refused, the case stays as it is.
    job = run(network, f"{HEADER}\nFS-1,logement,FS-69-001,2020-03-20,in_progress,\n")
    assert job.rejected == 1 and "ne peut pas être rouvert" in job.errors[0]["reason"]
    assert Case.objects.get(reference="FS-1").status == "accepted"


def test_progress_is_counted_batch_by_batch(network, setup):
    lines = [f"P-{n},logement,FS-69-001,2020-03-20,," for n in range(5)]
    seen = []
    job = run(
        network,
        "\n".join([HEADER, *lines]),
        batch_size=2,
        progress=lambda job: seen.append((job.processed, job.rows, job.percent)),
    )
    assert seen == [(2, 5, 40), (4, 5, 80), (5, 5, 100)]
    assert job.created == 5


def test_a_task_run_twice_loads_each_row_once(network, setup):
    job = CaseImport.objects.create(
        network=network,
        file_name="x.csv",
        content=f"{HEADER}\nT-1,logement,FS-69-001,2020-03-20,,\n",
    )
    assert run_case_import(job.pk) == "done"
    assert run_case_import(job.pk) == "done"
    job.refresh_from_db()
    assert job.created == 1 and Case.objects.filter(reference="T-1").count() == 1


def test_semicolons_and_french_dates_are_read(network, setup):
    content = (
        "reference;procedure_type;service_point;received_at\nÉ-1;logement;FS-69-001;20/03/2020\n"
    )
    job = run(network, content)
    assert job.created == 1 and Case.objects.filter(reference="É-1").exists()


def test_a_file_without_the_required_columns_stops_at_line_1(network, setup):
    job = run(network, "ref,type\nA,B\n")
    assert job.status == CaseImport.Status.FAILED
    assert job.errors[0]["line"] == 1
    assert (
        "colonnes manquantes\u202f: reference, procedure_type, service_point, received_at"
        in (job.errors[0]["reason"])
    )
    assert not Case.objects.exists()


# The import page and the job page


def upload(content: str, name: str = "dossiers.csv", encoding: str = "utf-8"):
    return SimpleUploadedFile(name, content.encode(encoding), content_type="text/csv")


def test_a_network_manager_imports_a_file_and_reads_the_report(
    client, network, setup, django_capture_on_commit_callbacks
):
    manager = RoleFactory(network_manager=True).user
    client.force_login(manager)
    page = client.get(reverse("cases:import", args=[network.slug]))
    assert page.status_code == 200 and "received_at" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cases:import", args=[network.slug]),
            {"file": upload(good_and_bad_file(), encoding="cp1252")},
        )
    job = CaseImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:import_job", args=[network.slug, job.pk])
    job.refresh_from_db()
    assert job.status == "done" and (job.created, job.rejected) == (3, 8)
    assert job.requested_by == manager
    assert AuditLog.objects.filter(action="cases.import_requested", actor=manager).exists()
    report = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-created">3<' in report
    assert 'data-testid="import-rejected">8<' in report
    assert "<td>5</td>" in report and "guichet «\u00a0NOWHERE\u00a0» inconnu" in report
    assert 'hx-trigger="every 2s"' not in report


def test_the_job_page_is_polled_by_htmx_while_the_import_runs(client, network, setup):
    client.force_login(RoleFactory(network_manager=True).user)
    job = CaseImport.objects.create(
        network=network, file_name="x.csv", content="", status="running", rows=10, processed=4
    )
    url = reverse("cases:import_job", args=[network.slug, job.pk])
    page = client.get(url).content.decode()
    assert 'value="40"' in page and "4 lignes lues sur 10" in page
    assert f'href="{url}"' in page  # the refresh link, without JavaScript
    partial = client.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert 'hx-trigger="every 2s"' in partial.content.decode()
    assert "<html" not in partial.content.decode()
    CaseImport.objects.filter(pk=job.pk).update(status="done", processed=10)
    finished = client.get(url, headers={"HX-Request": "true"})
    assert finished["HX-Refresh"] == "true"


def test_only_the_networks_managers_import(client, network, setup):
    point, agent = setup
    url = reverse("cases:import", args=[network.slug])
    client.force_login(agent)
    assert client.get(url).status_code == 403
    assert client.post(url, {"file": upload(good_and_bad_file())}).status_code == 403
    client.force_login(
        RoleFactory(network_manager=True, network=Network.objects.get(slug="caf")).user
    )
    assert client.post(url, {"file": upload(good_and_bad_file())}).status_code == 403
    job = CaseImport.objects.create(network=network, file_name="x.csv", content="")
    assert client.get(reverse("cases:import_job", args=[network.slug, job.pk])).status_code == 403
    assert CaseImport.objects.count() == 1 and not Case.objects.exists()


def test_a_file_saved_by_excel_in_windows_encoding_is_read(
    client, network, setup, django_capture_on_commit_callbacks
):
    client.force_login(RoleFactory(network_manager=True).user)
    content = "reference;procedure_type;service_point;received_at\r\nDÉM-1;logement;FS-69-001;20/03/2020\r\n"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("cases:import", args=[network.slug]),
            {"file": upload(content, encoding="cp1252")},
        )
    assert CaseImport.objects.get().created == 1
    assert Case.objects.filter(reference="DÉM-1").exists()


def test_an_empty_or_binary_upload_is_refused(client, network, setup):
    client.force_login(RoleFactory(network_manager=True).user)
    url = reverse("cases:import", args=[network.slug])
    for content in ("", "\x00\x01\x02"):
        response = client.post(url, {"file": upload(content)})
        assert response.status_code == 400
    assert not CaseImport.objects.exists()


def test_a_manager_limited_to_a_departement_imports_only_its_service_points(
    client, network, setup, django_capture_on_commit_callbacks
):
    ServicePointFactory(external_id="FS-13-001", departement_id="13", postcode="13001")
    manager = RoleFactory(network_manager=True, departement_id="69").user
    client.force_login(manager)
    content = (
        f"{HEADER}\nR-1,logement,FS-69-001,2020-03-20,,\nR-2,logement,FS-13-001,2020-03-20,,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("cases:import", args=[network.slug]), {"file": upload(content)})
    job = CaseImport.objects.get()
    assert (job.created, job.rejected) == (1, 1)
    assert job.errors[0]["line"] == 3
    assert list(Case.objects.values_list("reference", flat=True)) == ["R-1"]


# The management command


def test_the_command_writes_nothing_without_wet_run_and_is_idempotent(network, setup, tmp_path):
    path = tmp_path / "dossiers.csv"
    path.write_text(good_and_bad_file(), encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_cases", "france-services", str(path), stdout=out, stderr=err)
    assert "dry run" in out.getvalue() and "3 created" in out.getvalue()
    assert "line 3: type de démarche" in err.getvalue()
    assert not Case.objects.exists() and not CaseImport.objects.exists()

    out = StringIO()
    call_command(
        "import_cases", "france-services", str(path), "--wet-run", stdout=out, stderr=StringIO()
    )
    assert "11 rows, 3 created, 0 updated, 0 already known, 8 rejected" in out.getvalue()
    assert Case.objects.count() == 3

    out, err = StringIO(), StringIO()
    call_command("import_cases", "france-services", str(path), "--wet-run", stdout=out, stderr=err)
    assert "0 created, 0 updated, 3 already known, 8 rejected" in out.getvalue()
    assert Case.objects.count() == 3
    assert "dossiers.csv" in err.getvalue()  # the progress bar and the rejected lines


def test_the_command_refuses_an_unknown_network_or_file(tmp_path):
    with pytest.raises(CommandError, match="unknown network"):
        call_command("import_cases", "nope", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_cases", "caf", str(tmp_path / "x.csv"))


def test_a_case_known_in_another_network_does_not_clash(network, setup):
    caf_point = ServicePointFactory(network=Network.objects.get(slug="caf"))
    CaseFactory(service_point=caf_point, reference="FS-1")
    job = run(network, f"{HEADER}\nFS-1,logement,FS-69-001,2020-03-20,,\n")
    assert job.created == 1
    assert Case.objects.filter(reference="FS-1").count() == 2


# Rows that cannot be read: each is rejected with its line, the rest loads


def many_rows(count: int, bad: dict[int, str]) -> str:
    """A file of `count` good rows where the rows at the given file lines are replaced."""
    lines = [HEADER]
    for line in range(2, count + 2):
        lines.append(bad.get(line, f"R-{line},logement,FS-69-001,2020-03-20,,"))
    return "\n".join(lines) + "\n"


def test_a_row_dated_year_one_is_rejected_with_its_line_and_the_rest_loads(
    client, network, setup, django_capture_on_commit_callbacks
):
    content = many_rows(300, {202: "R-202,logement,FS-69-001,0001-01-01,,"})
    client.force_login(RoleFactory(network_manager=True).user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cases:import", args=[network.slug]), {"file": upload(content)}
        )
    job = CaseImport.objects.get()
    assert job.status == CaseImport.Status.DONE
    assert (job.rows, job.processed, job.created, job.rejected) == (300, 300, 299, 1)
    assert job.errors[0]["line"] == 202 and job.errors[0]["reference"] == "R-202"
    assert "entre 1900 et 2100" in job.errors[0]["reason"]
    report = client.get(response["Location"]).content.decode()
    assert "<td>202</td>" in report
    assert "toutes les lignes ont été chargées" not in report


@pytest.mark.parametrize(
    "value",
    ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31T23:59", "31/12/9999 23:59"],
)
def test_a_date_outside_1900_to_2100_is_rejected_with_its_line(network, setup, value):
    job = run(network, many_rows(3, {3: f"R-3,logement,FS-69-001,{value},,"}))
    assert job.status == CaseImport.Status.DONE
    assert (job.created, job.rejected) == (2, 1)
    assert job.errors[0]["line"] == 3 and "entre 1900 et 2100" in job.errors[0]["reason"]


def test_fields_too_large_for_their_column_are_rejected_with_their_line(network, setup):
    huge = "9" * 10_000
    job = run(
        network,
        many_rows(
            6,
            {
                2: f"{'R' * 41},logement,FS-69-001,2020-03-20,,",
                3: f"R-3,{huge},FS-69-001,2020-03-20,,",
                4: f"R-4,logement,{huge},2020-03-20,,",
                5: f"R-5,logement,FS-69-001,{huge},,",
                6: f"R-6,logement,FS-69-001,2020-03-20,{huge},",
                7: f"R-7,logement,FS-69-001,2020-03-20,,{huge}",
            },
        ),
    )
    assert job.status == CaseImport.Status.DONE
    assert (job.created, job.rejected) == (0, 6)
    assert [error["line"] for error in job.errors] == [2, 3, 4, 5, 6, 7]
    # The report stays readable: a huge value is shortened in the reason and the reference.
    assert all(len(error["reason"]) < 300 for error in job.errors)
    assert all(len(error["reference"]) <= 41 for error in job.errors)


def test_a_row_in_another_encoding_is_rejected_with_its_line_and_the_rest_loads(
    client, network, setup, django_capture_on_commit_callbacks
):
    good = many_rows(3, {3: "É-3,logement,FS-69-001,2020-03-20,,"}).encode("utf-8")
    bad_line = "Ç-5,logement,FS-69-001,2020-03-20,,\n".encode("cp1252")
    client.force_login(RoleFactory(network_manager=True).user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("cases:import", args=[network.slug]),
            {"file": SimpleUploadedFile("d.csv", good + bad_line, content_type="text/csv")},
        )
    job = CaseImport.objects.get()
    assert (job.created, job.rejected) == (3, 1)
    assert Case.objects.filter(reference="É-3").exists()
    assert job.errors[0]["line"] == 5 and "encodage" in job.errors[0]["reason"]


def test_a_reimport_after_a_rejected_year_resumes_and_creates_nothing_twice(network, setup):
    content = many_rows(250, {202: "R-202,logement,FS-69-001,0001-01-01,,"})
    first = run(network, content)
    again = run(network, content)
    assert (first.created, first.rejected) == (249, 1)
    assert (again.status, again.created, again.updated, again.rejected) == ("done", 0, 0, 1)
    assert Case.objects.count() == 249
    fixed = run(network, content.replace("0001-01-01", "2020-03-20"))
    assert (fixed.created, fixed.rejected) == (1, 0) and Case.objects.count() == 250


def test_a_stopped_import_never_says_every_row_was_loaded(client, network, setup):
    job = CaseImport.objects.create(
        network=network,
        file_name="dossiers.csv",
        content=many_rows(3, {}),
        status=CaseImport.Status.FAILED,
        rows=300,
        processed=200,
        created=200,
    )
    client.force_login(RoleFactory(network_manager=True).user)
    report = client.get(reverse("cases:import_job", args=[network.slug, job.pk])).content.decode()
    assert "toutes les lignes ont été chargées" not in report
    assert "200 lignes sur 300 ont été lues avant l’arrêt" in report
