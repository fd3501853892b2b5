"""Calendar arithmetic of the household core as Spark SQL expressions (pure string builders).

Each function returns the SQL text of the same arithmetic as :mod:`graph.households.copresence`
and :func:`graph.networks.local_time`, on epoch-millisecond columns; ``div`` is integer
division (hours are positive, so it floors like numpy's ``//``).
"""

from __future__ import annotations

from graph.params import DAY_MS, HOUR_MS, HouseholdParams

__all__ = ["address_day_sql", "block_sql", "local_sql", "local_window_sql", "lparts_sql"]


def local_sql(col: str, p: HouseholdParams) -> str:
    """Local time of a UTC hour column.

    >>> local_sql("hour", HouseholdParams())
    '(hour + 3600000)'
    """
    return f"({col} + {p.network.local_offset_hours * HOUR_MS})"


def lparts_sql(local: str) -> dict[str, str]:
    """Local hour of day, day number and weekday (Monday = 0) of a local-time expression.

    >>> lparts_sql("x")["weekday"]
    '(((x div 86400000) + 3) % 7)'
    """
    day = f"({local} div {DAY_MS})"
    return {"hour": f"(({local} div {HOUR_MS}) % 24)", "day": day, "weekday": f"(({day} + 3) % 7)"}


def local_window_sql(local: str, p: HouseholdParams) -> str:
    """Day window of a local time: ``2 * date + 1`` for nights (which belong to the date they
    start on), ``2 * date`` for days, as in ``copresence._local_window``.

    >>> py = lambda e: e.replace(" div ", " // ").replace("CAST(", "int(").replace(" AS BIGINT)", ")")
    >>> [eval(py(local_window_sql(str(h * HOUR_MS), HouseholdParams())).replace(" OR ", " or "))
    ...  for h in (13, 20, 48)]   # local 13:00 day 0, 20:00 night 0, 00:00 day 2 still night 1
    [0, 1, 3]
    """
    lh = lparts_sql(local)["hour"]
    early = f"({lh} < {p.night_end})"
    return (
        f"(2 * (({local} div {DAY_MS}) - CAST({early} AS BIGINT))"
        f" + CAST(({early} OR {lh} >= {p.night_start}) AS BIGINT))"
    )


def block_sql(local: str, p: HouseholdParams) -> str:
    """Local ``block_hours`` block of a local time.

    >>> block_sql("t", HouseholdParams())
    '(t div 10800000)'
    """
    return f"({local} div {p.block_hours * HOUR_MS})"


def address_day_sql(col: str, p: HouseholdParams) -> str:
    """CGNAT address day of a UTC hour column (``cgnat.address_days``).

    >>> address_day_sql("hour", HouseholdParams(cgnat_day_start_hour=4))
    '((hour - 14400000) div 86400000)'
    """
    return f"(({col} - {p.cgnat_day_start_hour * HOUR_MS}) div {DAY_MS})"
