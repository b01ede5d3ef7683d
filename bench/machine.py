"""What figures were measured on: the machine and the code."""

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path


def provenance(revision: str) -> str:
    """The code measured: git commit, whether app/ or migrations/ had uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "app", "migrations"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        commit, dirty = "?", ""
    return f"{commit or '?'}{' + uncommitted changes' if dirty else ''}, schema revision {revision}"


def machine(pg_version: str, settings: dict[str, str], code: str) -> dict[str, str]:
    """Describe the machine the figures come from."""
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": nproc,
        "cpu": model.group(1).strip() if model else platform.processor(),
        "memory": f"{int(total.group(1)) / 1024**2:.1f} GiB" if total else "?",
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg_version,
        "postgresql settings": ", ".join(f"{k}={v}" for k, v in settings.items()),
        "code": code,
    }
