"""Models in the SDK: declaration, ctx.model, linear-json evaluation, the model store's checksum and cache."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import unittest

from featureplatform import Event, JobDefinitionError, LinearModel, ModelError, ModelIntegrityError, Output, job
from featureplatform._models import ModelResolver, ModelStore
from featureplatform.testing import run_job


@job("scored", triggers="orders", outputs=[Output("score", float)], models=["churn"])
def scored(event, ctx):
    return {"score": ctx.model("churn").score({"amount": event["amount"]})}


@job("wrong_name", triggers="orders", outputs=[Output("score", float)], models=["churn", "ltv"])
def wrong_name(event, ctx):
    return {"score": ctx.model("chrun").score([1.0])}


def write_artifact(directory: str, name: str, framework: str, data: bytes) -> str:
    version = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(directory, name), exist_ok=True)
    with open(os.path.join(directory, name, f"{version}.{framework}"), "wb") as f:
        f.write(data)
    return version


class DeclarationTests(unittest.TestCase):
    def test_a_declared_model_is_a_string_parameter_holding_its_version(self) -> None:
        from featureplatform import job_of
        spec = job_of(scored)
        self.assertEqual(("churn",), spec.models)
        param = next(p for p in spec.params if p.name == "model.churn")
        self.assertIs(str, param.type)
        self.assertEqual("", param.default)
        self.assertEqual(["churn"], spec.to_json()["models"])

    def test_bad_model_names_and_duplicates_are_definition_errors(self) -> None:
        for models in (["bad name"], ["a", "a"], "churn", [""], [1]):
            with self.assertRaises(JobDefinitionError, msg=repr(models)):
                job("x", triggers="orders", outputs=[Output("v", int)], models=models)


class LinearModelTests(unittest.TestCase):
    def test_scores_rows_by_position_and_by_name(self) -> None:
        model = LinearModel.from_json(b'{"features": ["a", "b"], "weights": [2, -1], "bias": 0.5}')
        self.assertEqual(0.5 + 2 * 3 - 4, model.score([3, 4]))
        self.assertEqual([0.5 + 2 * 3 - 4, 0.5], model.predict([{"a": 3, "b": 4}, {"a": 0, "b": 0}]))
        with self.assertRaisesRegex(ValueError, "no value for feature"):
            model.score({"a": 1})

    def test_malformed_documents_name_the_field(self) -> None:
        for doc, field in (({"weights": [1]}, "features"), ({"features": ["a"], "weights": [1, 2]}, "weights"),
                           ({"features": ["a"], "weights": [1], "bias": "x"}, "bias")):
            with self.assertRaisesRegex(ValueError, field):
                LinearModel.from_json(doc)


class ContextModelTests(unittest.TestCase):
    def test_run_job_gives_ctx_model_its_models(self) -> None:
        rows = run_job(scored, Event("orders", "u1", 1, {"amount": 10.0}), models={"churn": LinearModel(["amount"], [0.1], 1.0)})
        self.assertEqual([{"score": 2.0}], rows)

    def test_an_undeclared_name_is_an_error_naming_the_model_and_the_declared_list(self) -> None:
        with self.assertRaises(ModelError) as raised:
            run_job(wrong_name, Event("orders", "u1", 1, {}), models={"churn": LinearModel(["a"], [1.0])})
        self.assertIn("'chrun'", str(raised.exception))
        self.assertIn("['churn', 'ltv']", str(raised.exception))

    def test_no_version_chosen_is_an_error_saying_how_to_choose_one(self) -> None:
        with self.assertRaisesRegex(ModelError, "model.churn"):
            run_job(scored, Event("orders", "u1", 1, {"amount": 1.0}))


class ModelStoreTests(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.doc = json.dumps({"features": ["amount"], "weights": [2.0], "bias": 1.0}).encode()

    def test_loads_once_per_version_and_shares_the_object(self) -> None:
        version = write_artifact(self.dir, "churn", "linear-json", self.doc)
        store = ModelStore(self.dir)
        first = store.load("churn", version)
        self.assertIs(first, store.load("churn", version))
        self.assertEqual(5.0, first.score([2.0]))

    def test_tampered_artifact_is_refused_naming_model_and_version(self) -> None:
        version = write_artifact(self.dir, "churn", "linear-json", self.doc)
        with open(os.path.join(self.dir, "churn", f"{version}.linear-json"), "wb") as f:
            f.write(self.doc.replace(b"2.0", b"9.0"))
        with self.assertRaises(ModelIntegrityError) as raised:
            ModelStore(self.dir).load("churn", version)
        self.assertIn(version, str(raised.exception))
        self.assertIn("'churn'", str(raised.exception))

    def test_missing_version_is_an_error(self) -> None:
        with self.assertRaisesRegex(ModelError, "not in the model store"):
            ModelStore(self.dir).load("churn", "0" * 64)

    def test_resolver_reads_the_version_from_the_parameters(self) -> None:
        version = write_artifact(self.dir, "churn", "linear-json", self.doc)
        resolver = ModelResolver(lambda: "j", lambda: ("churn",), ModelStore(self.dir).load)
        self.assertEqual(3.0, resolver.get("churn", {"model.churn": version}).score([1.0]))

    @unittest.skipUnless(__import__("importlib").util.find_spec("sklearn"), "python3-sklearn is not installed")
    def test_sklearn_artifact_round_trip(self) -> None:
        import io

        import joblib
        from sklearn.linear_model import LinearRegression
        model = LinearRegression().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
        buffer = io.BytesIO()
        joblib.dump(model, buffer)
        version = write_artifact(self.dir, "churn", "sklearn", buffer.getvalue())
        loaded = ModelStore(self.dir).load("churn", version)
        self.assertAlmostEqual(7.0, float(loaded.predict([[3.0]])[0]))


if __name__ == "__main__":
    unittest.main()
