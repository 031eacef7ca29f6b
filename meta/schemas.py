from typing import Literal

from shared.schemas import Schema

CheckState = Literal["ok", "failing"]


class HealthChecks(Schema):
    database: CheckState
    storage: CheckState


class Health(Schema):
    status: Literal["ok", "unavailable"]
    checks: HealthChecks
