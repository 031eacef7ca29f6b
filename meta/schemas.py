from typing import Literal

from pydantic import BaseModel

CheckState = Literal["ok", "failing"]


class HealthChecks(BaseModel):
    database: CheckState
    storage: CheckState


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: HealthChecks
