"""The streaming file import: read lines -> derive in worker processes -> load in loader threads.

Three stages run at the same time so that neither Python nor PostgreSQL waits for the other:

* the calling thread reads lines, hands chunks of :data:`CHUNK_LINES` to a pool of forked worker processes
  (pure Python derivation, no database), and gathers their results in input order into batches;
* a worker returns a chunk already split by ``id % loaders``, each share as one block of COPY text and its ids
  (no Python object per row crosses the process boundary); a batch's shares go to that many loader threads,
  each with its own database connection and one transaction per batch part. All versions of one id go to the
  same loader in input order, so per-id semantics (last write wins, tombstones, events) are exactly those of a
  single loader; ids never interact with each other, so loaders cannot conflict;
* rejections of a batch are reported once every part of it is committed, in line order.

``loaders=0`` loads in the calling thread's connection instead (required inside a caller's transaction).
Memory is bounded: a few batches in flight, never the whole input.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any

from django.db import connection, transaction

from reporting.ingestion.derive import Details, Reference, single_error
from reporting.ingestion.encode import Part, Rejected, init_worker, prepare_parts, work
from reporting.ingestion.loader import (
    BatchOutcome,
    Staged,
    clean_gin_pending_lists,
    drop_age_cache,
    load_batch,
    prepare_session,
)
from reporting.ingestion.results import ImportSummary, Rejection

CHUNK_LINES = 2_000
# A version of an id that another club holds: the member never moves between clubs, and the caller is told
# why its line changed nothing (ids are the platform's, so the code reveals nothing the caller cannot know).
HELD_BY_ANOTHER_COMMUNITY = "held_by_another_community"
FOREIGN_MEMBER: Details = single_error(("id",), HELD_BY_ANOTHER_COMMUNITY)


def chunks(lines: Iterable[bytes]) -> Iterator[list[tuple[int, bytes]]]:
    """Numbered lines (from 1) in lists of CHUNK_LINES; a UTF-8 byte order mark before line 1 is dropped."""
    numbered = enumerate(lines, 1)
    first = next(numbered, None)
    if first is None:
        return
    number, raw = first
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    rest = chain([(number, raw)], numbered)
    while chunk := list(islice(rest, CHUNK_LINES)):
        yield chunk


def _derived(
    source: Iterator[list[tuple[int, bytes]]], ref: Reference, pool: Any, parts: int
) -> Iterator[tuple[int, list[Part], list[Rejected]]]:
    """(line count, accepted rows split into ``parts`` by loader, rejected) per chunk, in input order."""
    if pool is None:
        for chunk in source:
            yield (len(chunk), *prepare_parts(chunk, ref, parts))
        return
    inflight = 24  # chunks ahead, so workers keep going while this thread waits for a loader
    pending: deque[tuple[int, Any]] = deque()
    for chunk in source:
        pending.append((len(chunk), pool.apply_async(work, (chunk, parts))))
        if len(pending) >= inflight:
            count, future = pending.popleft()
            yield (count, *future.get())
    while pending:
        count, future = pending.popleft()
        yield (count, *future.get())


class _Loader(threading.Thread):
    """Loads batch parts from ``inbox`` in order, one transaction each, on its own connection."""

    def __init__(self, done: queue.Queue[tuple[int, BatchOutcome]]):
        super().__init__(daemon=True)
        self.inbox: queue.Queue[tuple[int, Staged] | None] = queue.Queue(maxsize=1)
        self.done = done
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            prepare_session()
            drop_age_cache()
            while (item := self.inbox.get()) is not None:
                number, rows = item
                with transaction.atomic():
                    outcome = load_batch(rows, bulk=True)
                self.done.put((number, outcome))
            drop_age_cache()
        except BaseException as exc:  # reported to the reading thread, which re-raises it
            self.error = exc
        finally:
            connection.close()

    def give(self, item: tuple[int, Staged] | None) -> None:
        while True:
            self.check()
            if not self.is_alive():
                raise RuntimeError("ingestion loader stopped")
            try:
                self.inbox.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        """Stop after the part in progress: drop a queued part, then ask the thread to end."""
        with contextlib.suppress(queue.Empty):
            self.inbox.get_nowait()
        with contextlib.suppress(queue.Full):
            self.inbox.put_nowait(None)


@dataclass
class _Batch:
    lines: int
    rejected: list[Rejected]
    parts: int
    outcomes: list[BatchOutcome] = field(default_factory=list)


class _Run:
    def __init__(self, *, on_rejected: Callable[[Rejection], None], loaders: int):
        self.on_rejected = on_rejected
        self.summary = ImportSummary()
        self.done: queue.Queue[tuple[int, BatchOutcome]] = queue.Queue()
        self.loaders = [_Loader(self.done) for _ in range(loaders)]
        self.batches: dict[int, _Batch] = {}
        self.next_number = 0
        self.next_to_report = 0

    def submit(self, lines: int, parts: list[Staged], rejected: list[Rejected]) -> None:
        """One batch: ``parts[k]`` holds the rows of loader k (ids with ``id % loaders == k``)."""
        number = self.next_number
        self.next_number += 1
        if not self.loaders:
            with transaction.atomic():
                outcome = load_batch(parts[0], bulk=True)
            self.batches[number] = _Batch(lines, rejected, 1, [outcome])
        else:
            self.batches[number] = _Batch(lines, rejected, len(parts))
            for loader, part in zip(self.loaders, parts, strict=True):
                loader.give((number, part))
        self.collect(wait=False)

    def collect(self, *, wait: bool) -> None:
        """Take finished parts and report fully loaded batches in order; ``wait``: until all are reported."""
        while True:
            while (batch := self.batches.get(self.next_to_report)) and len(batch.outcomes) == batch.parts:
                self._report(self.batches.pop(self.next_to_report))
                self.next_to_report += 1
            if self.next_to_report == self.next_number:
                return
            try:
                number, outcome = self.done.get(timeout=0.2) if wait else self.done.get_nowait()
            except queue.Empty:
                for loader in self.loaders:
                    loader.check()
                if not wait:
                    return
                continue
            self.batches[number].outcomes.append(outcome)

    def _report(self, batch: _Batch) -> None:
        summary = self.summary
        summary.lines += batch.lines
        rejected = list(batch.rejected)
        for outcome in batch.outcomes:
            summary.created += outcome.created
            summary.updated += outcome.updated
            summary.deleted += outcome.deleted
            summary.unchanged += outcome.unchanged
            rejected.extend((idx, member_id, FOREIGN_MEMBER) for idx, member_id in outcome.foreign)
        summary.rejected += len(rejected)
        for idx, member_id, details in sorted(rejected, key=lambda item: item[0]):
            self.on_rejected(Rejection(index=idx, details=details, id=member_id))


def run_import(
    lines: Iterable[bytes],
    *,
    ref: Reference,
    on_rejected: Callable[[Rejection], None],
    batch_size: int,
    workers: int,
    loaders: int,
) -> ImportSummary:
    """See the module docstring; ``workers`` processes are used only for input of more than one chunk."""
    source = chunks(lines)
    head = list(islice(source, 2))
    source = chain(head, source)
    pool = None
    if workers > 0 and len(head) > 1:
        # fork (before any loader thread exists): workers start at once with the Reference in memory and need
        # no importable __main__. They never touch the database and leave through os._exit, so the inherited
        # database socket is neither used nor closed by a child.
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=init_worker, initargs=(ref,))
    run = _Run(on_rejected=on_rejected, loaders=loaders)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # batches are millions of small acyclic objects: collection passes cost much and free nothing
    try:
        if not run.loaders:
            prepare_session()
            drop_age_cache()
        for loader in run.loaders:
            loader.start()
        width = max(1, len(run.loaders))
        staged = [Staged() for _ in range(width)]
        rejected: list[Rejected] = []
        pending_lines = 0
        for count, good, bad in _derived(source, ref, pool, width):
            pending_lines += count
            for part, share in zip(staged, good, strict=True):
                part.add(share)
            rejected.extend(bad)
            if pending_lines >= batch_size:
                run.submit(pending_lines, staged, rejected)
                staged, rejected, pending_lines = [Staged() for _ in range(width)], [], 0
        if pending_lines:
            run.submit(pending_lines, staged, rejected)
        for loader in run.loaders:
            loader.give(None)
        run.collect(wait=True)
        if not run.loaders:
            drop_age_cache()
        clean_gin_pending_lists()
    finally:
        for loader in run.loaders:
            loader.abort()
        for loader in run.loaders:
            if loader.is_alive():
                loader.join()
        if pool is not None:
            pool.terminate()
            pool.join()
        if gc_was_enabled:
            gc.enable()
    return run.summary
