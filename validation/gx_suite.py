"""Running an entity's expectation suite in great-expectations, and reading back the rows that fail.

great-expectations is imported only when a suite is first built (it takes seconds), with its
analytics off and its progress bars silenced, into one process-wide ephemeral context with one
pandas datasource. How a chunk is handed to it matters at a million rows:

- GE fingerprints every batch by hashing the whole DataFrame, so it gets a *narrow view*: only
  the columns its expectations read, each in the cheapest dtype that keeps what they test —
  text as Arrow strings, dates as ``datetime64[ns]`` (other units make GE compare dates one row
  at a time in Python), integers as floats, and a column that is only checked for presence as
  its presence mask (nullable boolean), which hashes in milliseconds where high-cardinality
  text takes a third of a second per million rows.
- The view's index is the row position, named ``_row``: with ``exclude_unexpected_values`` GE
  then lists the failing positions without looking up each row.
- The suite runs through GE's v1 ``Validator``, the engine behind ``Batch.validate`` and
  ``ValidationDefinition.run`` (not itself marked public). ``Batch.validate`` fetches, and so
  fingerprints, the batch a second time (+1 s on a million employee rows);
  ``ValidationDefinition.run`` also serializes each result into the context's in-memory result
  store (+1.1 s when 30% of a million rows fail one check) and keeps one result per chunk for
  the life of the process. ``bench/validation.py`` measures the three.
"""

from __future__ import annotations

import enum
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from consolidation.core.unified import ENTITIES, FieldType
from validation.columns import strings
from validation.context import ValidationContext
from validation.rules import Rule, RuleKind, ValidationError

ROW = "_row"
"""The index name of the view GE sees: the row's position in the chunk."""

RESULT_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [ROW],
    "exclude_unexpected_values": True,
    "return_unexpected_index_query": False,
    "partial_unexpected_count": 0,
    "include_unexpected_rows": False,
}


class View(enum.Enum):
    """How a column appears in the narrow view GE validates."""

    PRESENCE = "presence"
    STRINGS = "strings"
    DATES = "dates"
    NUMBERS = "numbers"


@dataclass
class GxState:
    """great-expectations itself, its ephemeral context and datasource, a batch definition per
    entity."""

    module: Any
    context: Any
    datasource: Any
    batch_definitions: dict[str, Any]


_STATE: list[GxState] = []
_LOCK = threading.Lock()


def gx_state() -> GxState:
    """The process-wide ephemeral GE context and its one pandas datasource, made on first use."""
    with _LOCK:
        if not _STATE:
            os.environ["GX_ANALYTICS_ENABLED"] = "False"
            import great_expectations as gx
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )

            config = DataContextConfig(
                store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                analytics_enabled=False,
                progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
            )
            context = gx.get_context(mode="ephemeral", project_config=config)
            datasource = context.data_sources.add_pandas(name="validation")
            _STATE.append(GxState(gx, context, datasource, {}))
        return _STATE[0]


def _batch_definition(entity: str) -> Any:
    state = gx_state()
    with _LOCK:
        if entity not in state.batch_definitions:
            asset = state.datasource.add_dataframe_asset(name=entity)
            state.batch_definitions[entity] = asset.add_batch_definition_whole_dataframe("chunk")
        return state.batch_definitions[entity]


class EntitySuite:
    """The expectation suite of one entity, built once and run on each chunk's narrow view."""

    def __init__(self, entity: str, rules: Sequence[Rule], context: ValidationContext) -> None:
        self.entity = entity
        self.rules = {r.id: r for r in rules if r.kind is RuleKind.EXPECTATION}
        self.batch_definition = _batch_definition(entity)
        expectations: list[Any] = []
        checks: dict[str, set[str]] = {}
        for rule in self.rules.values():
            assert rule.build is not None and rule.field is not None
            built = rule.build(context)
            built.meta = {"rule_id": rule.id}
            expectations.append(built)
            checks.setdefault(rule.field, set()).add(built.expectation_type)
        self.suite = gx_state().module.ExpectationSuite(name=entity, expectations=expectations)
        fields = ENTITIES[entity].fields
        self.views: dict[str, View] = {}
        for column, kinds in checks.items():
            kind = fields[column].type
            if kinds == {"expect_column_values_to_not_be_null"}:
                self.views[column] = View.PRESENCE
            elif kind is FieldType.TEXT:
                self.views[column] = View.STRINGS
            elif kind is FieldType.DATE:
                self.views[column] = View.DATES
            elif kind is FieldType.INT:
                self.views[column] = View.NUMBERS
            else:
                raise ValidationError(
                    f"{entity}.{column}: a {kind} field may only have a not-null expectation"
                )

    def narrow(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The columns GE reads, each in the cheapest dtype that keeps what is tested."""
        columns: dict[str, Any] = {}
        for column, view in self.views.items():
            values = frame[column]
            if view is View.PRESENCE:
                missing = np.asarray(values.isna(), dtype=bool)
                columns[column] = pd.arrays.BooleanArray(np.ones(len(values), dtype=bool), missing)
            elif view is View.STRINGS:
                columns[column] = strings(values).array
            elif view is View.DATES:
                columns[column] = values.to_numpy(dtype="datetime64[ns]")
            else:
                columns[column] = values.to_numpy(dtype="float64", na_value=np.nan)
        return pd.DataFrame(columns, index=pd.RangeIndex(len(frame), name=ROW), copy=False)

    def failures(self, view: pd.DataFrame) -> dict[str, npt.NDArray[np.int64]]:
        """Run the suite on a narrow view: rule id → positions of the rows that fail it."""
        from great_expectations.validator.v1_validator import Validator

        validator = Validator(
            self.batch_definition,
            result_format=RESULT_FORMAT,
            batch_parameters={"dataframe": view},
        )
        result = validator.validate_expectation_suite(self.suite)
        found: dict[str, npt.NDArray[np.int64]] = {}
        for outcome in result.results:
            config = outcome.expectation_config
            if config is None or not config.meta or config.meta.get("rule_id") not in self.rules:
                raise ValidationError(
                    f"great-expectations returned a result of no {self.entity} rule"
                )
            rule_id = str(config.meta["rule_id"])
            problem = _exception(outcome.exception_info)
            if problem is not None:
                raise ValidationError(f"great-expectations could not evaluate {rule_id}: {problem}")
            listed = outcome.result.get("unexpected_index_list") or []
            rows = np.asarray(listed[0][ROW] if listed else [], dtype=np.int64)
            if len(rows) != (outcome.result.get("unexpected_count") or 0):
                raise ValidationError(
                    f"great-expectations reported {outcome.result.get('unexpected_count')} "
                    f"failures of {rule_id} but listed {len(rows)} rows"
                )
            found[rule_id] = rows
        return found


def _exception(info: Any) -> str | None:
    """The message of an exception GE caught while evaluating an expectation, if any."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for nested in info.values():
        if isinstance(nested, dict) and nested.get("raised_exception"):
            return str(nested.get("exception_message"))
    return None
