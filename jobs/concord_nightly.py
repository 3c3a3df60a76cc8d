"""Concord's nightly run as an Apache Airflow DAG.

One run a night over the previous day's exports. Each run adds that night's exports to the submission store under
OUT and publishes the whole dataset (every night so far), with ids and splits that never move and a changes/ table
against the previous version. The run id is the logical date, so Airflow's retry of a failed night resumes that
night's run from the step that failed, and clearing a finished night changes nothing. Runs over one OUT must not
overlap (max_active_runs=1; a second would be refused with exit 1 and retried).

Exit codes of bin/concord (../shared/contract/cli.md) decide what Airflow does:
  1  a failure (a lost executor, a full disk, a killed driver): retried, and the retry resumes;
  2  bad usage or configuration, 3  a data-quality gate failed: retrying cannot help, so the task fails at once
     and the on-failure alert goes out.

The pseudonym key is a secret: it comes from the Airflow variable `concord_pseudonym_secret` (kept in a secrets
backend; the name makes Airflow mask it in logs) and reaches the driver as CONCORD_PSEUDONYM_KEY, never as an
argument. Client deploy mode keeps the job repository and LATEST on the machine Airflow runs the driver on.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowException, AirflowFailException
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

CONCORD_HOME = "/opt/concord"
EXPORTS = "/data/exports"
GOLD = "/data/gold"
OUT = "/data/datasets/concord"
ALERT_EMAIL = ["data-oncall@example.com"]

# bin/concord's exit codes that retrying cannot fix.
NO_RETRY_EXIT_CODES = {2: "bad usage or configuration", 3: "a data-quality gate failed"}
_EXIT_CODE = re.compile(r"Error code is: (\d+)")


def exit_code(error: Exception) -> int | None:
    """The driver's exit code, as SparkSubmitHook reports it in its error message."""
    match = _EXIT_CODE.search(str(error))
    return int(match.group(1)) if match else None


class ConcordSubmitOperator(SparkSubmitOperator):
    """spark-submit of Concord's run, with its exit codes mapped to retry (1) or fail-and-alert (2, 3)."""

    def execute(self, context):
        try:
            return super().execute(context)
        except AirflowException as error:
            code = exit_code(error)
            if code in NO_RETRY_EXIT_CODES:
                raise AirflowFailException(
                    f"concord exited {code} ({NO_RETRY_EXIT_CODES[code]}); not retried: {error}") from error
            raise


with DAG(
    dag_id="concord_nightly",
    description="Raw annotation submissions to agreement-filtered, deduplicated training data",
    schedule="30 2 * * *",
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "data-engineering",
        "retries": 2,
        "retry_delay": timedelta(minutes=15),
        "email": ALERT_EMAIL,
        "email_on_failure": True,
        "email_on_retry": False,
    },
    tags=["concord", "training-data"],
) as dag:
    run = ConcordSubmitOperator(
        task_id="concord_run",
        conn_id="spark_default",
        application=f"{CONCORD_HOME}/target/concord.jar",
        java_class="dev.concord.cli.Main",
        jars=f"{CONCORD_HOME}/target/lib/*",
        deploy_mode="client",
        name="concord-nightly-{{ ds }}",
        application_args=[
            "run",
            "--input", EXPORTS + "/{{ ds }}",
            "--gold", GOLD,
            "--out", OUT,
            "--conf", f"{CONCORD_HOME}/conf/concord.yaml",
            "--run-id", "nightly-{{ ds }}",
        ],
        env_vars={"CONCORD_PSEUDONYM_KEY": "{{ var.value.concord_pseudonym_secret }}"},
        execution_timeout=timedelta(hours=6),
    )
