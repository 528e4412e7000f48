"""The offline audit of requirements/lock.txt against the committed PyPA advisory snapshot."""

from pathlib import Path

from continuite.core import lockaudit

LOCK = Path(lockaudit.SNAPSHOT).parent / "lock.txt"


def test_the_current_lock_has_no_known_vulnerable_pin():
    pins = lockaudit.read_pins(LOCK.read_text())
    assert pins["django"] and pins["django-csp"] and len(pins) > 50
    assert lockaudit.audit(pins, lockaudit.load_snapshot()["advisories"]) == []


def test_a_known_vulnerable_pin_fails_the_check(tmp_path, capsys):
    lock = tmp_path / "lock.txt"
    lock.write_text("Django==4.2.0\n    # via continuite (pyproject.toml)\nqrcode==8.2\n")
    assert lockaudit.main([str(lock)]) == 1
    report = capsys.readouterr().out
    # Django 4.2.1 fixed a file-upload validation bypass (CVE-2023-31047).
    assert "django==4.2.0: PYSEC-2023-61 (CVE-2023-31047" in report
    assert "qrcode" not in report


def test_the_fixed_version_and_versions_before_the_range_are_not_reported():
    advisory = {"id": "X-1", "package": "django", "ranges": [["4.2", "4.2.1", None]]}
    found = lambda version: lockaudit.audit({"django": version}, [advisory])  # noqa: E731
    assert [f.advisory for f in found("4.2")] == ["X-1"]
    assert found("4.2.1") == [] and found("4.1.9") == [] and found("5.0") == []


def test_last_affected_and_listed_versions_count_too():
    ranges = {"id": "X-2", "package": "pkg", "ranges": [["0", None, "1.4"]]}
    listed = {"id": "X-3", "package": "pkg", "ranges": [], "versions": ["2.0.1"]}
    assert [f.advisory for f in lockaudit.audit({"pkg": "1.4"}, [ranges, listed])] == ["X-2"]
    assert lockaudit.audit({"pkg": "1.5"}, [ranges, listed]) == []
    assert [f.advisory for f in lockaudit.audit({"pkg": "2.0.1"}, [ranges, listed])] == ["X-3"]


def test_pins_are_read_by_their_canonical_name_with_extras_and_markers():
    pins = lockaudit.read_pins(
        "Django_CSP==4.0\ncelery[redis]==5.5.3\nfoo==1.0 ; python_version < '3.12'\n# bar==1\n"
    )
    assert pins == {"django-csp": "4.0", "celery": "5.5.3", "foo": "1.0"}
