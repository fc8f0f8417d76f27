"""How a proposal reads its sample: a column described in a few words, and a proposed field run
through the product's own transforms over the sample rows (how many convert, and why the others
do not) — so the draft says what it saw, not only what it guessed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mappings.scaffold.draft import FieldDraft, RawSample
from mappings.scaffold.profile import ColumnProfile
from mappings.transforms import Join, make_step, run_steps
from mappings.transforms.dates import human_format


def describe(column: ColumnProfile) -> str:
    """What a column's sample holds, in a few words: 'dates yyyy-mm-dd; 176 distinct of 180'."""
    if column.empty:
        return "no values in the sample"
    if column.is_date and column.date is not None:
        formats = ", ".join(human_format(fmt) for fmt in column.date.formats)
        what = f"{'Hijri ' if column.date.calendar == 'hijri' else ''}dates {formats}"
    elif column.is_period and column.period is not None:
        what = f"months {', '.join(human_format(fmt) for fmt in column.period.formats)}"
    elif column.share("iban") >= 0.8:
        what = "IBANs"
    elif column.share("email") >= 0.8:
        what = "e-mail addresses"
    elif column.share("cpr") >= 0.8:
        what = "9-digit numbers"
    elif column.share("phone") >= 0.8 and column.share("int") < 0.8:
        what = "phone numbers"
    elif column.share("decimal") >= 0.5:
        what = f"amounts with up to {column.decimals} decimals"
    elif column.share("int") >= 0.8:
        what = "whole numbers"
    elif column.few_values:
        shown = ", ".join(_short(value) for value in column.values()[:6])
        more = ", …" if column.distinct > 6 else ""
        values = "value" if column.distinct == 1 else "values"
        return (
            f"a code column: {column.distinct} {values} ({shown}{more}) in {column.count} samples"
        )
    elif column.share("arabic") >= 0.5:
        what = "Arabic text"
    elif column.share("spaces") < 0.1 and max(map(len, column.counts)) <= 12:
        what = "codes"
    elif column.share("latin") >= 0.5:
        what = "Latin text"
    else:
        what = "text"
    return f"{what}; {column.distinct} distinct of {column.count}"


def _short(value: str) -> str:
    clean = " ".join(value.split())
    return clean if len(clean) <= 24 else clean[:23] + "…"


def read_check(proposal: FieldDraft, sample: RawSample) -> str:
    """The proposal run over the sample: 'reads all 180 samples', or how many it cannot read
    and an example with the product's own reason."""
    if not proposal.columns or not sample.rows:
        return ""
    columns = [
        pd.Series(list(sample.values.get(column, ())), dtype=object) for column in proposal.columns
    ]
    names = list(proposal.transforms)
    params = {**proposal.params}
    params.pop("default", None)
    if names and names[0] == "join":
        values = Join(params.get("sep") or " ").combine(columns)
        names = names[1:]
    else:
        values = columns[0]
    present = values.map(lambda v: v is not None and str(v).strip() != "")
    if not present.any():
        return "no values in the sample"
    steps = tuple(make_step(name, params, Path()) for name in names)
    result = run_steps(values.reset_index(drop=True), steps)
    failed = int(result.failed.sum())
    total = int(present.sum())
    if not failed:
        return f"reads all {total} sample values" if total > 1 else "reads the sample value"
    assert result.reasons is not None
    first = int(result.failed.argmax())
    example = f"'{_short(str(values.iloc[first]))}' {result.reasons[first]}"
    return f"{failed} of {total} sample values do not read, e.g. {example}"
