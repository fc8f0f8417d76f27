"""Extract: connectors pull raw records, as text, from a ministry's systems."""

from pathlib import Path

from connectors.base import Connector, ConnectorError
from connectors.csv import CsvConnector
from connectors.excel import ExcelConnector
from connectors.odoo import OdooConnector
from connectors.sql import SqlConnector
from consolidation.core.sources import SourceSpec
from consolidation.core.types import CHUNK_ROWS, ReadLimits

__all__ = [
    "Connector",
    "ConnectorError",
    "CsvConnector",
    "ExcelConnector",
    "OdooConnector",
    "SqlConnector",
    "open_connector",
]


def open_connector(
    name: str,
    spec: SourceSpec,
    *,
    base_dir: Path = Path(),
    chunk_size: int = CHUNK_ROWS,
    limits: ReadLimits = ReadLimits(),  # noqa: B008 - frozen, never mutated
) -> Connector:
    """The connector for a declared source, by its kind."""
    connector_class = Connector.registry[spec.kind]
    return connector_class(name, spec, base_dir=base_dir, chunk_size=chunk_size, limits=limits)
