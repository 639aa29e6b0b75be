"""``ccai validate`` in other people's CI: the pre-commit hooks and the composite action.

Both are run the way their users run them, from a copy of this project committed
to a throwaway git repository (the hooks' ``repo``, the action's checkout):

* ``pre-commit try-repo <copy> ccai-validate`` in a sample repository of a
  museum's records: pre-commit creates its virtual environment and pip-installs
  the copy (a real wheel build and install). The dependencies are borrowed from
  the test environment (``PYTHONPATH`` names its site-packages, pip runs with
  ``--no-index`` and without build isolation), so nothing is downloaded;
* ``action.yml``: its steps are executed by a small runner below, with
  GitHub's conventions (``bash -eo pipefail``, ``$GITHUB_ACTION_PATH``,
  ``$GITHUB_OUTPUT``, ``${{ inputs.* }}`` from the step's ``with:``);
  ``actions/setup-python`` is played by a fresh virtual environment put first on
  ``PATH``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from .conftest import MUSEUM, NEMO, PREFIXES

REPO = Path(__file__).resolve().parents[2]
TYPO = NEMO + "-collectionz"
PROJECT_FILES = (
    "pyproject.toml",
    "README.md",
    ".pre-commit-hooks.yaml",
    "action.yml",
    "api",
    "ontology",
    "shapes",
    "graph",
    "queries",
)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
pytestmark = [
    pytest.mark.slow,  # pip builds and installs the package (about 30 s of CPU in all)
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.update(GIT_ENV)
    env.update(extra)
    return env


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=_env(), check=True, capture_output=True)


def _borrowed_dependencies() -> str:
    paths = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    return os.pathsep.join(paths)


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's package files, committed to a new git repository."""
    copy = tmp_path_factory.mktemp("ccai-kg") / "ccai-kg"
    copy.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_data")
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=ignore)
        else:
            shutil.copy2(source, copy / name)
    _git(copy, "init", "-q")
    _git(copy, "add", "-A")
    _git(copy, "commit", "-q", "-m", "ccai-kg")
    return copy


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """A museum's repository: conforming records and a README (not RDF)."""
    repo = tmp_path / "museum-records"
    (repo / "records").mkdir(parents=True)
    (repo / "records" / "museum.ttl").write_text(MUSEUM, encoding="utf-8")
    (repo / "README.md").write_text("# Our records\n", encoding="utf-8")
    (repo / "package.json").write_text('{"name": "not-json-ld"}\n', encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    return repo


def _add_typo(repo: Path) -> Path:
    path = repo / "records" / "2025" / "shop.ttl"
    path.parent.mkdir()
    path.write_text(
        PREFIXES + f"\n<https://data.example-museum.nl/id/shop> ccai:memberOf <{TYPO}> .\n",
        encoding="utf-8",
    )
    _git(repo, "add", "-A")
    return path


# --- pre-commit -----------------------------------------------------------------------


def _try_repo(repo: Path, hooks: Path, hook: str, home: Path, **env: str):
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), hook, "--all-files"],
        cwd=repo,
        env=_env(PRE_COMMIT_HOME=str(home), **env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_pre_commit_hook_installs_and_validates(
    records: Path, project_copy: Path, tmp_path: Path
) -> None:
    """try-repo installs the hook's environment (virtualenv, pip install of the copy)."""
    here = str(Path(sys.executable).parent)
    offline = {
        "PYTHONPATH": _borrowed_dependencies(),
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",  # pip's inverted switch: build without isolation
        # no ccai on PATH: the hook can only run the copy pre-commit installs
        "PATH": os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != here),
    }
    shop = _add_typo(records)
    done = _try_repo(records, project_copy, "ccai-validate", tmp_path / "pc", **offline)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"ccai validate \(linkset\)\.+Failed", done.stdout)
    assert "1 violation(s)" in done.stdout  # the museum's own file conforms
    assert TYPO in done.stdout and f"did you mean <{NEMO}>?" in done.stdout
    assert f"at {shop.relative_to(records)}:" in done.stdout
    assert "package.json" not in done.stdout and "README" not in done.stdout  # not RDF


def test_pre_commit_system_hook_passes_then_fails_on_unusable_input(
    records: Path, project_copy: Path, tmp_path: Path
) -> None:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = _try_repo(records, project_copy, "ccai-validate-system", tmp_path / "pc", PATH=path)
    assert done.returncode == 0, done.stdout + done.stderr
    (records / "records" / "empty.ttl").write_text("", encoding="utf-8")
    _git(records, "add", "-A")
    done = _try_repo(records, project_copy, "ccai-validate-system", tmp_path / "pc", PATH=path)
    assert done.returncode == 1  # pre-commit fails the hook on exit 2 as well
    assert "records/empty.ttl: no RDF triples" in done.stdout
    assert "Traceback" not in done.stdout


# --- the composite action -------------------------------------------------------------


class ActionRunner:
    """Runs the ``run:`` steps of ``action.yml`` as GitHub's runner would."""

    def __init__(self, action_path: Path, work: Path) -> None:
        self.action = yaml.safe_load((action_path / "action.yml").read_text(encoding="utf-8"))
        self.action_path = action_path
        self.work = work
        self.path = os.environ.get("PATH", "")

    def setup_python(self) -> None:
        """What ``actions/setup-python`` does: a Python with pip first on PATH."""
        venv = self.work / "python"
        # pip itself comes with the borrowed site-packages (no ensurepip: seconds saved)
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300
        )
        purelib = subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        # the dependencies, borrowed (a path line only: no .pth of that folder runs)
        Path(purelib, "_borrowed.pth").write_text(
            "\n".join(_borrowed_dependencies().split(os.pathsep)) + "\n", encoding="utf-8"
        )
        self.path = f"{venv / 'bin'}{os.pathsep}{self.path}"

    def run_step(self, step: dict, inputs: dict[str, str], cwd: Path) -> tuple[int, str, dict]:
        """Run one ``run:`` step; returns (exit code, stdout + stderr, its outputs)."""
        values = {k: str(v.get("default", "")) for k, v in self.action["inputs"].items()}
        values.update(inputs)

        def expand(text: str) -> str:
            return re.sub(
                r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m.group(1)], str(text)
            )

        output = cwd / f".github-output-{step.get('id', 'step')}"
        output.write_text("", encoding="utf-8")
        env = _env(
            PATH=self.path,
            GITHUB_ACTION_PATH=str(self.action_path),
            GITHUB_OUTPUT=str(output),
            PIP_NO_INDEX="1",  # offline: only the action's package is installed
            PIP_NO_BUILD_ISOLATION="0",
        )
        env.update({k: expand(v) for k, v in (step.get("env") or {}).items()})
        script = cwd / ".step.sh"
        script.write_text(expand(step["run"]), encoding="utf-8")
        assert step["shell"] == "bash"
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        outputs = dict(
            line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines() if line
        )
        return done.returncode, done.stdout + done.stderr, outputs


@pytest.fixture(scope="module")
def action(project_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> ActionRunner:
    """The action's first steps done once: setup-python, then its own install step."""
    runner = ActionRunner(project_copy, tmp_path_factory.mktemp("action"))
    steps = runner.action["runs"]["steps"]
    assert runner.action["runs"]["using"] == "composite"
    assert steps[0]["uses"].startswith("actions/setup-python@")
    runner.setup_python()
    code, log, _outputs = runner.run_step(steps[1], {}, runner.work)
    assert code == 0, log
    assert log.startswith("ccai ")
    return runner


def _validate_step(runner: ActionRunner) -> dict:
    [step] = [s for s in runner.action["runs"]["steps"] if s.get("id") == "validate"]
    return step


def test_action_passes_on_conforming_records(action: ActionRunner, records: Path) -> None:
    code, log, outputs = action.run_step(_validate_step(action), {"paths": "records"}, records)
    assert code == 0, log
    assert outputs == {"exit-code": "0"}
    assert "Conforms: yes" in log and "::error" not in log
    suite = ET.parse(records / "ccai-validate.xml").getroot()  # noqa: S314 - our own report
    assert suite.get("failures") == "0"


def test_action_annotates_file_and_line_and_fails(action: ActionRunner, records: Path) -> None:
    shop = _add_typo(records)
    inputs = {
        "paths": "records/museum.ttl\nrecords/**/*.ttl",
        "junit": "out.xml",
    }
    code, log, outputs = action.run_step(_validate_step(action), inputs, records)
    assert code == 1, log
    assert outputs["exit-code"] == "1"
    relative = shop.relative_to(records)
    annotation = next(line for line in log.splitlines() if line.startswith("::error "))
    assert annotation.startswith(
        f"::error file={relative},line=7,title=ccai validate (Violation)::"
    )
    assert TYPO in annotation and f"Did you mean {NEMO}?" in annotation
    suite = ET.parse(records / "out.xml").getroot()  # noqa: S314 - our own report
    assert suite.get("failures") == "1"


def test_action_fails_on_unusable_input(action: ActionRunner, records: Path) -> None:
    code, log, outputs = action.run_step(_validate_step(action), {"paths": "README.md"}, records)
    assert code == 2
    assert outputs["exit-code"] == "2"
    assert "README.md: unknown RDF file type '.md'" in log and "Traceback" not in log
    assert not (records / "ccai-validate.xml").exists()
