"""The committed lock (requirements/dev.txt, what CI and ``make test`` install) is
made from setup.cfg's ranges: every dependency setup.cfg names is pinned there at
a version its range allows, and every pin carries hashes. A range changed in
setup.cfg without ``make lock`` fails here, not on a user's machine."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "dev.txt"
EXTRAS = ("dev", "postgres", "redis")


def declared() -> list[Requirement]:
    """install_requires and the extras the lock is made with, from setup.cfg."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options"]["install_requires"].splitlines()
    for extra in EXTRAS:
        lines += config["options.extras_require"][extra].splitlines()
    return [Requirement(line) for line in lines if line.strip()]


def pinned() -> dict[str, tuple[str, list[str]]]:
    """The lock's pins: name -> (version, hashes)."""
    pins: dict[str, tuple[str, list[str]]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text()):
        match = re.match(r"([A-Za-z0-9._-]+)==(\S+)", entry)
        if match:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", entry)
            pins[canonicalize_name(match[1])] = (match[2], hashes)
    return pins


def test_every_dependency_of_setup_cfg_is_pinned_within_its_range() -> None:
    pins = pinned()
    wrong = []
    for requirement in declared():
        if requirement.marker and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        if name not in pins:
            wrong.append(f"{requirement} is not in the lock")
        elif not requirement.specifier.contains(pins[name][0], prereleases=True):
            wrong.append(f"{requirement} but the lock has {pins[name][0]}")
    assert wrong == [], "run `make lock`: " + "; ".join(wrong)


def test_every_pin_is_exact_and_hashed() -> None:
    pins = pinned()
    assert len(pins) > 30  # the whole tree, not only what setup.cfg names
    assert [name for name, (_, hashes) in pins.items() if not hashes] == []
    requirement_lines = [
        line for line in LOCK.read_text().splitlines() if re.match(r"[A-Za-z0-9]", line)
    ]
    assert len(requirement_lines) == len(pins)  # nothing unpinned or repeated
