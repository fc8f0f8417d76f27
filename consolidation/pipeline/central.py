"""The pipeline's side facing the central Odoo: its settings, the load (planned, checked,
run) and the rollback of a batch's records. ``Pipeline`` takes these methods from
``CentralFeed``; they need only its engine and settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from consolidation import load
from consolidation.core import store
from consolidation.core.errors import ConfigError, ConsolidationError
from consolidation.core.settings import OdooSettings
from consolidation.load import Check, LoadReport, RollbackReport, Selection

if TYPE_CHECKING:
    import sqlalchemy as sa

    from consolidation.core.settings import Settings


class CentralFeed:
    """Plan, check and run the load into the central Odoo, and roll a batch back."""

    if TYPE_CHECKING:
        settings: Settings

        @property
        def engine(self) -> sa.Engine: ...

    @property
    def central(self) -> OdooSettings | None:
        """The central Odoo's settings (ODOO_URL and friends fill the gaps); None if unset."""
        return load.central_settings(self.settings.odoo)

    def _central(self) -> OdooSettings:
        odoo = self.central
        if odoo is None:
            raise ConfigError(
                "no central Odoo configured: set CONSOLIDATION_ODOO__URL, __DATABASE, __LOGIN "
                "and __PASSWORD (or ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD)"
            )
        return odoo

    def plan_load(
        self, sources: list[str] | None = None, *, page_size: int | None = None
    ) -> LoadReport:
        """What a load would create, update and leave unchanged, from the store alone."""
        odoo = self.central or self.settings.odoo
        loader = load.open_loader(
            self.engine,
            None,
            operator=self.settings.operator,
            page_size=page_size or odoo.page_size,
            config=load.load_central_config(odoo.config),
        )
        return loader.plan(Selection(tuple(sources) if sources is not None else None))

    def check_central(self, *, fix: bool = True) -> list[Check]:
        """The central Odoo's preflight (version, modules, currency, fields, rights), whatever
        the store's state; what the store needs is a check of its own."""
        odoo = self._central()
        config = load.load_central_config(odoo.config)
        try:
            store.require_current(self.engine)
        except ConsolidationError as exc:
            checks = load.preflight(load.transport_factory(odoo)(), None, config, fix=fix)
            return [*checks, Check("unified store", False, str(exc))]
        checks = load.preflight(load.transport_factory(odoo)(), self.engine, config, fix=fix)
        return [*checks, Check("unified store", True, "migrated to the latest revision")]

    def load(
        self,
        sources: list[str] | None = None,
        *,
        workers: int | None = None,
        batch_size: int | None = None,
        page_size: int | None = None,
        progress: load.Progress | None = None,
    ) -> LoadReport:
        """Feed the central Odoo from the unified store (every source, or these): idempotent,
        resumable, parallel; what Odoo refuses goes to the quarantine."""
        odoo = self._central()
        loader = load.open_loader(
            self.engine,
            odoo,
            operator=self.settings.operator,
            workers=workers,
            batch_size=batch_size,
            page_size=page_size,
            progress=progress,
            config=load.load_central_config(odoo.config),
        )
        selection = Selection(tuple(sources) if sources is not None else None)
        return loader.load(selection, url=str(odoo.url), database=str(odoo.database))

    def rollback(self, batch_id: int) -> RollbackReport:
        """Undo in the central Odoo what loads created from a batch."""
        odoo = self._central()
        return load.rollback_batch(
            self.engine,
            load.transport_factory(odoo)(),
            batch_id,
            operator=self.settings.operator,
        )
