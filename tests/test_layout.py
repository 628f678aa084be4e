"""The layers of the project: imports point down (ogi <- expectations <- assets <- orchestration)."""

from __future__ import annotations

import ast
import tomllib

import pytest

from tests.conftest import ROOT

PACKAGES = ("ogi", "expectations", "assets", "orchestration")
# What each layer may import of the project: only layers below it.
ALLOWED = {
    "ogi": {"ogi"},
    "expectations": {"ogi", "expectations"},
    "assets": {"ogi", "expectations", "assets"},
    "orchestration": {"ogi", "expectations", "assets", "orchestration"},
}


def _imports(path) -> set[str]:
    """Top-level names of every module imported anywhere in a file, lazy imports included."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_down(package):
    wrong = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = (_imports(path) & {*PACKAGES, "tests", "benchmarks"}) - ALLOWED[package]
        if bad:
            wrong[str(path.relative_to(ROOT))] = sorted(bad)
    assert not wrong, f"{package} imports a layer above it: {wrong}"


def test_the_library_has_no_dagster_and_no_private_cpython_modules():
    for path in sorted((ROOT / "ogi").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert "dagster" not in _imports(path), path
        assert "re._parser" not in source and "sre_parse" not in source, path


def test_only_the_four_packages_are_installed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert sorted(config["tool"]["setuptools"]["packages"]["find"]["include"]) == sorted(f"{p}*" for p in PACKAGES)
    assert not (ROOT / "benchmarks" / "__init__.py").exists()


def test_every_module_says_what_it_does():
    missing = [str(p.relative_to(ROOT)) for package in PACKAGES for p in (ROOT / package).rglob("*.py")
               if not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))]
    assert not missing, f"modules without an opening docstring: {missing}"


def test_the_readme_layout_names_every_module_and_nothing_else():
    import re
    import subprocess

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Layout", 1)[1].split("```", 2)[1]
    named = set(re.findall(r"[\w]+\.(?:py|yaml)", block))
    tracked = subprocess.run(["git", "ls-files", *PACKAGES, "benchmarks"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    modules = {p.rsplit("/", 1)[-1] for p in tracked if p.endswith((".py", ".yaml"))} - {"__init__.py"}
    assert modules - named == set(), "modules the Layout section does not name"
    existing = {p.rsplit("/", 1)[-1] for p in subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True,
                                                             text=True, check=True).stdout.split()}
    assert named - existing - {"__init__.py"} == set(), "names in the Layout section that are not files"


def test_no_environment_reads_below_orchestration():
    """Settings come in as the settings resource's fields and as arguments: the library, the
    expectations and the assets never read the environment (`grep -rn "os.environ\\|getenv"`)."""
    found = [f"{path.relative_to(ROOT)}:{number}"
             for package in ("ogi", "assets", "expectations") for path in sorted((ROOT / package).rglob("*"))
             if path.is_file() and "__pycache__" not in path.parts
             for number, line in enumerate(path.read_bytes().splitlines(), 1)
             if b"os.environ" in line or b"getenv" in line]
    assert found == []
