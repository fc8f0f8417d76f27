"""Quarantined records as JSON text and back: a mapped frame's rows become JSON values (exact
Decimal text, ISO dates, null), and JSON records become a frame in the unified entity's types."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from consolidation.core.types import SOURCE_KEY
from consolidation.core.unified import ENTITIES, ROW_HASH, FieldType


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Mapped records as JSON values, column by column: Decimals as exact text, dates as ISO
    text, missing values as null."""
    columns: dict[str, list[Any]] = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            text = column.dt.strftime("%Y-%m-%d")
            columns[str(name)] = text.astype(object).where(column.notna(), None).tolist()
        elif isinstance(column.dtype, pd.Int64Dtype):
            columns[str(name)] = column.astype(object).where(column.notna(), None).tolist()
        else:
            columns[str(name)] = [_json_value(value) for value in column.tolist()]
    names = list(columns)  # zipped by hand: DataFrame.to_dict boxes every value, 3x slower
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat()
    return str(value)


def records_frame(entity: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    """Quarantined records (JSON text values) back in the mapped shape of ``entity``."""
    schema = ENTITIES[entity]
    columns: dict[str, Any] = {}
    for name, spec in schema.fields.items():
        values = [r.get(name) for r in records]
        if spec.type is FieldType.DATE:
            columns[name] = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce").astype(
                "datetime64[ns]"
            )
        elif spec.type is FieldType.MONEY:
            columns[name] = pd.Series(
                [None if v is None else Decimal(str(v)) for v in values], dtype=object
            )
        elif spec.type is FieldType.INT:
            columns[name] = pd.Series(
                [None if v is None else int(v) for v in values], dtype="Int64"
            )
        else:
            columns[name] = pd.Series([None if v is None else str(v) for v in values], dtype=object)
    columns[SOURCE_KEY] = pd.Series([r[SOURCE_KEY] for r in records], dtype=object)
    columns[ROW_HASH] = pd.Series([r.get(ROW_HASH) for r in records], dtype=object)
    return pd.DataFrame(columns)


def typed_value(kind: FieldType, text: Any) -> Any:
    """A corrected value (text, as a steward typed it) in the type its column holds."""
    if text is None or text == "":
        return pd.NaT if kind is FieldType.DATE else None
    if kind is FieldType.DATE:
        return pd.Timestamp(str(text))
    if kind is FieldType.MONEY:
        return Decimal(str(text))
    if kind is FieldType.INT:
        return int(text)
    return str(text)


def unreadable(kind: FieldType, value: str) -> str | None:
    """Why a corrected value cannot be read as its field's type (None if it can)."""
    if value == "":
        return None
    try:
        if kind is FieldType.MONEY:
            Decimal(value.strip())
        elif kind is FieldType.DATE:
            date.fromisoformat(value.strip())
        elif kind is FieldType.INT:
            int(value.strip())
    except (InvalidOperation, ValueError):
        expected = {
            FieldType.MONEY: "an amount such as 450.500",
            FieldType.DATE: "a date as YYYY-MM-DD",
            FieldType.INT: "a whole number",
        }[kind]
        return f"expected {expected}"
    return None
