"""Suite-wide set-up.

Triton reads TRITON_INTERPRET once, when it is first imported, and modules anywhere in the suite
(the model, the kernels) import it; set here, before any test module loads, the Triton kernels run
on the CPU through the interpreter whichever test imports triton first.
"""

import os

import pytest

os.environ["TRITON_INTERPRET"] = "1"


@pytest.fixture(scope="session")
def local_ray():
    """One local Ray (2 CPUs, a small object store, no dashboard) for every test that needs one."""
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    import ray

    ray.init(num_cpus=2, object_store_memory=120 * 1024 * 1024, include_dashboard=False, logging_level="WARNING")
    yield ray
    ray.shutdown()
