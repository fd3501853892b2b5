"""A job run in a process of its own, for the lease tests (``python -m tests.integration.lease_child``).

It takes the ``households`` lease with the given lease and heartbeat seconds, writes the household
``lease-test-1`` through the job's (fenced) client, prints ``wrote 1 <run id>``, then waits for a
line on stdin and writes ``lease-test-2``. Exit code 3 and ``lease lost: ...`` when that write is
refused; 0 and ``wrote 2`` when it commits. Connection from ``NEO4J_*`` in the environment.
"""

from __future__ import annotations

import os
import sys
import time

from graph.client import GraphClient, connect
from graph.errors import LeaseLost
from graph.jobs.lease import LeaseParams
from graph.jobs.runs import JobContext, run_job_with_record


def household(hid: str) -> dict:
    """A Household row as the households job writes it."""
    return {
        "id": hid,
        "size": 1,
        "confidence": 1.0,
        "lineage": "new",
        "previous": [],
        "anchor": None,
        "device_types": "{}",
    }


def main() -> int:
    lease_s, heartbeat_s = float(sys.argv[1]), float(sys.argv[2])
    driver = connect(os.environ["NEO4J_URI"], os.environ["NEO4J_USER"], os.environ["NEO4J_PASSWORD"])
    client = GraphClient(driver, os.environ["NEO4J_DATABASE"], timeout=5)

    def body(ctx: JobContext) -> None:
        ctx.client.write("jobs/write_households", [household("lease-test-1")], run=ctx.run_id, now=0)
        print(f"wrote 1 {ctx.run_id}", flush=True)
        sys.stdin.readline()
        ctx.client.write(
            "jobs/write_households", [household("lease-test-2")], run=ctx.run_id, now=int(time.time() * 1000)
        )
        print("wrote 2", flush=True)

    try:
        run_job_with_record(client, "households", body, lease=LeaseParams(lease_s, heartbeat_s))
    except LeaseLost as err:
        print(f"lease lost: {err}", flush=True)
        return 3
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
