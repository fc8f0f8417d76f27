"""An Odoo XML-RPC stand-in for tests (see ``server``)."""

from tests.odoo_standin.server import Field, Model, OdooStandIn

__all__ = ["Field", "Model", "OdooStandIn"]
