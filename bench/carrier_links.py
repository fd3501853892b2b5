"""Link precision and recall with the carrier-only rule off (as before it) and on, per world.

    python bench/carrier_links.py --households 300 --days 14 [--posterior 0.9] [--only more-cgnat:4 ...]

"Off" is ``SocialParams.carrier_link_posterior`` ~1 (no pair reaches it: links behind carriers need
a home visit, the rule of ``main``); "on" the given posterior (``graph/carrier_links.py``). Worlds
as in ``bench/accuracy.py`` (cached under ``out/worlds``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.append(str(Path(__file__).resolve().parent))

from accuracy import WORLDS
from tune_households import evaluate, world_rows

from graph.params import SocialParams


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=300)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--posterior", type=float, default=SocialParams().carrier_link_posterior)
    ap.add_argument("--only", nargs="+", help="variant:seed ... (default: the accuracy worlds)")
    a = ap.parse_args()
    worlds = WORLDS if not a.only else [(w.split(":")[0], int(w.split(":")[1])) for w in a.only]
    off, on = SocialParams(carrier_link_posterior=1 - 1e-15), SocialParams(carrier_link_posterior=a.posterior)
    print("| world | true links | P off | R off | P on | R on |\n|---|---|---|---|---|---|")
    for variant, seed in worlds:
        rows, truth = world_rows(a.households, a.days, seed, variant)
        b, n = evaluate(rows, truth, sp=off), evaluate(rows, truth, sp=on)
        print(
            f"| {a.households} x {a.days} {variant} s{seed} | {n['true_links']} | {b['link_precision']:.3f} "
            f"| {b['link_recall']:.3f} | {n['link_precision']:.3f} | {n['link_recall']:.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
