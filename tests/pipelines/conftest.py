"""One local Ray (2 CPUs, a small object store, no dashboard) for every pipeline test in the session."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def local_ray():
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    import ray

    if ray.is_initialized():  # started by another suite in this session: share it, leave it running
        yield ray
        return
    ray.init(num_cpus=2, object_store_memory=120 * 1024 * 1024, include_dashboard=False, logging_level="WARNING")
    yield ray
    ray.shutdown()
