"""Point-to-point traffic of the ring: send to the next rank, receive from the previous one.

Each transfer posts all its sends and receives in one `dist.batch_isend_irecv` and returns at
once, so the caller can compute while the tensors travel and only then wait. Receive buffers are
fresh contiguous tensors shaped like the ones sent (every rank holds blocks of one shape).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.distributed as dist


class PendingTransfer:
    """Tensors in flight; `wait()` returns the received ones and releases the sent ones."""

    def __init__(self, works: list, sent: Sequence[torch.Tensor], received: list[torch.Tensor]):
        self._works = works
        self._sent = list(sent)  # kept alive until the sends complete
        self._received = received

    def wait(self) -> list[torch.Tensor]:
        for work in self._works:
            work.wait()
        received = self._received
        self._works, self._sent, self._received = [], [], []
        return received


class RingExchange:
    """Neighbours of this rank in `group`, and transfers around the ring they form."""

    def __init__(self, group: dist.ProcessGroup):
        self.group = group
        self.rank = dist.get_rank(group)
        self.world_size = dist.get_world_size(group)
        self.next_rank = (self.rank + 1) % self.world_size
        self.prev_rank = (self.rank - 1) % self.world_size

    def post(self, tensors: Sequence[torch.Tensor], first_tag: int = 0) -> PendingTransfer:
        """Start sending `tensors` to the next rank and receiving their like from the previous.

        Tags keep the tensors of one transfer apart on backends that match messages by tag
        (gloo); callers give different `first_tag`s to transfers that may overlap.
        """
        sent = [t.contiguous() for t in tensors]
        received = [torch.empty(t.shape, dtype=t.dtype, device=t.device) for t in sent]
        ops = [dist.P2POp(dist.isend, t, group=self.group, group_peer=self.next_rank, tag=first_tag + i)
               for i, t in enumerate(sent)]
        ops += [dist.P2POp(dist.irecv, r, group=self.group, group_peer=self.prev_rank, tag=first_tag + i)
                for i, r in enumerate(received)]
        works = dist.batch_isend_irecv(ops)
        return PendingTransfer(works, sent, received)
