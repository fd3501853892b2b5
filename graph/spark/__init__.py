"""The household core on Apache Spark: the same steps as :mod:`graph.households`, as DataFrames.

Importing this package needs no Spark; :func:`graph.spark.session.spark_session` checks for
``pyspark`` and Java and says clearly which is missing. The Spark steps live in
:mod:`graph.spark.presence`, :mod:`graph.spark.copresence`, :mod:`graph.spark.cluster` and
:mod:`graph.spark.evidence`; :mod:`graph.spark.files` reads and writes the Parquet
directories without Spark.
"""

from graph.spark.errors import InputInvalid, SparkError, SparkUnavailable

__all__ = ["InputInvalid", "SparkError", "SparkUnavailable"]
