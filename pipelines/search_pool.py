"""Where the layout search's evaluations run: in this process, or as Ray tasks (an embedded local Ray, or a
cluster by address).

Both expose `map(fn, items)` with the built-in's contract (results in input order), which is what
DEAP's `toolbox.map` expects. On Ray, `fn` (which carries the text sample) is put in the object store
once per call and every task gets a reference to it, not a copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from glyphctx.errors import ConfigError
from glyphctx.pipelines.ray_runtime import start_ray


class LocalPool:
    """Evaluations one after another in this process."""

    workers = 1

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        return [fn(item) for item in items]

    def close(self) -> None:
        pass

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _call(fn: Callable[[Any], Any], item: Any) -> Any:
    return fn(item)


class RayPool:
    """Evaluations as Ray tasks, one CPU each.

    Without `address`, starts a local Ray with `workers` CPUs (all of this machine's by default) and
    shuts it down on `close`; with `address` ("auto", "ray://host:10001", "host:6379"), joins that
    cluster and leaves it running.
    """

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        import ray

        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
            raise ConfigError(f"workers must be a positive integer, got {workers!r}")
        self._ray = ray
        self._handle = start_ray(address, num_cpus=workers, object_store_memory=128 * 1024 * 1024)
        self.workers = max(1, int(self._handle.cpus))
        self._remote = ray.remote(num_cpus=1, max_retries=0)(_call)

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        items = list(items)
        if not items:
            return []
        fn_ref = self._ray.put(fn)
        return self._ray.get([self._remote.remote(fn_ref, item) for item in items])

    def close(self) -> None:
        self._handle.shutdown()
        self._handle.started = False

    def __enter__(self) -> RayPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_pool(workers: int | None = None, address: str | None = None, *, use_ray: bool = True):
    """A Ray pool (local or the cluster at `address`), or a `LocalPool` when `use_ray` is False."""
    if not use_ray:
        if address:
            raise ConfigError("--address needs Ray; it cannot be combined with in-process evaluation")
        return LocalPool()
    return RayPool(workers=workers, address=address)
