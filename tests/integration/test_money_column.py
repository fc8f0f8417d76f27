"""Money is exact in the store on both backends: Decimal in, Decimal out, exact sums."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core import store
from consolidation.core.schema import Batch, BatchStatus, Domain, Ministry, SourceSystem
from consolidation.core.settings import StoreSettings

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(store_url: str) -> sa.Engine:
    engine = store.make_engine(StoreSettings(url=store_url))
    store.upgrade(engine)
    return engine


def test_amounts_round_trip_and_sum_exactly(engine: sa.Engine) -> None:
    amounts = [Decimal("0.001")] * 1000 + [Decimal("123456789012.345"), Decimal("-0.333")]
    with Session(engine) as session:
        ministry = Ministry(code="MOF", name_ar="وزارة المالية", name_en="Finance")
        session.add(ministry)
        session.flush()
        system = SourceSystem(
            code="mof_gl", ministry_id=ministry.id, kind="sql", domain=Domain.FINANCE, name="GL"
        )
        session.add(system)
        session.flush()
        for amount in amounts:
            session.add(
                Batch(
                    source_system_id=system.id,
                    domain=Domain.FINANCE,
                    status=BatchStatus.EXTRACTED,
                    operator="test",
                    started_at=datetime.now(UTC),
                    control_debit_amount=amount,
                )
            )
        session.commit()
        total = session.scalar(sa.select(sa.func.sum(Batch.control_debit_amount)))
        stored = session.scalars(sa.select(Batch.control_debit_amount).order_by(Batch.id)).all()
    assert total == sum(amounts)
    assert isinstance(total, Decimal)
    assert stored[-2] == Decimal("123456789012.345")
    assert all(isinstance(value, Decimal) for value in stored)
    engine.dispose()


def test_a_float_is_refused(engine: sa.Engine) -> None:
    with Session(engine) as session:
        session.add(Ministry(code="X", name_ar="س", name_en="X"))
        session.flush()
        system = SourceSystem(code="x", ministry_id=1, kind="csv", domain=Domain.HR, name="x")
        session.add(system)
        session.flush()
        session.add(
            Batch(
                source_system_id=system.id,
                domain=Domain.HR,
                status=BatchStatus.RUNNING,
                operator="t",
                started_at=datetime.now(UTC),
                control_salary_amount=0.1,  # type: ignore[arg-type]
            )
        )
        with pytest.raises(sa.exc.StatementError, match="money must be a Decimal"):
            session.flush()
    engine.dispose()
