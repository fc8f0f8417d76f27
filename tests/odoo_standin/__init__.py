"""An Odoo XML-RPC stand-in for tests (see ``server``) and the central Odoo 17 it plays
(see ``central``)."""

from tests.odoo_standin.central import central_standin
from tests.odoo_standin.server import Field, Model, OdooStandIn

__all__ = ["Field", "Model", "OdooStandIn", "central_standin"]
