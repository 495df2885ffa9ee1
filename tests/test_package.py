"""The package as a user installs it: a wheel in a fresh virtual environment, `scr` run from `/`."""

import subprocess
import sys
import tomllib
import zipfile

from packaging.requirements import Requirement

from tests.processes import ROOT, process_env


def _pins() -> dict[str, str]:
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    return {Requirement(line).name.lower().replace("_", "-"): line
            for line in lines if line and not line.startswith("#") and line != "."}


def test_the_lock_heroku_reads_pins_every_dependency_and_installs_the_package_itself():
    requirements = (ROOT / "requirements.txt").read_text().splitlines()
    assert "." in requirements and "-e ." not in requirements  # installed as a wheel would be, not linked
    pins = _pins()
    for dependency in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]:
        wanted = Requirement(dependency)
        pinned = Requirement(pins[wanted.name.lower().replace("_", "-")])
        version = next(iter(pinned.specifier)).version
        assert wanted.specifier.contains(version), f"{pinned} does not satisfy {wanted}"
    assert tuple(map(int, (ROOT / ".python-version").read_text().split("."))) >= (3, 11)


def test_the_wheel_installs_in_a_fresh_venv_and_scr_works_from_the_root_folder(tmp_path):
    source = tmp_path / "source"  # the tracked files only, as a clean clone has them
    source.mkdir()
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path / "dist"),
                    str(source)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("scr_bot-*.whl"))
    assert "scr/migrations/versions/0001_records.py" in zipfile.ZipFile(wheel).namelist()

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                    str(wheel), *_pins().values()], check=True, capture_output=True)

    home = tmp_path / "home"
    env = {**process_env(HOME=str(home)), "PATH": "/usr/bin:/bin"}
    env = {key: value for key, value in env.items() if not key.startswith(("XDG_", "VIRTUAL_ENV", "PYTHON"))}

    def scr(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(venv / "bin" / "scr"), *args], cwd="/", env=env, capture_output=True, text=True,
                              timeout=120)

    database = home / ".local" / "share" / "scr-bot" / "scr.db"
    version = scr("--version")
    assert version.returncode == 0 and str(database) in version.stdout
    migrated = scr("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert f"created a new database at {database}" in migrated.stderr
    created = scr("new", "SCR-W", "initiated=2026-01-05", "title=Child W")
    assert (created.returncode, created.stderr) == (0, ""), created.stderr
    status = scr("status")
    assert status.returncode == 0 and "SCR-W Child W" in status.stdout, status.stderr
    assert "Traceback" not in migrated.stderr + created.stderr + status.stderr
    assert database.is_file() and not (tmp_path / "scr.db").exists()
