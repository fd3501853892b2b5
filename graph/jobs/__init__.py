"""Graph jobs as thin shells: read from Neo4j → pure core → write, each with a run record and a lock."""

from graph.jobs.pipeline import run_all, run_job
from graph.jobs.registry import JOBS, JobSpec, UnknownJob, job_order, schedule_of
from graph.jobs.runs import JobContext, run_job_with_record

__all__ = [
    "JOBS",
    "JobContext",
    "JobSpec",
    "UnknownJob",
    "job_order",
    "run_all",
    "run_job",
    "run_job_with_record",
    "schedule_of",
]
