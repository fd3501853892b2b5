"""Bytes per household of the activation state at 1,000 to 1 M households (issue #14), in its own process.

The template is a generated world's last day, fed through the service as the Kafka feed would feed it
(at a daily cap window the state keeps a whole day of exposures, and 2 h of views). Larger sizes are
copies of the template under other device keys and household ids, fed into the state row by row
(``add_impression``/``add_view``, the feed's own calls) plus a device map of the same size. Prints one
JSON line: RSS and tracemalloc (at small sizes) before and after, bytes per household, and 10 M
extrapolated.

    python -m bench.activation_memory --world out/bench-activation --households 100000
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import orjson

from bench.common import SECRET
from generator.campaigns import campaign_lines
from generator.params import WorldParams
from hausgraph.api.service import ActivationService, DeviceMap
from ingest.campaigns import parse_campaign
from ingest.contract import parse_view
from ingest.errors import InvalidRecord
from ingest.pseudonym import Pseudonymizer


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def template(world: Path, params: WorldParams, now: int) -> tuple[ActivationService, list[dict]]:
    """The service holding the world's last day (moved to end a minute ago), and its device rows."""
    shift = now - 60_000 - params.day_start_ms(params.days)
    evs = []
    for line in (world / "events.jsonl").read_bytes().splitlines():
        try:
            ev = parse_view(line, now_ms=2**62)
        except InvalidRecord:
            continue
        if ev.ts_ms + shift > now - 86_400_000:
            evs.append(replace(ev, ts_ms=ev.ts_ms + shift))
    svc = ActivationService(Pseudonymizer(SECRET))
    put_campaigns(svc, params)
    for i in range(0, len(evs), 500):
        svc.apply_events(evs[i : i + 500])
    truth = orjson.loads((world / "truth.json").read_bytes())
    rows = [
        {"device_key": d["key"], "household_id": d["household"], "device_type": d["device_type"]}
        for d in truth["devices"]
    ]
    return svc, rows


def put_campaigns(svc: ActivationService, params: WorldParams) -> None:
    """The world's campaign records into ``svc``, skipping the hostile ones the stream holds on purpose."""
    for line, _ in zip(*campaign_lines(params)):
        try:
            svc.put_campaign(parse_campaign(line))
        except InvalidRecord:
            continue


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", type=Path, required=True, help="a generated world (bench/activation.py's)")
    ap.add_argument("--world-households", type=int, default=1000)
    ap.add_argument("--world-days", type=int, default=14)
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--trace", action="store_true", help="tracemalloc too (slow above 100k)")
    a = ap.parse_args()
    params = WorldParams(households=a.world_households, days=a.world_days, seed=1, secret=SECRET)
    now = int(time.time() * 1000)
    src, rows = template(a.world, params, now)
    # the template's rows as plain tuples: what each copy feeds in
    names = src.state._names
    devs = []
    for key, st in src.state.devices.items():
        exp = st.exp.tolist() if st.exp else []
        views = st.views.tolist() if st.views else []
        devs.append((key, st.device_type, exp, views))
    copies = max(1, a.households // a.world_households)
    gc.collect()
    if a.trace:
        tracemalloc.start()
    rss0 = rss_bytes()
    traced0 = tracemalloc.get_traced_memory()[0] if a.trace else 0
    svc = ActivationService(Pseudonymizer(SECRET))
    put_campaigns(svc, params)
    state = svc.state
    map_rows = []
    for c in range(copies):
        tag = f"{c:06x}"
        for key, dtype, exp, views in devs:
            dev = tag + key[6:]
            for i in range(0, len(exp), 3):
                ts, eid, packed = exp[i : i + 3]
                state.add_impression(
                    dev, ts, names[packed >> 32], names[packed & 0xFFFFFFFF], eid, now, dtype
                )
            for i in range(0, len(views), 4):  # ts, content, seconds, identity (-1: none)
                ts, content, seconds, ident = views[i : i + 4]
                eid = int(ident) if ident >= 0 else None
                state.add_view(dev, int(ts), names[int(content)], seconds, now, dtype, eid)
        map_rows += [
            {**r, "device_key": tag + r["device_key"][6:], "household_id": f"{c}-{r['household_id']}"}
            for r in rows
        ]
    svc.put_devices(DeviceMap.from_rows(map_rows, 1))
    del map_rows
    gc.collect()
    rss = rss_bytes() - rss0
    traced = tracemalloc.get_traced_memory()[0] - traced0 if a.trace else None
    hh = copies * a.world_households
    per = (traced if traced is not None else rss) / hh
    out = {
        "households": hh,
        "devices_in_state": len(state.devices),
        "exposures": sum(len(s.exp or ()) // 3 for s in state.devices.values()),
        "views": sum(len(s.views or ()) // 3 for s in state.devices.values()),
        "rss_delta_MB": round(rss / 2**20, 1),
        "traced_MB": round(traced / 2**20, 1) if traced is not None else None,
        "bytes_per_household": round(per),
        "rss_bytes_per_household": round(rss / hh),
        "extrapolated_1M_GB": round(per * 1e6 / 1e9, 2),
        "extrapolated_10M_GB": round(per * 1e7 / 1e9, 1),
    }
    sys.stdout.write(orjson.dumps(out).decode() + "\n")


if __name__ == "__main__":
    main()
