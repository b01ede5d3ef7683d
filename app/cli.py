"""The `precursor-alerts` command line: serve, migrate, authority, sweep, demo, import."""

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from app import migrate as migrations
from app.auth.cli import authority_cli
from app.config import get_settings
from app.db import create_engine, create_sessionmaker
from app.kit import collector
from app.kit.clock import utcnow

cli = typer.Typer(help="Precursor Alerts: notifications, seizures, correlation and alerts.")
cli.add_typer(authority_cli, name="authority")
T = TypeVar("T")


@cli.command()
def migrate() -> None:
    """Create or upgrade the database schema to the latest migration."""
    migrations.upgrade(get_settings().database_url)
    typer.echo(f"database at migration {migrations.head_revision()}")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Load demo data and print keys.")] = False,
    workers: Annotated[int, typer.Option(help="Server processes (PostgreSQL only).")] = 1,
) -> None:
    """Migrate the database, optionally load demo data, then serve HTTP."""
    import uvicorn

    settings = get_settings()
    migrations.upgrade(settings.database_url)
    if demo:
        _print_demo_keys(asyncio.run(_load_demo()), f"http://{host}:{port}")
    if workers > 1:
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
        )
    else:
        from app.main import create_app

        uvicorn.run(create_app(settings), host=host, port=port, access_log=False)


async def _load_demo(notifications: int = 300) -> dict[str, str]:
    """Load the demo data set once; on later runs issue fresh keys for its authorities."""
    import httpx

    from app import demo
    from app.main import create_app

    # Quiet while loading: a thousand request lines would bury the keys printed afterwards.
    app = create_app(get_settings().model_copy(update={"log_level": "WARNING"}))
    async with app.router.lifespan_context(app):
        async with app.state.sessionmaker() as session:
            keys = await demo.rotate_demo_keys(session, utcnow())
            fresh = not keys
            if fresh:
                keys = await demo.create_demo_authorities(session, utcnow())
            await session.commit()
        if fresh:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
                counts = await demo.load_demo(client, keys, notifications=notifications)
            typer.echo("demo data loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return keys


def _print_demo_keys(keys: dict[str, str], base_url: str) -> None:
    typer.echo("API keys (one authority per country):")
    for country, key in sorted(keys.items()):
        typer.echo(f"  {country:6} {key}")
    sample = keys.get("NG") or next(iter(keys.values()))
    typer.echo(
        f"try: curl -s -H 'Authorization: Bearer {sample}' '{base_url}/v1/notifications?limit=2'"
    )


@cli.command("demo")
def demo_command(
    notifications: Annotated[int, typer.Option(min=10, max=5000, help="How many.")] = 300,
) -> None:
    """Migrate and load the demo data set into the configured database; print its keys."""
    migrations.upgrade(get_settings().database_url)
    _print_demo_keys(asyncio.run(_load_demo(notifications)), "http://127.0.0.1:8000")


@cli.command()
def sweep(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Date to sweep for, YYYY-MM-DD (default: today, UTC)."),
    ] = None,
) -> None:
    """Run the time-based rules (REPLY_OVERDUE, ARRIVAL_OVERDUE) once for a date.

    Prints how many alerts were raised or updated. If another sweep is running on the same
    database (a server's, or another operator's), this one is skipped and says so.
    """
    from app.alerts.sweep import try_sweep

    try:
        day = date.fromisoformat(as_of) if as_of is not None else utcnow().date()
    except ValueError:
        raise typer.BadParameter(
            f"{as_of!r} is not a date (YYYY-MM-DD)", param_hint="--as-of"
        ) from None

    async def run() -> int | None:
        engine = create_engine(get_settings().database_url)
        try:
            return await try_sweep(create_sessionmaker(engine), day, utcnow())
        finally:
            await engine.dispose()

    raised = asyncio.run(run())
    if raised is None:
        typer.echo(f"sweep as of {day} skipped: another sweep is running")
    else:
        typer.echo(f"sweep as of {day}: {raised} alerts raised or updated")


@cli.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="NDJSON file of records."),
    ],
    authority_map: Annotated[
        str | None,
        typer.Option(
            "--authority-map",
            help='JSON object mapping the file\'s "authority" values to authority ids.',
        ),
    ] = None,
    batch: Annotated[
        int,
        typer.Option(
            "--batch",
            min=1,
            help="Lines per transaction (each line in its own savepoint); 1 commits every line.",
        ),
    ] = 100,
) -> None:
    """Import notifications, seizures, replies and arrivals from newline-delimited JSON.

    Each line is {"type": "notification"|"seizure"|"reply"|"arrival", "authority": ID,
    "body": {...}}; replies and arrivals also name "reference" and "exporter_authority".
    Records go through the same checks, correlation and rules as the API, --batch lines per
    transaction, each line in a savepoint so a bad one rolls back only itself. Re-running is safe
    (stored records are replays); FILE.progress lets a restart skip the lines already committed.
    Bad lines are reported as "line N: field: message" and make the exit code 1.
    """
    from app.bulk import Importer, import_file
    from app.kit.clock import Clock

    mapping: dict[str, str] = {}
    if authority_map is not None:
        try:
            loaded = json.loads(authority_map)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(exc.msg, param_hint="--authority-map") from None
        if not isinstance(loaded, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()
        ):
            raise typer.BadParameter(
                "must be a JSON object of strings", param_hint="--authority-map"
            )
        mapping = loaded

    settings = get_settings()
    engine = create_engine(settings.database_url)
    if settings.gc_freeze:
        collector.freeze_start_up()
    with asyncio.Runner() as runner:
        try:
            importer = Importer(create_sessionmaker(engine), Clock(), mapping, batch)
            summary = import_file(file, importer, runner)
        finally:
            runner.run(engine.dispose())
    typer.echo(summary.text())
    if summary.failed:
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the console script."""
    cli()
