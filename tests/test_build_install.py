"""A non-editable install (a wheel) carries the ontology and the shapes it validates with.

The wheel is built with ``pip wheel --no-deps .`` and installed with
``--no-deps`` into a fresh virtual environment. The dependencies are borrowed
from the test environment through a ``.pth`` line naming its site-packages
(a path line only: that folder's own ``.pth`` files, among them the editable
install of this checkout, are not processed), so nothing is downloaded but the
build backend (hatchling; pip's build isolation fetches it from the package
index unless it is installed already, in which case it is used offline).
"""

from __future__ import annotations

import importlib.util
import json
import os
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _pip(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        check=False,
    )


@pytest.fixture(scope="module")
def installed_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel-install")
    wheels = root / "wheels"
    build_options = (
        [] if importlib.util.find_spec("hatchling") is None else ["--no-build-isolation"]
    )
    built = _pip("wheel", "--no-deps", *build_options, "-w", str(wheels), str(REPO))
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("ccai_kg-*.whl")

    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    dependencies.update(p for p in site.getsitepackages() if "site-packages" in p)
    Path(purelib, "_ccai_test_dependencies.pth").write_text(
        "".join(f"{p}\n" for p in sorted(dependencies)), encoding="utf-8"
    )
    installed = _pip("--python", str(python), "install", "--no-deps", "--no-index", str(wheel))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return venv


def _run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
        check=False,
    )


@pytest.mark.slow
def test_wheel_uses_its_packaged_data(installed_venv: Path, tmp_path: Path) -> None:
    probe = _run(
        installed_venv,
        "python",
        "-c",
        "import json, api, api.resources as r; "
        "print(json.dumps([api.__file__, str(r.data_root()), str(r.shapes_dir())]))",
        cwd=tmp_path,
    )
    assert probe.returncode == 0, probe.stderr
    package_file, data_root, shapes = json.loads(probe.stdout)
    assert Path(package_file).is_relative_to(installed_venv)
    assert Path(data_root) == Path(package_file).parent / "_data"
    assert any(Path(shapes).glob("*.ttl"))


@pytest.mark.slow
def test_installed_ccai_validates_from_another_directory(
    installed_venv: Path, tmp_path: Path, input_dir: Path, fixture_graph_dir: Path
) -> None:
    ok = _run(installed_venv, "ccai", "validate", str(fixture_graph_dir), cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("Conforms: yes")

    bad = _run(
        installed_venv,
        "ccai",
        "validate",
        str(fixture_graph_dir),
        str(input_dir / "nonconforming"),
        cwd=tmp_path,
    )
    assert bad.returncode == 1
    assert "post:nobody-demo-museum-network" in bad.stdout

    version = _run(installed_venv, "ccai", "--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("ccai ")
