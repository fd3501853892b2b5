"""``python -m hausgraph.api``: the activation API process, lean (``hausgraph serve`` execs into it).

The service needs neither numpy, pandas nor pyarrow; the Neo4j driver imports them when they are
installed, which would triple the process's memory (~250 MB instead of ~80 MB before any state), so they
are marked absent before anything is imported.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    for name in ("numpy", "pandas", "pyarrow"):
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    import argparse
    from pathlib import Path

    from hausgraph.__main__ import configure_logging

    ap = argparse.ArgumentParser(prog="hausgraph serve", description="the activation API (contract §7)")
    ap.add_argument("--host")
    ap.add_argument("--port", type=int)
    ap.add_argument("--rules", type=Path)
    ap.add_argument("--campaigns", type=Path)
    a = ap.parse_args(argv)
    configure_logging()
    from hausgraph.api.server import RefusedStart, check_bind, load_rules, serve, tokens_of
    from hausgraph.servers import ServerError, resolve_connections
    from hausgraph.settings import Settings

    settings = Settings()
    update = {
        k: v for k, v in (("activation_rules", a.rules), ("activation_campaigns_file", a.campaigns)) if v
    }
    if update:
        settings = settings.model_copy(update=update)
    try:
        host, port = a.host or settings.api_host, a.port or settings.api_port
        check_bind(host, tokens_of(settings))
        load_rules(settings.activation_rules)  # a bad rule stops the start before anything connects
        conn = resolve_connections(settings)
        sys.stderr.write(f"activation API on http://{host}:{port}/docs\n")
        serve(settings, conn, a.host, a.port)
    except RefusedStart as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    except ServerError as err:
        sys.stderr.write(f"error: {err}\n")
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
