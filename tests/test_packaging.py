"""The wheel ships everything a shop needs: build it, install it in a fresh virtual
environment, and render pages from outside the repository."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from .test_readme_example import RUN_SHOP
from .test_readme_example import write_shop

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# What a source checkout needs to build the wheel (tests and the demo are not in it).
SOURCE_DIRS = ("flask_loyalty", "templates")
SOURCE_FILES = ("setup.cfg", "pyproject.toml", "setup.py", "MANIFEST.in")
SOURCE_GLOBS = ("README*", "LICENSE*", "CHANGES*")

EXPECTED_IN_WHEEL = (
    "flask_loyalty/__init__.py",
    "flask_loyalty/py.typed",
    "flask_loyalty/static/loyalty.css",
    "flask_loyalty/static/loyalty-owner.css",
    "flask_loyalty/outbox/service.py",
    "flask_loyalty/migrations/env.py",
    "flask_loyalty/migrations/script.py.mako",
    "flask_loyalty/templates/__init__.py",
    "flask_loyalty/templates/loyalty/layout.html",
    "flask_loyalty/templates/loyalty/customers/sign_in.html",
    "flask_loyalty/templates/loyalty/email/sign_in_link.txt",
    "flask_loyalty/templates/loyalty/owner/dashboard.html",
    "flask_loyalty/translations/el/LC_MESSAGES/flask_loyalty.mo",
    "flask_loyalty/translations/et/LC_MESSAGES/flask_loyalty.mo",
    "flask_loyalty/translations/hu/LC_MESSAGES/flask_loyalty.mo",
    "flask_loyalty/translations/tl/LC_MESSAGES/flask_loyalty.mo",
)

SCRIPT = r"""
import json
import sys
from decimal import Decimal
from pathlib import Path

import flask_loyalty
from flask import Flask, template_rendered
from flask_sqlalchemy import SQLAlchemy
from flask_loyalty import Loyalty, migrations

app = Flask("craftshop", instance_path=str(Path.cwd() / "instance"))
app.config.update(
    SECRET_KEY="packaging test",
    SQLALCHEMY_DATABASE_URI="sqlite:///" + str(Path.cwd() / "shop.db"),
    MAIL_DEFAULT_SENDER="shop@example.com",
    LOYALTY_MAIL_DELIVERY="hold",
    LOYALTY_LANGUAGES=("en", "el", "tl"),
)
db = SQLAlchemy(app)
loyalty = Loyalty(app, db=db)


@loyalty.owner_check
def is_owner():
    return True


templates = []
template_rendered.connect(
    lambda sender, template, context, **extra: templates.append(template.filename),
    app,
    weak=False,
)

with app.app_context():
    migrations.upgrade(db.engine)
    revision = migrations.current_revision(db.engine)
    loyalty.record_order(
        "W-1", email="anna@example.com", name="Anna", total=Decimal("42.00")
    )

client = app.test_client()
pages = {}
for url in ("/loyalty/owner/", "/loyalty/"):
    response = client.get(url)
    html = response.get_data(as_text=True)
    pages[url] = {"status": response.status_code, "html": html}
for language in ("el", "tl"):
    response = client.get("/loyalty/", headers={"Accept-Language": language})
    pages[language] = {
        "status": response.status_code,
        "html": response.get_data(as_text=True),
    }

print(json.dumps({
    "module": flask_loyalty.__file__,
    "templates": templates,
    "revision": revision,
    "pages": pages,
}))
"""


def copy_source(destination: Path) -> Path:
    """Copy what the build needs to ``destination``, so the build leaves the
    checkout untouched (no build/ or egg-info written into it)."""
    destination.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, destination / name, ignore=ignore)
    for name in SOURCE_FILES:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, destination / name)
    for pattern in SOURCE_GLOBS:
        for path in ROOT.glob(pattern):
            shutil.copy2(path, destination / path.name)
    return destination


def run(args: list[str | Path], cwd: Path, timeout: float) -> str:
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} failed ({result.returncode}):\n"
        f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result.stdout


def lock_constraints(directory: Path) -> list[str]:
    """``-c`` with the lock's versions when ``make test`` runs the suite
    (``LOYALTY_TEST_LOCK``), so the wheel's dependencies are those CI pinned; none
    under ``make test-latest``, which installs what a user's pip would. pip takes
    no hashes in a constraints file, so only the ``name==version`` pins go in."""
    lock = os.environ.get("LOYALTY_TEST_LOCK")
    if not lock:
        return []
    pins = [
        line.split()[0]
        for line in (ROOT / lock).read_text().splitlines()
        if re.match(r"[A-Za-z0-9]", line)
    ]
    constraints = directory / "constraints.txt"
    constraints.write_text("\n".join(pins) + "\n")
    return ["-c", str(constraints)]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    source = copy_source(base / "source")
    run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            base / "dist",
            source,
        ],
        cwd=base,
        timeout=300,
    )
    [built] = (base / "dist").glob("flask_loyalty-*.whl")
    return built


def test_wheel_contains_code_templates_migrations_and_types(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = [name for name in EXPECTED_IN_WHEEL if name not in names]
    assert not missing, f"missing from {wheel.name}: {missing}"
    migrations = [
        n
        for n in names
        if n.startswith("flask_loyalty/migrations/versions/0001_") and n.endswith(".py")
    ]
    assert len(migrations) == 1
    # Every Python package of the source tree is in the wheel.
    packages = {
        str(p.parent.relative_to(ROOT)) + "/__init__.py"
        for p in (ROOT / "flask_loyalty").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert not packages - names, f"packages left out: {sorted(packages - names)}"
    assert not any(n.startswith(("tests/", "example_shop/")) for n in names)


def test_installed_wheel_renders_pages_from_a_fresh_venv(
    wheel: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv], cwd=tmp_path, timeout=120)
    python = venv / "bin" / "python"
    started = time.monotonic()
    run(
        [python, "-m", "pip", "install", "--quiet", wheel, *lock_constraints(tmp_path)],
        cwd=tmp_path,
        timeout=600,
    )
    install_seconds = time.monotonic() - started
    with capsys.disabled():
        print(f"\n[packaging] wheel + dependencies installed in {install_seconds:.1f}s")

    work = tmp_path / "shop"
    work.mkdir()
    (work / "check.py").write_text(SCRIPT)
    output = run([python, "check.py"], cwd=work, timeout=120)
    report = json.loads(output.strip().splitlines()[-1])

    site = venv.resolve()
    module = Path(report["module"]).resolve()
    assert module.is_relative_to(site), module
    assert not module.is_relative_to(ROOT)
    assert report["templates"], "no template was rendered"
    for template in report["templates"]:
        path = Path(template).resolve()
        assert path.is_relative_to(site / "lib"), path
        assert "/flask_loyalty/templates/loyalty/" in str(path)
    assert report["revision"], "migrations did not run"

    owner = report["pages"]["/loyalty/owner/"]
    assert owner["status"] == 200, owner["html"][:2000]
    assert "craftshop" in owner["html"]
    account = report["pages"]["/loyalty/"]
    assert account["status"] == 200, account["html"][:2000]
    assert 'name="email"' in account["html"]
    assert 'name="csrf_token"' in account["html"]
    # The compiled catalogs came with the wheel: pages render translated.
    greek = report["pages"]["el"]
    assert greek["status"] == 200, greek["html"][:2000]
    assert '<html lang="el">' in greek["html"]
    assert "<h1>Ο λογαριασμός σας</h1>" in greek["html"]
    assert "<h1>Ang inyong account</h1>" in report["pages"]["tl"]["html"]

    # The README's example with nothing but what the wheel brought: its imports,
    # its `flask --app yourshop loyalty db upgrade`, a checkout, a page.
    readme = tmp_path / "readme"
    readme.mkdir()
    for command in write_shop(readme):
        run([python, "-m", *command], cwd=readme, timeout=120)
    shop = json.loads(
        run([python, "-c", RUN_SHOP], cwd=readme, timeout=120).splitlines()[-1]
    )
    assert shop["status"] == 200, shop["html"][:2000]
    assert shop["order"] == 6790
    assert shop["html"].startswith('<!doctype html><html lang="en">')  # its layout
    assert "Find my order" in shop["html"]
