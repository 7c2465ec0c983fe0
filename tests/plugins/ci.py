"""With ``CI=true`` no test may skip: a skip, whatever raised it (a missing service,
a ``skipif``, an ``importorskip``), is reported as a failure with its reason, so a
green CI run means every test ran. Locally skips stay skips, with the reason
printed by ``-ra``."""

from __future__ import annotations

import os
import typing as t

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> t.Generator[None, t.Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else ""
        reason = reason.removeprefix("Skipped: ")
        report.outcome = "failed"
        report.longrepr = f"CI=true but the test was skipped: {reason}"
