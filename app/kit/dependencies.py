"""Typed dependencies and parameters shared by routers."""

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from app.config import Settings
from app.kit.clock import Clock

# Dependencies are async although they await nothing: FastAPI runs a plain def dependency on a
# worker thread, and each such hop costs the request another turn of a busy event loop.


async def get_clock(request: Request) -> Clock:
    """Return the app's clock (frozen in tests)."""
    clock: Clock = request.app.state.clock
    return clock


async def get_settings(request: Request) -> Settings:
    """Return the settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
RecordId = Annotated[str, Path(pattern=ID_PATTERN, description="Opaque record id.")]
Cursor = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` of the previous page.")
]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size (at most 500).")]
