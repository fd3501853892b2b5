"""Job leases in Neo4j: short, renewed by a heartbeat, taken over when run out or their owner is gone,
and checked (a fencing token) in every write transaction of the job.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import neo4j
from neo4j.exceptions import Neo4jError

from graph.client import batched
from graph.errors import GraphError, JobLocked, LeaseLost, QueryFailed
from graph.jobs.owner import Probe, ProcessIdentity, gone_reason, probe_process, this_process

__all__ = ["FencedClient", "Heartbeat", "Lease", "LeaseParams", "acquire_lease", "release_lease"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeaseParams:
    """How long a job's lease lasts unless renewed, and how often the running job renews it.

    >>> LeaseParams(lease_s=30, heartbeat_s=10).lease_ms
    30000
    >>> LeaseParams(lease_s=5, heartbeat_s=5)
    Traceback (most recent call last):
    ...
    ValueError: heartbeat_s (5) must be shorter than lease_s (5)
    """

    lease_s: float = 30.0
    heartbeat_s: float = 10.0

    def __post_init__(self) -> None:
        if self.lease_s <= 0 or self.heartbeat_s <= 0:
            raise ValueError("lease_s and heartbeat_s must be > 0")
        if self.heartbeat_s >= self.lease_s:
            raise ValueError(
                f"heartbeat_s ({self.heartbeat_s:g}) must be shorter than lease_s ({self.lease_s:g})"
            )

    @property
    def lease_ms(self) -> int:
        return int(self.lease_s * 1000)


@dataclass
class Lease:
    """A held lease: ``generation`` is the fencing token; ``took_over`` says why the previous
    holder lost it (``None`` when the lock was free); ``abandoned`` lists the runs closed here."""

    job: str
    owner: str
    generation: int
    run_id: str
    params: LeaseParams
    took_over: str | None = None
    abandoned: list[dict[str, Any]] = field(default_factory=list)
    lost: threading.Event = field(default_factory=threading.Event)

    @property
    def fence(self) -> dict[str, Any]:
        """The parameters of ``jobs/check_lease`` for this lease."""
        return {"job": self.job, "owner": self.owner, "generation": self.generation}


def _attempt(
    client, job: str, owner: str, me: ProcessIdentity, run_id: str, p: LeaseParams, gone: tuple | None
) -> dict[str, Any]:
    return client.run_write(
        "jobs/acquire_lock",
        job=job,
        owner=owner,
        host=me.host,
        pid=me.pid,
        boot=me.boot,
        pidns=me.pidns,
        pid_started=me.started,
        run=run_id,
        lease_ms=p.lease_ms,
        gone_owner=gone[0] if gone else None,
        gone_reason=gone[1] if gone else None,
    )[0]


def acquire_lease(
    client,
    job: str,
    run_id: str,
    params: LeaseParams | None = None,
    me: ProcessIdentity | None = None,
    probe: Probe = probe_process,
) -> Lease:
    """Take the job's lease: free, run out, or held by a process found gone on this host.

    Raises :class:`graph.errors.JobLocked` when a live holder has it. Each attempt is one statement,
    so of racing callers exactly one wins.
    """
    p = params or LeaseParams()
    me = me or this_process()
    owner = f"{me.host}:{me.pid}:{uuid.uuid4().hex[:8]}"
    row = _attempt(client, job, owner, me, run_id, p, None)
    if not row["acquired"]:
        reason = gone_reason(row, me, probe)
        if reason is not None:  # compare-and-swap on that very owner: a newer holder is left alone
            log.warning("job lease take-over job=%s previous=%s reason=%s", job, row["owner"], reason)
            row = _attempt(client, job, owner, me, run_id, p, (row["owner"], reason))
    if not row["acquired"]:
        raise JobLocked(job, row["owner"], _clock(row["since"]), _clock(row["expires"]))
    lease = Lease(
        job,
        owner,
        int(row["generation"]),
        run_id,
        p,
        took_over=None if row["reason"] == "free" else row["reason"],
        abandoned=list(row.get("abandoned") or []),
    )
    for run in lease.abandoned:
        log.warning("job run abandoned job=%s run=%s reason=%s", job, run["id"], run["reason"])
    return lease


def release_lease(client, lease: Lease) -> bool:
    """Give the lease up if it is still ours; ``False`` when it had been taken over."""
    rows = client.run_write(
        "jobs/release_lock", job=lease.job, owner=lease.owner, generation=lease.generation
    )
    return bool(rows and rows[0]["released"])


def _clock(ms: Any) -> str | None:
    """Epoch ms as ``HH:MM:SS UTC`` for messages.

    >>> _clock(0), _clock(None)
    ('00:00:00 UTC', None)
    """
    if ms is None:
        return None
    return time.strftime("%H:%M:%S UTC", time.gmtime(int(ms) / 1000))


class Heartbeat(threading.Thread):
    """Renews ``lease`` every ``heartbeat_s`` until stopped; sets ``lease.lost`` when it was taken over."""

    def __init__(self, client, lease: Lease) -> None:
        super().__init__(name=f"lease-{lease.job}", daemon=True)
        self.client, self.lease = client, lease
        self._stop_event = threading.Event()

    def run(self) -> None:
        lease = self.lease
        while not self._stop_event.wait(lease.params.heartbeat_s):
            try:
                rows = self.client.run_write(
                    "jobs/renew_lock",
                    job=lease.job,
                    owner=lease.owner,
                    generation=lease.generation,
                    lease_ms=lease.params.lease_ms,
                )
            except Exception as err:  # noqa: BLE001 - a missed beat is retried; the lease says the rest
                log.warning("job lease renewal failed job=%s error=%s", lease.job, err)
                continue
            if not rows or not rows[0]["renewed"]:
                log.error("job lease lost job=%s generation=%s", lease.job, lease.generation)
                lease.lost.set()
                return

    def stop(self) -> None:
        """Stop renewing and wait for the thread."""
        self._stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join()


@dataclass
class FencedClient:
    """The client a job gets: reads pass through; every write runs in one transaction together with
    ``jobs/check_lease``, which write-locks the job's lock node and refuses the write
    (:class:`graph.errors.LeaseLost`) unless this lease's generation still holds it."""

    inner: Any
    lease: Lease

    @property
    def database(self) -> str:
        return self.inner.database

    def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        return self.inner.read(name, **params)

    def read_plain(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        return self.inner.read_plain(name, **params)

    def run_write(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Rows of one write query, run only while this lease holds."""
        inner, lease = self.inner, self.lease

        def work(tx) -> list[dict[str, Any]]:
            check = inner.tx_run(tx, "jobs/check_lease", **lease.fence)
            if not check or not check[0]["valid"]:
                held = check[0] if check else {}
                raise LeaseLost(lease.job, lease.generation, held.get("owner"), held.get("generation"))
            return inner.tx_run(tx, name, **params)

        timeout = getattr(inner, "timeout", None)
        try:
            return inner.transaction(neo4j.unit_of_work(timeout=timeout, metadata={"query": name})(work))
        except LeaseLost:
            lease.lost.set()
            raise
        except GraphError:
            raise
        except Neo4jError as err:
            raise QueryFailed(name, err.code, err.message or str(err)) from err

    def write(
        self, name: str, rows: Sequence[dict[str, Any]], /, batch_size: int = 5000, **params: Any
    ) -> int:
        """``UNWIND $rows`` write in batches, one fenced transaction each; returns the rows written."""
        done = 0
        for batch in batched(list(rows), batch_size):
            self.run_write(name, rows=list(batch), **params)
            done += len(batch)
        return done
