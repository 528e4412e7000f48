"""Known vulnerabilities in the pinned dependencies (requirements/lock.txt), without the network.

`pip-audit -r requirements/lock.txt --no-deps --disable-pip` asks PyPI's or OSV's service for
each pin; where neither is reachable (the build machines reach PyPI's package index only), and so
that `make lint` never depends on a slow network, this reads a snapshot of the PyPA advisory
database (https://github.com/pypa/advisory-database, the data behind PyPI's answers) committed
in requirements/advisories.json:

    python -m continuite.core.lockaudit requirements/lock.txt        # exit 1 on a vulnerable pin
    python -m continuite.core.lockaudit --refresh PATH/TO/advisory-database   # new snapshot

Advisories of a package not in the lock are kept in the snapshot, so a new dependency is
checked too. The snapshot is as recent as its "date": refresh it with each lock update.
"""

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

SNAPSHOT = Path(__file__).resolve().parents[2] / "requirements" / "advisories.json"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;#]+)")


def canonical(name: str) -> str:
    """PEP 503 name: "Django", "django_csp" and "django.csp" are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(lock_text: str) -> dict[str, str]:
    """{package: version} of every `name==version` line of a pip-compile lock."""
    pins = {}
    for line in lock_text.splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[canonical(match.group(1))] = match.group(2)
    return pins


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...]
    fixed_in: tuple[str, ...]

    def __str__(self) -> str:
        known_as = f" ({', '.join(self.aliases)})" if self.aliases else ""
        fix = f"; fixed in {', '.join(self.fixed_in)}" if self.fixed_in else "; no fix listed"
        return f"{self.package}=={self.version}: {self.advisory}{known_as}{fix}"


def _affected(version: Version, advisory: dict) -> bool:
    if str(version) in advisory.get("versions", ()):
        return True
    for introduced, fixed, last_affected in advisory["ranges"]:
        if version < Version(introduced):
            continue
        if fixed is not None and version >= Version(fixed):
            continue
        if last_affected is not None and version > Version(last_affected):
            continue
        return True
    return False


def audit(pins: dict[str, str], advisories: list[dict]) -> list[Finding]:
    """Every (pin, advisory) where the pinned version is affected, by package then advisory."""
    findings = []
    for advisory in advisories:
        version_text = pins.get(advisory["package"])
        if version_text is None:
            continue
        try:
            version = Version(version_text)
        except InvalidVersion:
            continue
        if _affected(version, advisory):
            fixed = tuple(f for _, f, _ in advisory["ranges"] if f is not None)
            findings.append(
                Finding(
                    advisory["package"],
                    version_text,
                    advisory["id"],
                    tuple(advisory.get("aliases", ())),
                    fixed,
                )
            )
    return sorted(findings, key=lambda f: (f.package, f.advisory))


def load_snapshot(path: Path = SNAPSHOT) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _ranges(events: list[dict]) -> list[list[str | None]]:
    """OSV events (introduced, fixed, last_affected, in order) as [introduced, fixed, last]."""
    ranges: list[list[str | None]] = []
    for event in events:
        if "introduced" in event:
            ranges.append([event["introduced"], None, None])
        elif ranges and "fixed" in event:
            ranges[-1][1] = event["fixed"]
        elif ranges and "last_affected" in event:
            ranges[-1][2] = event["last_affected"]
    return ranges


def snapshot_from_database(root: Path) -> list[dict]:
    """The PyPI advisories of a pypa/advisory-database checkout, compacted (withdrawn ones left)."""
    import yaml  # only to refresh the snapshot

    advisories = []
    for path in sorted((root / "vulns").glob("*/*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        if record.get("withdrawn"):
            continue
        for affected in record.get("affected", ()):
            package = affected.get("package", {})
            if package.get("ecosystem") != "PyPI":
                continue
            ranges = [
                r
                for rng in affected.get("ranges", ())
                if rng.get("type") == "ECOSYSTEM"
                for r in _ranges(rng.get("events", ()))
            ]
            entry = {
                "id": record["id"],
                "aliases": sorted(record.get("aliases") or ()),
                "package": canonical(package["name"]),
                "ranges": ranges,
            }
            if not ranges:  # only a list of versions
                entry["versions"] = [str(v) for v in affected.get("versions", ())]
            advisories.append(entry)
    return advisories


def write_snapshot(advisories: list[dict], *, source: str, path: Path = SNAPSHOT) -> None:
    # One advisory per line: a refresh reads as a short diff.
    lines = ",\n".join(json.dumps(a, ensure_ascii=False, sort_keys=True) for a in advisories)
    header = json.dumps({"source": source}, ensure_ascii=False)[:-1]
    path.write_text(f'{header}, "advisories": [\n{lines}\n]}}\n', encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", nargs="?", default="requirements/lock.txt")
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--refresh", type=Path, metavar="ADVISORY_DATABASE_CHECKOUT")
    parser.add_argument("--source", default="", help="with --refresh: the commit and its date")
    args = parser.parse_args(argv)
    if args.refresh:
        advisories = snapshot_from_database(args.refresh)
        write_snapshot(advisories, source=args.source, path=args.snapshot)
        print(f"{len(advisories)} advisories written to {args.snapshot}")
        return 0
    snapshot = load_snapshot(args.snapshot)
    pins = read_pins(Path(args.lock).read_text(encoding="utf-8"))
    findings = audit(pins, snapshot["advisories"])
    for finding in findings:
        print(finding)
    print(
        f"{len(pins)} pins checked against {len(snapshot['advisories'])} advisories "
        f"({snapshot['source']}): {len(findings)} known vulnerabilities",
        file=sys.stderr,
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
