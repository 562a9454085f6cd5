"""The simulator's switches: set at start (flags/env) and changed at run time (admin API)."""

from pydantic import BaseModel, ConfigDict, Field


class Faults(BaseModel):
    """What the simulator does wrong, and how fast its clock runs."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    token_ttl_s: float = Field(300.0, gt=0, description="token lifetime, simulated seconds")
    rate_limit_per_s: float | None = Field(None, gt=0, description="requests/s (real time)")
    error_rate: float = Field(0.0, ge=0, le=1, description="share answered 503, not processed")
    lost_answer_rate: float = Field(0.0, ge=0, le=1, description="processed, then answered 502")
    timeout_rate: float = Field(0.0, ge=0, le=1, description="processed, answered after hang_s")
    hang_s: float = Field(5.0, ge=0, description="how long a 'timeout' answer hangs")
    latency_s: float = Field(0.0, ge=0, description="added to every answer (real seconds)")
    clock_speed: float = Field(1.0, gt=0, description="simulated seconds per real second")
    dedupe: bool = Field(
        True, description="find an object by its client reference instead of creating it again"
    )
    client_id: str = "txng"
    client_secret: str = "txng-secret"
    product_groups: list[str] | None = Field(
        None, description="the catalogue (DANH_MUC) of product groups; None: any"
    )
    seed: int | None = None
