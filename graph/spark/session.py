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


def spark_session(master: str = "local[2]", app: str = "hausgraph", shuffle_partitions: int | None = None):
    """A Spark session for the household job (``master`` as for ``spark-submit``).

    On a cluster launched by ``spark-submit`` the master given there wins (``getOrCreate``).
    """
    check_engine()
    # local workers run this interpreter (its venv has numpy, networkx, hausgraph); on a
    # cluster, spark-submit's own PYSPARK_PYTHON / archives decide
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.appName(app)
        .master(master)
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions or _default_partitions(master)))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.driver.memory", os.environ.get("HAUSGRAPH_SPARK_DRIVER_MEMORY", "4g"))
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _default_partitions(master: str) -> int:
    """Few shuffle partitions in local mode (the default 200 is for clusters).

    >>> _default_partitions("local[2]"), _default_partitions("yarn")
    (4, 200)
    """
    return 4 if master.startswith("local") else 200


def materialize(df):
    """Compute ``df`` now and cut its lineage (``localCheckpoint``): later steps reuse it
    without re-planning the joins behind it, which keeps query plans small across stages."""
    return df.localCheckpoint(eager=True)
