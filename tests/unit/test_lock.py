"""The pinned dependencies (requirements/) agree with pyproject.toml: `make lock` was run."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)$", re.M)


def pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / f"{name}.txt").read_text()
    return {canonicalize_name(package): version for package, version in PIN.findall(text)}


@pytest.mark.parametrize(
    "lock, wanted",
    [
        ("app", PROJECT["dependencies"]),
        ("test", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]),
    ],
)
def test_every_dependency_is_pinned_within_what_pyproject_allows(lock, wanted):
    """Rule: each pin file pins every dependency pyproject.toml names for it, at a version
    its specifier allows (else `make lock` was not run after editing pyproject.toml)."""
    locked = pins(lock)
    for line in wanted:
        requirement = Requirement(line)
        version = locked.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not in requirements/{lock}.txt"
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{requirement.name}=={version} in requirements/{lock}.txt breaks {line!r}"
        )


def test_the_tests_run_on_the_versions_the_app_runs_on():
    """Rule: every package the app pins has the same version in the test pins."""
    app, test = pins("app"), pins("test")
    assert {name: test.get(name) for name in app} == app
