"""The quarantine stage: every record a rule or Odoo kept out, and what stewards do with it.

Its public face:

* ``QuarantineService`` — listing (filters, paging, sorting, a ministry scope), counting,
  summarising and exporting issues; waiving, rejecting, reopening and correcting with
  optimistic locking (``QuarantineConflict``); deciding grey-zone matches. The CLI and the web
  app call it; every change is in the audit log.
* ``raise_issues`` and ``close_issues`` — what other stages find (Odoo refused a record,
  a national id on two people) opened in, and closed from, the quarantine.
* ``IssueLog`` and ``write_issues``, ``QuarantineWriter`` and ``rejected_versions``,
  ``Corrections`` — what a batch uses to write what it keeps out, and to apply stewards'
  corrections to the source versions they were made to.
* ``release`` — revalidation: re-check the quarantined records stewards acted on, and stage
  (through the caller's ``StageRecords``) the ones that now pass.
* ``QuarantineSettings``; errors ``QuarantineError``, ``OutOfScope``, ``QuarantineConflict``.
"""

from consolidation.core.schema import IssueStatus
from consolidation.quarantine.corrections import Corrections
from consolidation.quarantine.exceptions import OutOfScope, QuarantineConflict, QuarantineError
from consolidation.quarantine.issues import (
    FoundIssue,
    IssueLog,
    close_issues,
    raise_issues,
    write_issues,
)
from consolidation.quarantine.queries import IssueFilter, Scope
from consolidation.quarantine.records import json_records, records_frame
from consolidation.quarantine.release import ReleaseResult, StageRecords, release
from consolidation.quarantine.service import QuarantineService
from consolidation.quarantine.settings import QuarantineSettings
from consolidation.quarantine.writer import QuarantineWriter, rejected_versions

__all__ = [
    "Corrections",
    "FoundIssue",
    "IssueFilter",
    "IssueLog",
    "IssueStatus",
    "OutOfScope",
    "QuarantineConflict",
    "QuarantineError",
    "QuarantineService",
    "QuarantineSettings",
    "QuarantineWriter",
    "ReleaseResult",
    "Scope",
    "StageRecords",
    "close_issues",
    "json_records",
    "raise_issues",
    "records_frame",
    "rejected_versions",
    "release",
    "write_issues",
]
