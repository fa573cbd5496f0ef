"""Trained models a job uses: ``@job(models=["churn"])`` declares them, ``ctx.model("churn")`` returns one.

Which version of a model a job uses is a reviewed, time-versioned value like a parameter: the declaration adds one
string parameter ``model.<name>`` per model (default ``""``: none chosen yet), whose value is the version (the
SHA-256 of the artifact's bytes) approved through the parameter review. Replays use the version in force at each
event's time; a backtest may pin one as an override.

Artifacts live in the platform's model directory as ``<dir>/<name>/<version>.<framework>`` (written by the model
registry). They are checksummed every time they are read and loaded once per process and version, then shared by every
event (and every job of the process that uses the same version). Frameworks:

* ``sklearn``: a joblib/pickle file, loaded with ``joblib.load`` (``pickle`` when joblib is missing). Unpickling runs
  code: only authors may upload, and the checksum makes sure the bytes loaded are the bytes they uploaded.
* ``linear-json``: ``{"features": [...], "weights": [...], "bias": x}``, evaluated by the SDK itself
  (:class:`LinearModel`), no third-party package needed.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import threading
from typing import Any, Callable, Mapping, Optional, Sequence

__all__ = [
    "MODEL_PARAM_PREFIX",
    "FRAMEWORKS",
    "ModelError",
    "ModelIntegrityError",
    "LinearModel",
    "ModelStore",
    "ModelResolver",
    "model_param_name",
    "check_model_name",
]

MODEL_PARAM_PREFIX = "model."
"""A declared model ``churn`` is bound through the parameter ``model.churn`` (its version)."""

FRAMEWORKS = ("sklearn", "linear-json")


class ModelError(RuntimeError):
    """A model cannot be used: not declared, no version chosen, not in the model store, or not loadable."""

    __module__ = "featureplatform"  # errors name it featureplatform.ModelError, as authors import it


class ModelIntegrityError(ModelError):
    """A model artifact's bytes do not hash to its version: it changed after upload and is not used."""

    __module__ = "featureplatform"


def model_param_name(name: str) -> str:
    """The parameter that holds the version of model ``name``."""
    return MODEL_PARAM_PREFIX + name


def check_model_name(name: Any) -> Optional[str]:
    """None when ``name`` is a valid model name, else why not."""
    if not isinstance(name, str) or not name or len(name) > 100 or not all(c.isascii() and (c.isalnum() or c in "_-") for c in name):
        return f"model name {name!r} must be 1 to 100 ASCII letters, digits, '_' or '-'"
    return None


class LinearModel:
    """A linear model: ``bias + sum(weight * feature)``. ``predict`` takes rows as sequences in ``features`` order or
    as mappings by feature name (like a scikit-learn regressor's ``predict``); ``score`` takes one row."""

    __slots__ = ("features", "weights", "bias")

    def __init__(self, features: Sequence[str], weights: Sequence[float], bias: float = 0.0) -> None:
        if not isinstance(features, (list, tuple)) or not all(isinstance(f, str) and f for f in features):
            raise ValueError("'features' must be a list of non-empty strings")
        if len(set(features)) != len(features):
            raise ValueError("'features' must not repeat a name")
        if not isinstance(weights, (list, tuple)) or not all(_finite(w) for w in weights):
            raise ValueError("'weights' must be a list of finite numbers")
        if len(weights) != len(features):
            raise ValueError(f"'weights' has {len(weights)} numbers for {len(features)} features; give one weight per feature")
        if not _finite(bias):
            raise ValueError("'bias' must be a finite number")
        self.features = tuple(features)
        self.weights = tuple(float(w) for w in weights)
        self.bias = float(bias)

    @classmethod
    def from_json(cls, data: bytes | str | Mapping[str, Any]) -> "LinearModel":
        """The model of a ``linear-json`` document; ValueError naming the field when it is malformed."""
        doc = json.loads(data) if isinstance(data, (bytes, str)) else data
        if not isinstance(doc, Mapping):
            raise ValueError('a linear-json model is a JSON object {"features": [...], "weights": [...], "bias": x}')
        for field in ("features", "weights"):
            if field not in doc:
                raise ValueError(f"'{field}' is missing from the linear-json model")
        return cls(doc["features"], doc["weights"], doc.get("bias", 0.0))

    def to_json(self) -> dict[str, Any]:
        return {"features": list(self.features), "weights": list(self.weights), "bias": self.bias}

    def score(self, row: Sequence[float] | Mapping[str, Any]) -> float:
        """The prediction for one row."""
        if isinstance(row, Mapping):
            missing = [f for f in self.features if f not in row]
            if missing:
                raise ValueError(f"the row has no value for feature(s) {missing} (the model's features: {list(self.features)})")
            values = [row[f] for f in self.features]
        else:
            values = list(row)
            if len(values) != len(self.features):
                raise ValueError(f"the row has {len(values)} values; the model has {len(self.features)} features {list(self.features)}")
        return self.bias + sum(w * float(v) for w, v in zip(self.weights, values))

    def predict(self, rows: Sequence[Sequence[float] | Mapping[str, Any]]) -> list[float]:
        """One prediction per row."""
        return [self.score(r) for r in rows]

    def __repr__(self) -> str:
        return f"LinearModel(features={list(self.features)!r}, weights={list(self.weights)!r}, bias={self.bias!r})"


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def load_artifact(name: str, version: str, framework: str, data: bytes) -> Any:
    """Checks that ``data`` hashes to ``version`` and loads it; ModelIntegrityError / ModelError otherwise."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != version:
        raise ModelIntegrityError(
            f"model '{name}' version {version}: the artifact's SHA-256 is {actual}; it changed after upload and is not "
            "used (restore it from the upload or upload the model again and approve the new version)")
    if framework == "linear-json":
        try:
            return LinearModel.from_json(data)
        except ValueError as exc:
            raise ModelError(f"model '{name}' version {version} is not a valid linear-json model: {exc}") from None
    if framework == "sklearn":
        try:
            import joblib  # Debian's python3-joblib comes with python3-sklearn
            return joblib.load(io.BytesIO(data))
        except ImportError:
            import pickle
            return pickle.loads(data)  # noqa: S301 - checksummed artifact uploaded by an author (docs/models.md)
    raise ModelError(f"model '{name}' version {version} has framework '{framework}'; this SDK loads {list(FRAMEWORKS)}")


_cache: dict[tuple[str, str, str], Any] = {}
_cache_lock = threading.Lock()


class ModelStore:
    """The platform's model directory (``<dir>/<name>/<version>.<framework>``). Each (name, version) is read,
    checksummed and loaded once per process; a failed load is not cached (the next call tries again)."""

    def __init__(self, directory: str) -> None:
        self.directory = os.path.abspath(directory)

    def load(self, name: str, version: str) -> Any:
        key = (self.directory, name, version)
        model = _cache.get(key)
        if model is not None:
            return model
        with _cache_lock:  # one load per version even when several threads ask at once
            model = _cache.get(key)
            if model is None:
                framework, data = self._read(name, version)
                model = load_artifact(name, version, framework, data)
                _cache[key] = model
        return model

    def _read(self, name: str, version: str) -> tuple[str, bytes]:
        folder = os.path.join(self.directory, name)
        for framework in FRAMEWORKS:
            path = os.path.join(folder, f"{version}.{framework}")
            try:
                with open(path, "rb") as f:
                    return framework, f.read()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise ModelError(f"model '{name}' version {version}: cannot read {path}: {exc}") from None
        raise ModelError(f"model '{name}' version {version} is not in the model store {self.directory} "
                         "(was it uploaded to this platform? is Runtime:Models:Directory shared by every process?)")


class ModelResolver:
    """What ``ctx.model`` asks: the declared models of the running job and where their versions load from.

    ``declared`` gives the running job's declared model names; ``loader(name, version)`` returns the model (the
    platform's :class:`ModelStore`, or canned models in unit tests).
    """

    __slots__ = ("_job", "_declared", "_loader")

    def __init__(self, job: Callable[[], str], declared: Callable[[], Sequence[str]],
                 loader: Optional[Callable[[str, str], Any]]) -> None:
        self._job = job
        self._declared = declared
        self._loader = loader

    def version(self, name: str, params: Mapping[str, Any]) -> str:
        declared = self._declared()
        if name not in declared:
            raise ModelError(f"ctx.model({name!r}): job '{self._job()}' does not declare model {name!r} "
                             f"(declared: {list(declared)}); add it to @job(models=[...])")
        version = params.get(model_param_name(name), "")
        if not version:
            raise ModelError(f"ctx.model({name!r}): no version of model {name!r} is chosen for job '{self._job()}'; propose "
                             f"parameter '{model_param_name(name)}' = <version> and have it approved (docs/models.md)")
        return version

    def get(self, name: str, params: Mapping[str, Any]) -> Any:
        version = self.version(name, params)
        if self._loader is None:
            raise ModelError(f"ctx.model({name!r}): this process has no model store (Runtime:Models:Directory)")
        return self._loader(name, version)
