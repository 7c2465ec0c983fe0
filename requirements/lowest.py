"""Print a pip constraints file that pins every direct dependency in setup.cfg
(install_requires and the dev, postgres and redis extras) at the lowest version
its range allows: what ``make test-lowest`` installs to prove the lower bounds."""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options"]["install_requires"].splitlines()
    for extra in ("dev", "postgres", "redis"):
        lines += config["options.extras_require"][extra].splitlines()
    pins = {}
    for line in filter(str.strip, lines):
        requirement = Requirement(line)
        lowest = [
            spec.version
            for spec in requirement.specifier
            if spec.operator in (">=", "==", "~=")
        ]
        if lowest:
            pins[requirement.name] = f"{requirement.name}=={lowest[0]}"
        else:
            print(f"# {requirement.name}: no lower bound", file=sys.stderr)
    print("\n".join(sorted(pins.values())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
