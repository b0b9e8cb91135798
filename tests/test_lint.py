"""The code passes its linter and its type checker as pyproject.toml configures them; CI runs them
through this file, so a lint or type error fails the one test command."""

from __future__ import annotations

import subprocess
import sys

import pytest
from artefacts import ROOT


@pytest.mark.slow
@pytest.mark.parametrize("command", [["ruff", "check", "src", "tests"], ["mypy"]], ids=["ruff", "mypy"])
def test_the_code_is_clean(command):
    done = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
