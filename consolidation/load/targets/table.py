"""The target table: every target the load knows, in the order of TARGET_ORDER."""

from __future__ import annotations

from consolidation.core.schema import Employment, JournalEntry
from consolidation.load.settings import CentralConfig
from consolidation.load.targets.finance import (
    LINE_FIELDS,
    MOVE_FIELDS,
    read_account,
    read_journal_entry,
    read_opening_balance,
    read_vendor,
    read_vendor_bank,
)
from consolidation.load.targets.hr import (
    read_employment,
    read_job,
    read_org_unit,
    read_person,
    read_person_bank,
)
from consolidation.load.targets.ministry import (
    read_analytic_plan,
    read_ministry_analytic,
    read_ministry_company,
    read_ministry_department,
    read_ministry_journal,
    read_opening_journal,
)
from consolidation.load.targets.model import Target, configured, count_rows

TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target("ministry_company", "res.company", ("name", "currency_id/id"),
               read_ministry_company, archivable=True, owned_by_batch=False),
        Target("analytic_plan", "account.analytic.plan", ("name",), read_analytic_plan,
               owned_by_batch=False),
        Target("ministry_department", "hr.department", ("name",), read_ministry_department,
               archivable=True, owned_by_batch=False, company=True),
        Target("ministry_analytic", "account.analytic.account", ("name", "code", "plan_id/id"),
               read_ministry_analytic, archivable=True, owned_by_batch=False, company=True),
        Target("ministry_journal", "account.journal", ("name", "code", "type"),
               read_ministry_journal, archivable=True, owned_by_batch=False, company=True),
        Target("opening_journal", "account.journal", ("name", "code", "type"),
               read_opening_journal, archivable=True, owned_by_batch=False, company=True),
        Target("account", "account.account", ("code", "name", "account_type", "reconcile"),
               read_account, owned_by_batch=False, company=True),
        Target("org_unit", "hr.department", ("name", "parent_id/id"), read_org_unit,
               archivable=True, company=True),
        Target("job", "hr.job", ("name", "department_id/id"), read_job, archivable=True,
               company=True),
        Target("vendor", "res.partner",
               ("name", "is_company", "vat", "company_registry", "ref", "active"), read_vendor,
               archivable=True),
        Target("vendor_bank", "res.partner.bank", ("acc_number", "partner_id/id", "active"),
               read_vendor_bank, archivable=True),
        Target("person", "res.partner", ("name", "active"), read_person, archivable=True),
        Target("person_bank", "res.partner.bank", ("acc_number", "partner_id/id", "active"),
               read_person_bank, archivable=True),
        Target("employment", "hr.employee",
               ("name", "department_id/id", "job_id/id", "work_contact_id/id",
                "bank_account_id/id", "identification_id", "birthday", "gender", "work_email",
                "mobile_phone", "active", "departure_date"),
               read_employment, archivable=True, company=True, count=count_rows(Employment)),
        Target("journal_entry", "account.move", MOVE_FIELDS, read_journal_entry,
               line_fields=LINE_FIELDS, line_entity="journal_line", posts=True,
               count=count_rows(JournalEntry)),
        Target("opening_balance", "account.move", MOVE_FIELDS, read_opening_balance,
               line_fields=LINE_FIELDS, line_entity="opening_balance_line", posts=True),
    )
}  # fmt: skip


def configured_targets(config: CentralConfig) -> list[Target]:
    """The configured targets, dependencies first (companies only in the multi-company mode)."""
    return [
        configured(TARGETS[name], config)
        for name in config.targets
        if name != "ministry_company" or config.per_ministry
    ]
