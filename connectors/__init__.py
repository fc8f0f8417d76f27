"""Extract: connectors pull raw records, as text, from a ministry's systems."""

from connectors.base import Connector, ConnectorError, open_connector

__all__ = ["Connector", "ConnectorError", "open_connector"]
