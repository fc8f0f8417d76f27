"""The load stage: feeds the central Odoo from the unified store, idempotent,
failure-isolating, parallel and resumable.

* Every record has an external id; Odoo's ``load`` creates a record and its external id in one
  transaction, and updates the record when the id exists. Journal items carry their own ids, so
  a second load never appends lines.
* ``central_ref`` is written as soon as a chunk's ids come back: it is the checkpoint. After a
  crash, ids Odoo holds but the store never heard of are found by a bulk ``ir.model.data``
  look-up and adopted, so the next run creates nothing twice.
* Odoo rolls back a whole ``load`` when one record fails. The records its messages name are
  suspects (Odoo 17 also names the call's first record, and stops naming after 10 errors):
  each is tried alone, and only one refused alone goes to the quarantine with Odoo's message;
  the rest loads in a retry.
* Work is split into lanes by the parent a record writes, so two workers never write the same
  parent at once.
* A changed entry that is already posted is never rewritten: it is reversed, and the new
  version is loaded as a new entry; both are in the audit log.

The public face: :func:`open_loader` builds a :class:`CentralLoader` from the ``odoo`` settings
section; its ``plan`` and ``load`` return a :class:`LoadReport` (:class:`ModelCounts` per target,
every :class:`RefusedRecord`). :func:`preflight` checks the central Odoo is ready;
:func:`rollback_batch` undoes what loads created from a batch. What stops a load is a
:class:`LoadError`; the settings are :class:`OdooSettings` (where) and :class:`CentralConfig`
(what goes where).
"""

from __future__ import annotations

from consolidation.load.connection import transport_factory
from consolidation.load.exceptions import CompanyModeError, LoadError
from consolidation.load.loader import CentralLoader, Progress, open_loader
from consolidation.load.preflight import Check, preflight
from consolidation.load.report import LoadReport, ModelCounts, RefusedRecord
from consolidation.load.rollback import RollbackReport, rollback_batch
from consolidation.load.settings import (
    CentralConfig,
    OdooSettings,
    central_settings,
    load_central_config,
)
from consolidation.load.targets import Selection

__all__ = [
    "CentralConfig",
    "CentralLoader",
    "Check",
    "CompanyModeError",
    "LoadError",
    "LoadReport",
    "ModelCounts",
    "OdooSettings",
    "Progress",
    "RefusedRecord",
    "RollbackReport",
    "Selection",
    "central_settings",
    "load_central_config",
    "open_loader",
    "preflight",
    "rollback_batch",
    "transport_factory",
]
