"""Run a line of Python in fresh interpreters: what it prints, once per run."""

from __future__ import annotations

import subprocess
import sys


def printed(code: str, runs: int = 2) -> set[str]:
    """The distinct outputs of ``code`` over ``runs`` new processes."""
    return {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(runs)
    }
