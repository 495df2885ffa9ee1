"""`./dev` as a newcomer runs it, on a small stand-in project so that each install takes seconds, not a minute."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import ROOT

PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "dev-probe"
version = "0"

[project.optional-dependencies]
test = []

[tool.setuptools]
packages = ["bot"]
"""
REAL = Path(getattr(sys, "_base_executable", sys.executable)).resolve()  # a Python of 3.11 or later
VERSION = "{}.{}".format(*sys.version_info[:2])


@pytest.fixture
def checkout(tmp_path):
    """A folder with `./dev`, a project whose `python -m bot` says which Python runs it, and a PATH holding
    `python3.13` and `python3.11` as pyenv leaves versions that are not selected (shims that fail), `python3.12` (a
    real Python under that name) and `python3` (a Python 3.10, too old)."""
    project = tmp_path / "project"
    (project / "bot").mkdir(parents=True)
    (project / "dev").write_bytes((ROOT / "dev").read_bytes())
    (project / "dev").chmod(0o755)
    (project / "pyproject.toml").write_text(PYPROJECT)
    (project / "bot" / "__init__.py").write_text("")
    (project / "bot" / "__main__.py").write_text("import sys\nprint('bot', sys.argv[1:], sys.prefix)\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for shim in ("python3.13", "python3.11"):
        (bin_dir / shim).write_text(f"#!/bin/sh\necho 'pyenv: {shim}: command not found' >&2\nexit 127\n")
    (bin_dir / "python3").write_text(f"#!/bin/sh\n{old_python_stand_in()}\n")
    for fake in ("python3.13", "python3.11", "python3"):
        (bin_dir / fake).chmod(0o755)
    (bin_dir / "python3.12").symlink_to(REAL)
    return project, bin_dir


def old_python_stand_in() -> str:
    """A Python 3.10 as far as ./dev can tell: it answers -V as 3.10 does and fails the version check."""
    return 'case "$1" in -V) echo "Python 3.10.12";; *) exit 1;; esac'


def dev(project: Path, bin_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("VIRTUAL_ENV", "PYTHON", "SCR_"))}
    environment.update(PATH=f"{bin_dir}:/usr/bin:/bin", **env)
    return subprocess.run(["./dev", *args], cwd=project, env=environment, capture_output=True, text=True,
                          timeout=300)


def test_dev_picks_python_keeps_its_venv_and_reinstalls_only_when_pyproject_changes(checkout):
    project, bin_dir = checkout
    first = dev(project, bin_dir, "start", "--flag")
    assert first.returncode == 0, first.stderr
    assert first.stderr == (f"./dev: creating .venv on Python {VERSION} (python3.12) and installing the project "
                            "(about a minute)…\n")  # one line: the broken python3.13 was passed over, silently
    assert first.stdout.startswith(f"bot ['--flag'] {project / '.venv'}")

    again = dev(project, bin_dir, "start")
    assert again.stderr == f"./dev: .venv is ready (Python {VERSION}, pyproject.toml unchanged)\n"
    assert again.stdout.startswith("bot [] ")

    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write("# a new dependency would go here\n")
    changed = dev(project, bin_dir, "start")
    assert changed.stderr == f"./dev: pyproject.toml changed: installing the project into .venv again (Python {VERSION})…\n"
    assert dev(project, bin_dir, "start").stderr.endswith("pyproject.toml unchanged)\n")


def test_dev_rebuilds_a_venv_made_on_a_python_too_old_and_honours_scr_python(checkout):
    project, bin_dir = checkout
    (project / ".venv" / "bin").mkdir(parents=True)  # left by an earlier run on Ubuntu 22.04's Python 3.10
    (project / ".venv" / "bin" / "python").write_text(f"#!/bin/sh\n{old_python_stand_in()}\n")
    (project / ".venv" / "bin" / "python").chmod(0o755)

    rebuilt = dev(project, bin_dir, "start", SCR_PYTHON=str(REAL))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stderr == (f"./dev: rebuilding .venv on Python {VERSION} ({REAL}) in place of Python 3.10.12, "
                              "and installing the project (about a minute)…\n")
    assert rebuilt.stdout.startswith("bot [] ")

    refused = dev(project, bin_dir, "start", SCR_PYTHON=str(bin_dir / "python3"))
    assert refused.returncode == 1 and refused.stdout == ""
    assert "SCR_PYTHON=" in refused.stderr and "not a Python of 3.11 or later" in refused.stderr


def test_dev_says_how_to_get_a_python_when_none_will_do(checkout):
    project, bin_dir = checkout
    (bin_dir / "python3.12").unlink()
    result = dev(project, bin_dir, "test")
    assert result.returncode == 1
    assert "needs Python 3.11 or later" in result.stderr and "SCR_PYTHON" in result.stderr
    assert not (project / ".venv").exists()
