"""Checks jobs/concord_nightly.py without an Airflow installation: the airflow modules it imports are stand-ins
that record what the DAG file builds. Run: python3 jobs/test_concord_nightly.py (JobsTest runs it)."""
import importlib.util
import pathlib
import sys
import types
import unittest


class AirflowException(Exception):
    pass


class AirflowFailException(AirflowException):
    pass


class DAG:
    def __init__(self, dag_id, **kwargs):
        self.dag_id, self.kwargs, self.tasks = dag_id, kwargs, []

    def __enter__(self):
        DAG.current = self
        return self

    def __exit__(self, *exc):
        DAG.current = None


class SparkSubmitOperator:
    """Stands in for the provider's operator; `outcome` is what its execute does (the real one runs spark-submit)."""
    outcome = None

    def __init__(self, task_id, **kwargs):
        self.task_id, self.kwargs = task_id, kwargs
        DAG.current.tasks.append(self)

    def execute(self, context):
        if isinstance(SparkSubmitOperator.outcome, Exception):
            raise SparkSubmitOperator.outcome
        return SparkSubmitOperator.outcome


def install_stand_ins():
    modules = {
        "airflow": types.ModuleType("airflow"),
        "airflow.exceptions": types.ModuleType("airflow.exceptions"),
        "airflow.providers": types.ModuleType("airflow.providers"),
        "airflow.providers.apache": types.ModuleType("airflow.providers.apache"),
        "airflow.providers.apache.spark": types.ModuleType("airflow.providers.apache.spark"),
        "airflow.providers.apache.spark.operators": types.ModuleType("airflow.providers.apache.spark.operators"),
        "airflow.providers.apache.spark.operators.spark_submit":
            types.ModuleType("airflow.providers.apache.spark.operators.spark_submit"),
    }
    modules["airflow"].DAG = DAG
    modules["airflow.exceptions"].AirflowException = AirflowException
    modules["airflow.exceptions"].AirflowFailException = AirflowFailException
    modules["airflow.providers.apache.spark.operators.spark_submit"].SparkSubmitOperator = SparkSubmitOperator
    sys.modules.update(modules)


def load_dag_file():
    install_stand_ins()
    path = pathlib.Path(__file__).with_name("concord_nightly.py")
    spec = importlib.util.spec_from_file_location("concord_nightly", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ConcordNightlyDagTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.module = load_dag_file()
        cls.task = cls.module.dag.tasks[0]

    def test_one_nightly_spark_submit_of_concord_run(self):
        self.assertEqual("concord_nightly", self.module.dag.dag_id)
        self.assertEqual(["concord_run"], [t.task_id for t in self.module.dag.tasks])
        self.assertEqual("30 2 * * *", self.module.dag.kwargs["schedule"])
        self.assertEqual(1, self.module.dag.kwargs["max_active_runs"], "two nights never run at once")
        self.assertEqual("dev.concord.cli.Main", self.task.kwargs["java_class"])
        self.assertEqual("client", self.task.kwargs["deploy_mode"])

    def test_inputs_and_run_id_are_templated_on_the_logical_date(self):
        args = self.task.kwargs["application_args"]
        self.assertEqual("run", args[0])
        self.assertEqual("/data/exports/{{ ds }}", args[args.index("--input") + 1])
        self.assertEqual("nightly-{{ ds }}", args[args.index("--run-id") + 1])

    def test_the_pseudonym_key_is_a_secret_in_the_environment_not_an_argument(self):
        env = self.task.kwargs["env_vars"]
        self.assertEqual("{{ var.value.concord_pseudonym_secret }}", env["CONCORD_PSEUDONYM_KEY"])
        self.assertNotIn("pseudonym", " ".join(self.task.kwargs["application_args"]))

    def test_exit_one_is_retried_two_and_three_fail_at_once(self):
        operator = self.task
        self.assertGreater(self.module.dag.kwargs["default_args"]["retries"], 0)
        self.assertTrue(self.module.dag.kwargs["default_args"]["email_on_failure"])
        for code, retried in ((1, True), (2, False), (3, False)):
            SparkSubmitOperator.outcome = AirflowException(
                f"Cannot execute: spark-submit --master yarn ... Error code is: {code}.")
            with self.assertRaises(AirflowException) as raised:
                operator.execute({})
            self.assertEqual(retried, not isinstance(raised.exception, AirflowFailException), f"exit {code}")
        SparkSubmitOperator.outcome = "done"
        self.assertEqual("done", operator.execute({}))


if __name__ == "__main__":
    unittest.main(verbosity=2)
