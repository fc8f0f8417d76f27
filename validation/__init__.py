"""Validation: named, documented rules on mapped chunks; every failure becomes an issue row.

Importing the package registers every rule (``hr``, ``finance``, ``suites``, and the duplicate
checks in ``runner``); great-expectations itself is imported only when a validator is built.
"""

from validation import finance, hr, suites
from validation.context import KeyIndex, ValidationContext
from validation.rules import Rule, RuleKind, Severity, ValidationError, all_rules, rules_for
from validation.runner import EntityValidator

__all__ = [
    "EntityValidator",
    "KeyIndex",
    "Rule",
    "RuleKind",
    "Severity",
    "ValidationContext",
    "ValidationError",
    "all_rules",
    "finance",
    "hr",
    "rules_for",
    "suites",
]
