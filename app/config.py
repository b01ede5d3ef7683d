"""Settings read from the environment (pydantic-settings)."""

from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; every field can be set by an environment variable."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./precursor-alerts.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///... or postgresql+asyncpg://...",
    )
    max_body_bytes: int = Field(
        default=8 * 1024 * 1024, description="Largest accepted request body."
    )
    page_max: int = Field(default=500, description="Largest page of a list.")
    log_level: str = Field(default="INFO")
    log_json: bool = Field(default=True, description="Structured JSON logs; plain text when false.")
    db_pool_size: int = Field(default=10)
    sql_echo: bool = Field(default=False)
    sweep_interval_seconds: float = Field(
        default=60,
        ge=0,
        description="Seconds between sweeps of the time-based rules in `serve`; 0 disables them.",
    )
    gc_freeze: bool = Field(
        default=True,
        description="Keep what start-up built out of the garbage collector's full passes.",
    )
    reads_first_ms: float = Field(
        default=50,
        ge=0,
        description=(
            "Milliseconds a write may spend in all giving way to reads in flight before its "
            "statements; 0 turns it off."
        ),
    )


@cache
def get_settings() -> Settings:
    """Return the process settings, read once."""
    return Settings()
