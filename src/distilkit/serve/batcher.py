"""Dynamic batching: requests that arrive together share one forward pass.

Each served model has one ``Batcher``: an asyncio queue in front of one worker thread. Requests put
their items (texts, pairs, questions) in the queue and await a future. The worker takes the oldest
request, waits at most ``max_wait_ms`` for company, takes every waiting request with the same options
(the "key": a zero-shot template, a QA top_k) until ``max_batch_size`` items or ``max_batch_tokens``
(estimated) are reached, and runs them off the event loop, so /health and /metrics answer while the
model computes. The predictor then sorts the batch by length and cuts it by real padded tokens
(``inference.batching``), so one long text does not pad a hundred short ones.

The queue is bounded: a request that finds it full gets ``QueueFull`` (the app answers 429).
"""
from __future__ import annotations

import asyncio
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable


class QueueFull(Exception):
    """The model's queue holds ``queue_size`` requests already."""


@dataclass
class Job:
    items: list
    key: Hashable
    cost: int
    """Estimated tokens of all items (for the batch token budget)."""
    future: asyncio.Future
    arrived: float = field(default_factory=time.perf_counter)


class Batcher:
    """Gathers concurrent requests for one model into batches and runs ``compute(items, key)`` on them
    in a worker thread; ``compute`` returns one output per item, in order."""

    def __init__(self, compute: Callable[[list, Hashable], list], max_batch_size: int, max_batch_tokens: int,
                 max_wait_ms: float, queue_size: int, observe: Callable[[int, float], None] | None = None):
        self.compute, self.max_batch_size, self.max_batch_tokens = compute, max_batch_size, max_batch_tokens
        self.max_wait, self.queue_size = max_wait_ms / 1000, queue_size
        self.observe = observe or (lambda size, seconds: None)
        self.pending: deque[Job] = deque()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="distilkit-model")
        self.wake: asyncio.Event | None = None
        self.task: asyncio.Task | None = None
        self.busy = False

    @property
    def depth(self) -> int:
        """Requests waiting (not counting the batch being computed)."""
        return len(self.pending)

    def start(self) -> None:
        self.wake = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass
        for job in self.pending:
            if not job.future.done():
                job.future.set_exception(RuntimeError("the server is shutting down"))
        self.executor.shutdown(wait=True)

    async def submit(self, items: list, key: Hashable = None, cost: int = 0) -> list:
        """Outputs for ``items`` once their batch ran. Raises ``QueueFull`` when the queue is full."""
        if len(self.pending) >= self.queue_size:
            raise QueueFull(f"{len(self.pending)} requests are waiting")
        job = Job(items, key, max(cost, 1), asyncio.get_running_loop().create_future())
        self.pending.append(job)
        self.wake.set()
        return await job.future

    def _full(self, key: Hashable) -> bool:
        count = tokens = 0
        for job in self.pending:
            if job.key == key:
                count, tokens = count + len(job.items), tokens + job.cost
                if count >= self.max_batch_size or tokens >= self.max_batch_tokens:
                    return True
        return False

    def _take(self) -> list[Job]:
        """The oldest job and every later one with its key that fits the batch (always at least one)."""
        first = self.pending.popleft()
        taken, count, tokens, kept = [first], len(first.items), first.cost, deque()
        while self.pending:
            job = self.pending.popleft()
            if (job.key == first.key and count + len(job.items) <= self.max_batch_size
                    and tokens + job.cost <= self.max_batch_tokens):
                taken.append(job)
                count, tokens = count + len(job.items), tokens + job.cost
            else:
                kept.append(job)
        self.pending = kept
        return taken

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self.pending:
                self.wake.clear()
                await self.wake.wait()
                continue
            first = self.pending[0]
            while not self._full(first.key):  # wait for company, at most max_wait after the first arrived
                left = first.arrived + self.max_wait - time.perf_counter()
                if left <= 0:
                    break
                self.wake.clear()
                try:
                    await asyncio.wait_for(self.wake.wait(), left)
                except asyncio.TimeoutError:
                    break
            jobs = [j for j in self._take() if not j.future.cancelled()]  # a client that left is skipped
            if not jobs:
                continue
            items = [item for job in jobs for item in job.items]
            start = time.perf_counter()
            self.busy = True
            try:
                outputs: Any = await loop.run_in_executor(self.executor, self.compute, items, jobs[0].key)
            except Exception as exc:  # one bad batch fails its requests, never the server
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(exc)
                continue
            finally:
                self.busy = False
            self.observe(len(items), time.perf_counter() - start)
            offset = 0
            for job in jobs:
                if not job.future.done():
                    job.future.set_result(outputs[offset:offset + len(job.items)])
                offset += len(job.items)
