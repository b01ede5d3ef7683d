"""Base of request bodies."""

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Reject unknown fields so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")
