"""Settings, read from ``TENSORJUDGE_*`` environment variables (the only place that reads them)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sandbox import FRAMEWORKS

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Service and grader configuration.

    data_dir: database, expected-output cache (mode 0700) and compile cache.
    problems_dir / reference_dir: where problem folders and reference solutions live.
    scratch_root: per-run scratch directories (on tmpfs, charged to the run's cgroup).
    sandbox_disable_layers: DEVELOPMENT ONLY, comma-separated layer names to skip;
        logged loudly and reported by the service.  Empty by default.  Workers refuse
        to start with it unless ``development`` is also set.
    development: marks a developer's machine (``TENSORJUDGE_DEVELOPMENT=1``); the only
        thing it permits is ``sandbox_disable_layers``.
    frameworks: comma-separated frameworks learners may submit in (``jax``, ``numpy``,
        ``pytorch``; JAX always).  PyTorch is offered only where ``torch`` is installed;
        leaving it out here also keeps workers from starting (and self-checking) the
        PyTorch fork server when torch is installed for other reasons.
    sandbox_slots: sandboxed processes one worker may run at once.  A submission's
        visible and hidden cases are separate processes; with 2 (the default) the
        hidden ones start beside the visible ones instead of after them, which shortens
        a Submit on a machine with idle cores and changes no verdict (each process has
        its own CPU-time allowance).  1 runs them one after the other.  Each slot keeps
        its own warm fork server (~190 MiB per runtime) once used.
    time_scale: EMULATED HOSTS ONLY (a VM without hardware virtualisation, ~20-100x
        slower): multiplies every problem's wall- and CPU-time allowances, so verdicts
        stay a property of the code there.  1 everywhere else.
    """

    model_config = SettingsConfigDict(env_prefix="TENSORJUDGE_", extra="ignore")

    data_dir: Path = PROJECT_ROOT / "data"
    problems_dir: Path = PROJECT_ROOT / "problems"
    reference_dir: Path = PROJECT_ROOT / "reference"
    scratch_root: str = "/dev/shm/tensorjudge-scratch"
    sandbox_disable_layers: str = ""
    development: bool = False
    frameworks: str = "jax,numpy,pytorch"
    time_scale: float = Field(1.0, ge=1.0, le=1000.0)
    sandbox_slots: int = Field(2, ge=1, le=8)
    database_url: str = ""  # default: SQLite file under data_dir
    max_code_bytes: int = 64 * 1024
    max_body_bytes: int = 1024 * 1024
    max_queue_depth: int = 500
    submissions_per_minute: int = 30
    requests_per_ip_per_minute: int = 600
    lease_s: float = 30.0
    worker_poll_s: float = 0.025  # idle claim poll: the wait before a new job starts
    token_ttl_days: int = 30
    validation_timeout_s: float = 180.0
    worker_fresh_s: float = 30.0
    log_format: str = "text"  # or "json": one JSON object per line
    # SSE streams: on PostgreSQL the API LISTENs for workers' NOTIFY (any host); streams
    # poll every events_poll_s while no notification transport is live, else every
    # events_fallback_poll_s (a safety net for a lost notification).
    notify_listen: bool = True
    events_poll_s: float = Field(0.1, gt=0)
    events_fallback_poll_s: float = Field(1.0, gt=0)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tensorjudge.db'}"

    @field_validator("frameworks")
    @classmethod
    def _frameworks(cls, value: str) -> str:
        names = [n.strip() for n in value.split(",") if n.strip()]
        unknown = [n for n in names if n not in FRAMEWORKS]
        if unknown or "jax" not in names:
            raise ValueError(f"frameworks is a comma-separated subset of {', '.join(FRAMEWORKS)} "
                             f"holding jax (got {value!r})")
        return ",".join(names)

    @property
    def enabled_frameworks(self) -> tuple[str, ...]:
        return tuple(self.frameworks.split(","))

    @property
    def disabled_layers(self) -> tuple[str, ...]:
        return tuple(n.strip() for n in self.sandbox_disable_layers.split(",") if n.strip())

    @property
    def layers_override_refused(self) -> str | None:
        """Why disabled sandbox layers are refused here (no development flag), or None."""
        if not self.disabled_layers or self.development:
            return None
        return (f"TENSORJUDGE_SANDBOX_DISABLE_LAYERS turns off sandbox layers "
                f"({', '.join(self.disabled_layers)}); that is refused unless "
                f"TENSORJUDGE_DEVELOPMENT=1 is also set (a developer's machine, never production)")
