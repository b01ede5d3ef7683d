"""Write the app's OpenAPI spec to openapi/openapi.json, or check that the file is current."""

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "openapi" / "openapi.json"
MAX_DIFF_LINES = 40

# Run as `python scripts/export_openapi.py` from a checkout without installing the package.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def build_spec() -> dict[str, Any]:
    """Build the spec from the app; no database is needed (the engine is made in the lifespan)."""
    from app.config import Settings
    from app.main import create_app

    spec: dict[str, Any] = create_app(Settings()).openapi()
    return spec


def render(spec: dict[str, Any]) -> str:
    """Serialise the spec the way it is committed."""
    return json.dumps(spec, indent=2, sort_keys=True) + "\n"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def diff(current: str, wanted: str, path: Path) -> str:
    """Summarise how the file on disk differs from the app's spec."""
    name = _shown(path)
    lines = list(
        difflib.unified_diff(
            current.splitlines(),
            wanted.splitlines(),
            fromfile=f"{name} (committed)",
            tofile=f"{name} (from the app)",
            lineterm="",
        )
    )
    shown = lines[:MAX_DIFF_LINES]
    if len(lines) > MAX_DIFF_LINES:
        shown.append(f"... {len(lines) - MAX_DIFF_LINES} more diff lines")
    return "\n".join(shown)


def main(argv: list[str] | None = None) -> int:
    """Export the spec, or with --check exit 1 when the committed file is stale."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the file is not current")
    parser.add_argument("--output", type=Path, default=TARGET, help="where the spec is written")
    args = parser.parse_args(argv)
    path: Path = args.output
    wanted = render(build_spec())
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current == wanted:
            print(f"{_shown(path)} is up to date")
            return 0
        print(diff(current, wanted, path), file=sys.stderr)
        print(
            f"\n{_shown(path)} differs from the app's spec: run `python scripts/export_openapi.py`",
            file=sys.stderr,
        )
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(wanted, encoding="utf-8")
    print(f"wrote {_shown(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
