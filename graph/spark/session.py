"""Starting Spark: checks for ``pyspark`` and Java first, so a missing piece is one clear line."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

from graph.spark.errors import SparkUnavailable

__all__ = ["check_engine", "materialize", "spark_session"]


def check_engine() -> None:
    """Raise :class:`SparkUnavailable` unless ``pyspark`` imports and a Java runtime is found."""
    if importlib.util.find_spec("pyspark") is None:
        raise SparkUnavailable("pyspark", "install the extra: pip install 'hausgraph[spark]'")
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not java or not os.path.exists(java):
        raise SparkUnavailable("java", "Spark needs a Java 17 runtime on PATH or in JAVA_HOME")
    try:
        subprocess.run([java, "-version"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as err:
        raise SparkUnavailable("java", f"{java} -version failed ({err})") from err


def spark_session(
    master: str | None = None,
    app: str = "hausgraph",
    *,
    driver_memory: str = "4g",
    checkpoint_dir: str | None = None,
    shuffle_partitions: int | None = None,
    conf: dict[str, str] | None = None,
):
    """A Spark session for the household job (``master`` as for ``spark-submit``).

    Without ``master``: the one ``spark-submit`` was given when launched by it, else ``local[2]``
    (a master set here would override ``spark-submit``'s).
    ``checkpoint_dir`` makes stage results reliable checkpoints (see :func:`materialize`);
    ``conf`` adds Spark settings.
    """
    check_engine()
    # local workers run this interpreter (its venv has numpy, networkx, hausgraph); on a
    # cluster, spark-submit's own PYSPARK_PYTHON / archives decide
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # the JVM of spark-submit is already up
    if master is None and not submitted:
        master = "local[2]"
    builder = SparkSession.builder.appName(app)
    if master is not None:
        builder = builder.master(master)
    builder = (
        builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions or _default_partitions(master)))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.driver.memory", driver_memory)
    )
    for key, value in (conf or {}).items():  # e.g. an event log for profiling (bench)
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    if checkpoint_dir:
        spark.sparkContext.setCheckpointDir(checkpoint_dir)
    return spark


def _default_partitions(master: str | None) -> int:
    """Few shuffle partitions in local mode (the default 200 is for clusters).

    >>> _default_partitions("local[2]"), _default_partitions("yarn")
    (4, 200)
    """
    return 4 if (master or "").startswith("local") else 200


def materialize(df):
    """Compute ``df`` now and cut its lineage: later steps reuse it without re-planning the
    joins behind it, which keeps query plans small across stages. With a checkpoint directory
    (``spark.checkpoint.dir``, for clusters that lose executors) the copy is reliable;
    otherwise it stays in the executors (``localCheckpoint``)."""
    caller = sys._getframe(1)
    sc = df.sparkSession.sparkContext
    code = caller.f_code
    sc.setJobDescription(f"{os.path.basename(code.co_filename)}:{caller.f_lineno} {code.co_name}")
    try:  # the job is named by the step that asked for it (Spark UI, event log)
        return df.checkpoint(eager=True) if sc.getCheckpointDir() else df.localCheckpoint(eager=True)
    finally:
        sc.setJobDescription(None)
