"""The rule registry, its catalog and the helpers every rule shares."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from consolidation.core.unified import ENTITIES
from validation import (
    Rule,
    RuleKind,
    Severity,
    ValidationContext,
    ValidationError,
    all_rules,
    rules_for,
)
from validation.catalog import DOC, render
from validation.columns import among, fils_column
from validation.field_rules import repaired
from validation.hr import iban_problem
from validation.messages import mask
from validation.rules import rule

ID = re.compile(r"^[a-z_]+\.[a-z_]+\.[a-z_0-9]+$")


def test_every_rule_has_a_stable_id_a_severity_and_a_business_fact() -> None:
    rules = all_rules()
    assert len({r.id for r in rules}) == len(rules)
    for r in rules:
        assert ID.match(r.id), r.id
        assert r.issue_entity in ENTITIES and r.entity in ENTITIES
        assert r.severity in (Severity.ERROR, Severity.WARNING)
        assert r.field is None or r.field in ENTITIES[r.entity].fields
        assert len(r.summary) > 20, r.id
        if r.field is not None and r.kind is not RuleKind.ENTITY:
            assert r.id.split(".")[1] == r.field, r.id


def test_every_required_field_has_a_not_null_expectation() -> None:
    ids = {r.id for r in all_rules() if r.kind is RuleKind.EXPECTATION}
    for entity in ENTITIES.values():
        for field in entity.required():
            assert f"{entity.name}.{field}.present" in ids


def test_the_rules_the_brief_asks_for_are_there_with_their_severity() -> None:
    wanted = {
        "employee.national_id.nine_digits": "error",
        "employee.national_id.matches_birth_date": "warning",
        "employee.iban.valid": "error",
        "employee.hire_date.min_age": "error",
        "employee.hire_date.not_future": "error",
        "employee.base_salary.positive": "error",
        "employee.base_salary.within_grade_band": "warning",
        "employee.email.format": "warning",
        "employee.phone.format": "warning",
        "employee.org_unit_code.exists": "error",
        "employee.job_code.exists": "error",
        "employee.name_ar.not_mojibake": "error",
        "employee.employee_no.unique": "error",
        "employee.record.unique": "error",
        "payroll_line.employee_no.exists": "error",
        "journal_entry.lines.balanced": "error",
        "journal_entry.entry_date.not_future": "error",
        "journal_entry.period.open": "error",
        "journal_line.account_code.in_crosswalk": "error",
        "journal_line.entry_no.exists": "error",
        "journal_line.period.open": "error",
        "journal_line.debit.one_sided": "error",
        "journal_line.debit.not_negative": "error",
        "journal_line.credit.max_three_decimals": "error",
        "opening_balance.account_code.in_crosswalk": "error",
    }
    severities = {r.id: r.severity.value for r in all_rules()}
    assert {k: severities.get(k) for k in wanted} == wanted


def test_the_balance_rule_reads_lines_and_flags_entries() -> None:
    balance = next(r for r in rules_for("journal_line") if r.id == "journal_entry.lines.balanced")
    assert balance.kind is RuleKind.ENTITY
    assert balance.issue_entity == "journal_entry"
    assert balance not in rules_for("journal_entry")


def test_rules_for_orders_shape_checks_then_domain_rules_then_cross_chunk_checks() -> None:
    kinds = [r.kind for r in rules_for("employee")]
    assert kinds == sorted(kinds, key=[RuleKind.EXPECTATION, RuleKind.ROW, RuleKind.ENTITY].index)


def test_rules_for_an_unknown_entity_is_an_error() -> None:
    with pytest.raises(ValidationError, match="unknown entity 'staff'"):
        rules_for("staff")


def test_a_rule_is_declared_once_with_a_well_formed_id_and_a_docstring() -> None:
    def check(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
        """A fact."""
        return pd.Series(True, index=frame.index)

    with pytest.raises(ValueError, match="declared twice"):
        rule("employee.iban.valid", severity=Severity.ERROR, field="iban", message="x")(check)
    with pytest.raises(ValueError, match=r"entity\.field\.assertion"):
        rule("employee-iban", severity=Severity.ERROR, field="iban", message="x")(check)
    with pytest.raises(ValueError, match="has no field 'salary'"):
        rule("employee.salary.odd", severity=Severity.ERROR, field="salary", message="x")(check)
    check.__doc__ = None
    with pytest.raises(ValueError, match="no docstring"):
        rule("employee.iban.odd", severity=Severity.ERROR, field="iban", message="x")(check)
    assert "employee.iban.odd" not in {r.id for r in all_rules()}


def test_the_catalog_in_docs_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/rules.md is stale: run `python -m validation.catalog --write`"
    )


def test_the_catalog_lists_every_rule_with_its_severity() -> None:
    text = render()
    for r in all_rules():
        assert f"| `{r.id}` | {r.severity.value} |" in text


@pytest.mark.parametrize(
    ("field", "value", "masked"),
    [
        ("national_id", "850312345", "8503*****"),
        ("iban", "BH67BMAG00001299123456", "BH67****…3456"),
        ("base_salary", "1200.500", "***"),
        ("debit", "10.000", "***"),
        ("name_ar", "محمد", "***"),
        ("org_unit_code", "OU1", "OU1"),
        ("iban", None, "None"),
    ],
)
def test_logs_see_sensitive_values_masked(field: str, value: str | None, masked: str) -> None:
    assert mask(field, value) == masked


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("BH67BMAG00001299123456", None),
        ("bh67 bmag 0000 1299 1234 56", None),
        ("BH67BMAG00001299123457", "fails the ISO 13616 mod-97 check"),
        ("DE89370400440532013000", "is not Bahraini (it starts with 'DE', not 'BH')"),
        ("BH67BMAG000012991234567", "has 23 characters; a Bahraini IBAN has 22"),
        ("BH67BMAG0000129912345!", "contains characters other than letters and digits"),
        ("BH671MAG00001299123456", "is malformed"),
    ],
)
def test_iban_problems_are_explained(value: str, problem: str | None) -> None:
    found = iban_problem(value)
    assert found == problem if problem is None else found is not None and found.startswith(problem)


@pytest.mark.parametrize(
    ("value", "fixed"),
    [
        ("ظ…ط­ظ…ط¯", "محمد"),
        ("ط¹ظ„ظٹ ط­ط³ظ†", "علي حسن"),
        ("محمد علي ط§ظ„ط¨ظ†ط¹ظ„ظٹ", "محمد علي البنعلي"),
        ("INV-7 ط¯ظپط¹ط© (2026)", "INV-7 دفعة (2026)"),
        ("محمد", None),
        ("عبدالله", None),
        ("Mohammed", None),
        ("Café", None),
    ],
)
def test_mojibake_is_recognised_and_repaired(value: str, fixed: str | None) -> None:
    assert repaired(value) == fixed


def test_fils_are_exact_and_missing_when_finer_than_fils() -> None:
    amounts = pd.Series(
        [
            Decimal("1.5"),
            Decimal("1200.500"),
            Decimal("-0.001"),
            Decimal("1.2500"),
            None,
            Decimal("0.0001"),
        ],
        dtype=object,
    )
    assert fils_column(amounts).tolist() == [1500, 1200500, -1, 1250, pd.NA, pd.NA]


def test_membership_looks_up_distinct_values() -> None:
    values = pd.Series(["a", None, "b", "a", "c"], dtype="str")
    assert among(values, {"a", "c"}).tolist() == [True, False, False, True, True]


def test_context_defaults_check_nothing_optional() -> None:
    context = ValidationContext(reference_date=date(2026, 6, 30))
    assert context.min_age_at_hire == 18
    assert context.grade_bands == {} and context.org_units == set()
    assert context.entries is None and context.crosswalk is None and context.open_periods is None
    assert context.today == "2026-06-30"


def test_rule_objects_are_frozen() -> None:
    first: Rule = all_rules()[0]
    with pytest.raises(AttributeError):
        first.severity = Severity.WARNING  # type: ignore[misc]


def test_importing_validation_does_not_import_great_expectations() -> None:
    root = Path(__file__).resolve().parents[2]
    probe = "import sys, validation; print('great_expectations' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


def test_great_expectations_runs_quietly(capfd: pytest.CaptureFixture[str]) -> None:
    from validation import EntityValidator

    frame = pd.DataFrame(
        {name: pd.Series([None], dtype=object) for name in ENTITIES["account"].fields}
        | {"_source_key": pd.Series(["A1"], dtype=object)}
    )
    issues = EntityValidator("account", ValidationContext(date(2026, 6, 30))).check_chunk(frame)
    assert issues["rule_id"].tolist() == ["account.code.present"]
    out, err = capfd.readouterr()
    assert out == "" and err == ""
