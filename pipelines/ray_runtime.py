"""Starting an embedded Ray sized for a small machine, or joining a cluster.

Embedded by default: as many CPUs as asked for, a small object store (rows carry only paths and
counts; pages go to disk, never through the store), no dashboard. `address` or RAY_ADDRESS joins an
existing cluster instead. A Ray that is already running in this process is used as it is.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from glyphctx.errors import ClusterError

DEFAULT_OBJECT_STORE = 200 * 1024 * 1024


@dataclass
class RayHandle:
    started: bool  # this process started Ray, so it also shuts it down
    cpus: float
    gpus: float

    def shutdown(self) -> None:
        if self.started:
            import ray

            ray.shutdown()


def start_ray(address: str | None = None, *, num_cpus: int | None = None,
              object_store_memory: int = DEFAULT_OBJECT_STORE) -> RayHandle:
    import ray

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a private local instance needs no token
    started = False
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS") or None
        common = dict(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=True,
                      configure_logging=True)
        try:
            if address:
                ray.init(address=address, **common)
            else:
                ray.init(num_cpus=num_cpus or os.cpu_count() or 1, object_store_memory=object_store_memory, **common)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"the Ray cluster at {address!r}" if address else "a local Ray instance"
            raise ClusterError(f"cannot start or join {where}: {exc}") from None
        started = True
    resources = ray.cluster_resources()
    _quiet_ray_data()
    return RayHandle(started, float(resources.get("CPU", 0)), float(resources.get("GPU", 0)))


def _quiet_ray_data() -> None:
    """The job draws its own progress bar; Ray Data's per-operator bars and stats logs would interleave."""
    from ray.data import DataContext

    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    context.verbose_stats_logs = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)
