"""FeaturePlatform's Python SDK: declare a feature job and write its main logic.

A job is one module with one decorated function::

    from featureplatform import job, Param, Output

    @job("order_count", triggers="orders", outputs=[Output("order_count_30d", int)],
         params=[Param("window_days", int, default=30, min=1, max=365, description="Look-back window")])
    def order_count(event, ctx):
        orders = ctx.history("orders", event.key, since=timedelta(days=ctx.params["window_days"]))
        return {"order_count_30d": len(orders)}

The same module runs live, in replays and on API calls; ``featureplatform.testing`` runs it in unit tests.
"""

from ._context import Change, Context, DataSource, Event, TimeLike, to_epoch_ms
from ._declaration import (
    Consistency,
    DataSourceError,
    JobDefinitionError,
    LookAheadError,
    Output,
    Param,
    ResultShapeError,
    Trigger,
)
from ._fields import FieldTypeError
from ._job import JobSpec, job, job_of
from ._models import LinearModel, ModelError, ModelIntegrityError

__all__ = [
    "job",
    "job_of",
    "JobSpec",
    "Trigger",
    "Param",
    "Output",
    "Consistency",
    "Event",
    "Change",
    "Context",
    "DataSource",
    "TimeLike",
    "to_epoch_ms",
    "JobDefinitionError",
    "ResultShapeError",
    "DataSourceError",
    "LookAheadError",
    "FieldTypeError",
    "LinearModel",
    "ModelError",
    "ModelIntegrityError",
]

__version__ = "0.1.0"
