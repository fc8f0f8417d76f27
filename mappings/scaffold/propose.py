"""From columns and sample rows to a draft mapping: which unified entity each raw entity feeds,
which column each unified field reads, and the transforms and parameters that read its values.

Each raw entity's target is the unified entity its name says, or the one whose fields its
columns fill best. Fields are matched to columns by name (English or Arabic, ``vocabulary``)
where the content agrees (``profile``), the best pairs first; a few fields are then found by
content alone (IBANs, e-mails, 9-digit CPRs), names written in parts are joined, a period comes
from the entry date, and an entity the source has no table for is derived from the column that
refers to it. A required field no column fits is a visible placeholder, so the draft loads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from consolidation.core.money import CURRENCY, SCALE
from consolidation.core.unified import ENTITIES, EntitySchema, FieldType
from mappings.scaffold.content import by_content
from mappings.scaffold.draft import (
    ColumnNote,
    Draft,
    EntityDraft,
    FieldDraft,
    RawSample,
    SkippedEntity,
)
from mappings.scaffold.profile import ColumnProfile, profile
from mappings.scaffold.reading import describe, read_check
from mappings.scaffold.vocabulary import (
    CODE_VOCABULARIES,
    ENTITY_FIELD_NAMES,
    ENTITY_NAMES,
    FIELD_NAMES,
    GENDER_DIGITS,
    REFERENCES,
    SHARED_FIELDS,
    known_code,
    tokens,
)
from mappings.transforms import DIGITS, human_format

NAME_THRESHOLD = 0.6
"""A column's name must share at least one whole alias with a field to be proposed for it."""

ID_FIELDS = frozenset(
    {
        "employee_no",
        "code",
        "org_unit_code",
        "job_code",
        "grade_code",
        "parent_code",
        "vendor_no",
        "entry_no",
        "line_no",
        "account_code",
        "reference",
        "cr_number",
        "cost_centre",
    }
)
DIGIT_FIELDS = frozenset({"national_id", "vat_number", "phone"})
ARABIC_FIELDS = frozenset({"name_ar", "title_ar"})
LATIN_FIELDS = frozenset({"name_en", "title_en"})
TEXT_FIELDS = ARABIC_FIELDS | LATIN_FIELDS | {"name", "description"}
CODE_FIELDS = frozenset({"gender", "status", "component", "nationality", "currency"})
NAME_PARTS = ("first", "father", "grandfather", "family")
CODE_MAP_LIMIT = 40
"""More distinct values than this and a ``code`` map is no longer a draft a person can check."""


def scaffold(
    source: str,
    ministry: str,
    samples: Sequence[RawSample],
    *,
    domain: str | None = None,
    declared: Sequence[str] = (),
) -> Draft:
    """A draft mapping of ``source`` from its raw entities' columns and sample rows. ``domain``
    (hr or finance), when known, limits the unified entities a raw entity may feed;
    ``declared`` names every raw entity of the source, sampled or not (an entity the source has
    a table for is not derived from another)."""
    entities: list[EntityDraft] = []
    skipped: list[SkippedEntity] = []
    profiles: dict[str, dict[str, ColumnProfile]] = {}
    chosen: list[tuple[RawSample, str, str]] = []
    for sample in samples:
        columns = {c: profile(c, sample.values.get(c, ())) for c in sample.columns}
        profiles[sample.entity] = columns
        choice = _target(sample, columns, domain)
        if isinstance(choice, SkippedEntity):
            skipped.append(choice)
        else:
            chosen.append((sample, *choice))
    keys: dict[str, set[str]] = {}
    for sample, target, _ in chosen:
        if len(sample.key) == 1 and sample.key[0] in profiles[sample.entity]:
            keys.setdefault(target, set()).update(profiles[sample.entity][sample.key[0]].counts)
    for sample, target, why in chosen:
        entities.append(_entity(sample, profiles[sample.entity], target, why, keys))
    raw_names = declared or [sample.entity for sample in samples]
    tabled = {named for name in raw_names if (named := _named(name, domain)) is not None}
    entities = _with_derived(entities, profiles, tabled)
    samples_by_entity = {sample.entity: sample for sample in samples}
    for entity in entities:
        sample = samples_by_entity[entity.raw]
        used = set().union(*(e.columns_used() for e in entities if e.raw == entity.raw))
        if not entity.distinct:
            entity.unplaced = [
                _note(profiles[entity.raw][column])
                for column in sample.columns
                if column not in used
            ]
        for proposal in entity.fields:
            proposal.read = read_check(proposal, sample)
    return Draft(source, ministry, entities, skipped)


def _note(column: ColumnProfile) -> ColumnNote:
    """An unplaced column; a text column of few values comes with its codes for a map."""
    coded = (
        column.few_values
        and column.distinct <= CODE_MAP_LIMIT
        and not (column.is_date or column.is_period or column.share("amount") >= 0.5)
    )
    return ColumnNote(column.name, describe(column), tuple(column.values()) if coded else ())


def name_score(entity: str, field: str, words: Sequence[str]) -> float:
    """How well a column's name (tokens) says ``field`` of ``entity``: 1 for an exact alias,
    less the more words the column adds, 0 when no alias is wholly in it."""
    have = set(words)
    if not have:
        return 0.0
    aliases = (
        *ENTITY_FIELD_NAMES.get((entity, field), ()),
        *FIELD_NAMES.get(field, ()),
        " ".join(tokens(field)),
    )
    best = 0.0
    for alias in aliases:
        wanted = set(alias.split())
        if wanted and wanted <= have:
            best = max(best, 0.6 + 0.4 * len(wanted) / len(have))
    return best


def content_fit(
    field: str, kind: FieldType, column: ColumnProfile, least: float = 0.8
) -> float | None:
    """A bonus when the sample looks like the field's values, None when it cannot be them;
    ``least`` is the part of the sample that must look right (less for a column whose name
    says the field: a few bad values are what the quarantine is for)."""
    if column.empty:
        return 0.0
    looks_numeric = column.share("decimal") >= 0.5
    dated = column.date is not None and column.date.share >= least
    if kind is FieldType.DATE:
        return 0.2 if dated else None
    if kind is FieldType.MONEY:
        return 0.2 if column.share("amount") >= least else None
    if kind is FieldType.INT:
        return 0.1 if column.share("int") >= least else None
    if field == "period":
        monthly = column.period is not None and column.period.share >= least
        return 0.2 if monthly or dated else None
    if field == "iban":
        return 0.3 if column.share("iban") >= least else None
    if field == "email":
        return 0.3 if column.share("email") >= least else None
    if field == "national_id":
        if column.share("cpr") >= least:
            return 0.2
        return 0.0 if column.share("int") >= least else None
    if field == "phone":
        return 0.1 if column.share("phone") >= least and not column.is_date else None
    if field in ARABIC_FIELDS:
        return 0.1 if column.share("arabic") >= 0.5 else None
    if field in LATIN_FIELDS:
        latin = column.share("latin") >= 0.5 and column.share("arabic") < 0.5
        return 0.1 if latin else None
    if column.is_date or looks_numeric or column.share("email") >= 0.5:
        return None
    if field in CODE_FIELDS:
        return 0.1 if column.few_values else 0.0
    if field in ID_FIELDS and column.share("iban") >= 0.5:
        return None
    return 0.0


def _target(
    sample: RawSample, columns: Mapping[str, ColumnProfile], domain: str | None
) -> tuple[str, str] | SkippedEntity:
    """The unified entity a raw entity feeds, and why; or why none fits."""
    candidates = [e for e in ENTITIES.values() if domain is None or e.domain == domain]
    if not candidates:
        return SkippedEntity(sample.entity, f"no unified entity has the domain {domain!r}")
    for schema in candidates:
        if sample.entity == schema.name:
            return schema.name, f"the raw entity is named {sample.entity!r}"
    ranked: list[tuple[float, str, str]] = []
    for schema in candidates:
        named = _entity_name_score(schema.name, sample.entity)
        found = _assign(schema, columns, sample.key)
        required = schema.required()
        covered = sum(1 for name in required if name in found)
        coverage = covered / len(required) if required else 0.0
        explained = len(found) / max(1, len(columns))
        why = f"{covered} of its {len(required)} required fields match columns by name" + (
            f", and the raw entity is named {sample.entity!r}" if named else ""
        )
        if named or (coverage >= 0.5 and explained >= 0.25):
            ranked.append((named + coverage + explained, schema.name, why))
    if not ranked:
        return SkippedEntity(
            sample.entity,
            "no unified entity fits: neither its name, nor half the required fields of an "
            "entity and a quarter of its columns, say which",
            sample.columns,
        )
    ranked.sort(key=lambda item: -item[0])
    _, target, why = ranked[0]
    return target, why


def _entity_name_score(target: str, raw: str) -> float:
    """How well a raw entity's (or table's) name says the unified entity ``target``."""
    words = set(tokens(raw))
    best = 0.0
    for alias in (*ENTITY_NAMES.get(target, ()), " ".join(tokens(target))):
        wanted = set(alias.split())
        if words and wanted and wanted <= words:
            best = max(best, 0.6 + 0.4 * len(wanted) / len(words))
    return best


def _named(raw: str, domain: str | None) -> str | None:
    """The unified entity a raw entity's name alone says, if it says one clearly."""
    scores = {
        name: 1.0 if raw == name else _entity_name_score(name, raw)
        for name, schema in ENTITIES.items()
        if domain is None or schema.domain == domain
    }
    best = max(scores, key=lambda name: scores[name], default=None)
    if best is None or scores[best] < 0.8:
        return None
    return best if list(scores.values()).count(scores[best]) == 1 else None


def _assign(
    schema: EntitySchema, columns: Mapping[str, ColumnProfile], key: Sequence[str]
) -> dict[str, tuple[ColumnProfile, float]]:
    """Field → (column, name score): the best-scoring pairs first, each column and field once."""
    pairs: list[tuple[float, int, str, ColumnProfile, float]] = []
    for position, column in enumerate(columns.values()):
        parts = any(part in column.tokens for part in NAME_PARTS) and "name" in column.tokens
        for name, spec in schema.fields.items():
            named = name_score(schema.name, name, column.tokens)
            if named < NAME_THRESHOLD or (parts and name in ("name_ar", "name_en")):
                continue
            fit = content_fit(name, spec.type, column, 0.5 if named >= 0.8 else 0.8)
            if fit is None:
                continue
            keyed = 0.15 if _same_key_place(schema, name, column.name, key) else 0.0
            pairs.append((named + fit + keyed, position, name, column, named))
    pairs.sort(key=lambda item: (-item[0], item[1]))
    found: dict[str, tuple[ColumnProfile, float]] = {}
    taken: set[str] = set()
    for _, _, name, column, named in pairs:
        if name in found or column.name in taken:
            continue
        found[name] = (column, named)
        taken.add(column.name)
    return found


def _same_key_place(schema: EntitySchema, field: str, column: str, key: Sequence[str]) -> bool:
    """The column is the source key's, in the place of ``field`` in the unified key."""
    if field not in schema.key or column not in key:
        return False
    if len(key) != len(schema.key):
        return len(key) == 1 and len(schema.key) == 1
    return list(key).index(column) == schema.key.index(field)


def _entity(
    sample: RawSample,
    columns: Mapping[str, ColumnProfile],
    target: str,
    why: str,
    keys: Mapping[str, set[str]],
) -> EntityDraft:
    schema = ENTITIES[target]
    found = _assign(schema, columns, sample.key)
    fields: dict[str, FieldDraft] = {}
    for name, (column, _) in found.items():
        keyed = column.name in sample.key and name in schema.key
        reason = f"named {column.name!r}" + (", the source key" if keyed else "")
        fields[name] = _field(name, schema, (column,), f"{reason}; {describe(column)}", "name")
    taken = {column.name for column, _ in found.values()}
    for name, script in (("name_ar", "arabic"), ("name_en", "latin")):
        if name in schema.fields and name not in fields:
            parts = _name_parts(columns, taken, script)
            if len(parts) >= 2:
                fields[name] = _joined(name, parts)
                taken.update(column.name for column in parts)
    guesses = by_content(schema, columns, taken, set(fields), sample.key, keys)
    for name, column, reason in guesses:
        fields[name] = _field(name, schema, (column,), reason, "content")
        taken.add(column.name)
    _period_from_date(schema, fields)
    if target == "journal_line" and "currency" not in fields:
        fields["currency"] = FieldDraft(
            "currency",
            (),
            const=CURRENCY,
            basis="default",
            why=f"no currency column: the ledger is taken to be in {CURRENCY}",
        )
    ordered = [fields[name] for name in schema.fields if name in fields]
    draft = EntityDraft(sample.entity, target, ordered, why, sample_rows=sample.rows)
    _complete(draft, schema)
    return draft


def _name_parts(
    columns: Mapping[str, ColumnProfile], taken: set[str], script: str
) -> list[ColumnProfile]:
    """Columns holding parts of a name in one script (first, father's, grandfather's, family),
    in that order."""
    found: dict[int, ColumnProfile] = {}
    language = "arabic" if script == "arabic" else "english"
    for column in columns.values():
        if column.name in taken or "name" not in column.tokens:
            continue
        place = next((i for i, part in enumerate(NAME_PARTS) if part in column.tokens), None)
        if place is None or place in found:
            continue
        if language in column.tokens or (not column.empty and column.share(script) >= 0.8):
            other = "english" if language == "arabic" else "arabic"
            if other not in column.tokens:
                found[place] = column
    return [found[place] for place in sorted(found)]


def _joined(name: str, parts: list[ColumnProfile]) -> FieldDraft:
    listed = ", ".join(column.name for column in parts)
    return FieldDraft(
        name,
        tuple(column.name for column in parts),
        ("join", "collapse_spaces"),
        {"sep": " "},
        basis="name",
        why=f"the name in parts, joined in this order: {listed}",
    )


def _period_from_date(schema: EntitySchema, fields: dict[str, FieldDraft]) -> None:
    """A required period no column gives is the month of the entity's date."""
    spec = schema.fields.get("period")
    if spec is None or not spec.required or "period" in fields:
        return
    dated = next(
        (f for name, f in fields.items() if schema.fields[name].type is FieldType.DATE), None
    )
    if dated is None or dated.placeholder:
        return
    params = {key: value for key, value in dated.params.items() if key in ("formats", "calendar")}
    fields["period"] = FieldDraft(
        "period",
        dated.columns,
        ("date", "period"),
        params,
        basis="derived",
        why=f"no period column: the month of {dated.name} ({dated.columns[0]})",
    )


def _complete(draft: EntityDraft, schema: EntitySchema) -> None:
    """Placeholders for required fields no column fits; the optional ones are listed."""
    have = {f.name for f in draft.fields}
    for name in schema.required():
        if name not in have:
            draft.fields.append(_placeholder(name, schema.fields[name].type))
    order = list(schema.fields)
    draft.fields.sort(key=lambda f: order.index(f.name))
    draft.missing = [
        name for name in schema.fields if name not in have and name not in schema.required()
    ]


def _placeholder(name: str, kind: FieldType) -> FieldDraft:
    transforms: tuple[str, ...] = ()
    params: dict[str, Any] = {}
    if kind is FieldType.DATE:
        transforms, params = ("date",), {"formats": ["%Y-%m-%d"]}
    elif kind is FieldType.MONEY:
        transforms, params = ("money",), {"scale": SCALE}
    elif kind is FieldType.INT:
        transforms = ("int",)
    return FieldDraft(
        name,
        (),
        transforms,
        params,
        const="",
        basis="placeholder",
        why="no column found: name one in 'from' (until then every record fails validation "
        "for want of it)",
    )


def _field(
    name: str,
    schema: EntitySchema,
    columns: tuple[ColumnProfile, ...],
    why: str,
    basis: str,
) -> FieldDraft:
    """The transforms and parameters that read ``columns`` as the unified field ``name``."""
    column = columns[0]
    kind = schema.fields[name].type
    draft = FieldDraft(name, tuple(c.name for c in columns), basis=basis, why=why)
    if kind is FieldType.DATE:
        return _dates(draft, column, ("date",))
    if kind is FieldType.MONEY:
        return _money(draft, column)
    if kind is FieldType.INT:
        return replace(draft, transforms=("int",), notes=_digit_notes(column, "int"))
    if name == "period":
        date_share = column.date.share if column.date is not None else 0.0
        if column.period is not None and column.period.share >= date_share:
            reading = column.period
            formats = [human_format(fmt) for fmt in reading.formats]
            draft = replace(
                draft, transforms=("period",), params={"formats": list(reading.formats)}
            )
            draft.notes.extend(_digit_notes(column, "period"))
            if reading.unread:
                draft.warnings.append(_unread(reading.unread, formats))
            return draft
        return _dates(draft, column, ("date", "period"))
    if name in ("gender", "status", "component"):
        return _coded(draft, name, column)
    if name == "nationality":
        if _all_match(column, r"[A-Za-z]{2}"):
            return replace(draft, transforms=("trim", "upper"))
        return _coded(draft, name, column)
    if name == "currency":
        if _all_match(column, r"[A-Za-z]{3}"):
            return replace(
                draft,
                transforms=("trim", "upper"),
                params={"default": CURRENCY},
                notes=[f"a blank currency is read as {CURRENCY} (default)"],
            )
        return _coded(draft, name, column)
    if name == "account_type":
        return replace(draft, transforms=("trim", "lower"))
    if name == "iban":
        return replace(draft, transforms=("iban",))  # compact: no spaces, upper case
    if name == "email":
        return replace(draft, transforms=("trim", "lower"))
    if name in DIGIT_FIELDS:
        return replace(draft, transforms=("trim", "digits"), notes=_digit_notes(column, name))
    if name in TEXT_FIELDS:
        return replace(draft, transforms=("trim", "collapse_spaces"))
    steps: tuple[str, ...] = ("trim",)
    if column.share("spaces") >= 0.3:
        steps += ("collapse_spaces",)
    if column.arabic_digits or column.arabic_separators:
        steps += ("digits",)
    return replace(draft, transforms=steps, notes=_digit_notes(column, name))


def _all_match(column: ColumnProfile, pattern: str) -> bool:
    return not column.empty and all(re.fullmatch(pattern, value) for value in column.counts)


def _dates(draft: FieldDraft, column: ColumnProfile, steps: tuple[str, ...]) -> FieldDraft:
    reading = column.date
    if reading is None:
        return replace(draft, transforms=steps, params={"formats": ["%Y-%m-%d"]})
    formats = [human_format(fmt) for fmt in reading.formats]
    params: dict[str, Any] = {"formats": list(reading.formats)}
    warnings: list[str] = []
    if reading.calendar == "hijri":
        params["calendar"] = "hijri"
        warnings.append("the years (13xx-14xx) say Hijri: read as Umm al-Qura dates")
    if reading.order_unknown:
        warnings.append(
            f"dd/mm or mm/dd? No sample has a day over 12, so {formats[0]} is a guess "
            "(the order Bahrain writes): ask the source's owner"
        )
    if reading.both_orders:
        warnings.append(
            "some samples read only as dd/mm and others only as mm/dd: both formats are listed, "
            "and a date that reads both ways is quarantined as ambiguous"
        )
    if reading.unread:
        warnings.append(_unread(reading.unread, formats))
    notes = _digit_notes(column, "date")
    return replace(draft, transforms=steps, params=params, warnings=warnings, notes=notes)


def _unread(examples: tuple[str, ...], formats: list[str]) -> str:
    shown = ", ".join(repr(text[:30]) for text in examples)
    return f"some samples read under none of {', '.join(formats)}: {shown}"


def _money(draft: FieldDraft, column: ColumnProfile) -> FieldDraft:
    notes = _digit_notes(column, "money")
    if column.thousands:
        notes.append(f"',' between thousands in {_samples(column.thousands)}: 'money' reads them")
    warnings = []
    if column.decimal_comma:
        warnings.append(
            f"{_samples(column.decimal_comma)} look written with a decimal comma (1.234,50): "
            "money reads ',' as a thousands separator, so fix these at the source"
        )
    if column.decimals > SCALE:
        warnings.append(
            f"samples carry up to {column.decimals} decimals; scale {SCALE} (BHD fils) makes "
            "validation flag an amount finer than a fil"
        )
    params: dict[str, Any] = {"scale": SCALE}
    if draft.name in ("debit", "credit") and column.blanks:
        # a ledger export leaves the other side of a line empty: that is 0, not a missing value
        params["empty"] = "zero"
        notes.append(f"{_samples(column.blanks)} blank: read as 0 (empty: zero)")
    return replace(draft, transforms=("money",), params=params, warnings=warnings, notes=notes)


def _digit_notes(column: ColumnProfile, step: str) -> list[str]:
    """What the sample's Arabic-Indic digits and separators mean for the proposed transform."""
    if not (column.arabic_digits or column.arabic_separators):
        return []
    found = []
    if column.arabic_digits:
        found.append(f"Arabic-Indic digits in {_samples(column.arabic_digits)}")
    if column.arabic_separators:
        found.append(
            f"the Arabic decimal or thousands separator (٫ ٬) in {column.arabic_separators}"
        )
    reader = (
        f"'{step}' reads them itself"
        if step in ("date", "period", "money", "int")
        else "'digits' turns them into 0-9"
    )
    return [f"{' and '.join(found)}: {reader}"]


def _samples(count: int) -> str:
    return f"{count} sample" if count == 1 else f"{count} samples"


def _coded(draft: FieldDraft, name: str, column: ColumnProfile) -> FieldDraft:
    """A ``code`` map of every distinct sample value: to the unified code the vocabulary knows
    for it, otherwise to itself, each to be confirmed."""
    values = column.values()
    if not values or len(values) > CODE_MAP_LIMIT:
        warning = (
            f"{len(values)} distinct values: too many for a code map; map them with a lookup table"
            if values
            else "no values in the sample: add a code map once values are known"
        )
        return replace(draft, transforms=("trim",), warnings=[warning])
    table: dict[str, str] = {}
    notes: dict[str, str] = {}
    unknown = []
    for value in values:
        code = known_code(name, value)
        if code is None and name == "gender":
            code = GENDER_DIGITS.get(value.translate(DIGITS))
            if code is not None:
                notes[value] = f"confirm: {value} = {code} is a common convention, not a rule"
        if code is None:
            unknown.append(value)
            table[value] = value
            notes[value] = "confirm: not recognised, kept as written"
        else:
            table[value] = code
            notes.setdefault(value, "confirm")
    warnings = []
    if unknown:
        expected = sorted(set(CODE_VOCABULARIES[name].values())) if name != "currency" else []
        hint = f"; the unified codes are {', '.join(expected)}" if 0 < len(expected) <= 8 else ""
        warnings.append(
            f"{len(unknown)} of {len(values)} codes are not recognised and map to themselves{hint}"
        )
    return replace(
        draft, transforms=("code",), params={"map": table}, code_notes=notes, warnings=warnings
    )


def _with_derived(
    entities: list[EntityDraft],
    profiles: Mapping[str, Mapping[str, ColumnProfile]],
    tabled: set[str],
) -> list[EntityDraft]:
    """The drafts, each with the entities it can derive: one the source has no table for
    (``tabled``: the targets its raw entities' names say), named by a field that refers to it
    (a job from the employees' job titles, journal entries from their lines), when every
    required field of it can be filled."""
    covered = {entity.target for entity in entities} | tabled
    result: list[EntityDraft] = []
    for entity in entities:
        result.append(entity)
        for proposal in list(entity.fields):
            ref = REFERENCES.get((entity.target, proposal.name))
            if ref is None or ref[0] in covered or not proposal.columns:
                continue
            derived = _derive(entity, proposal, ref, profiles[entity.raw])
            if derived is not None:
                result.insert(len(result) - 1, derived)
                covered.add(derived.target)
    return result


def _derive(
    entity: EntityDraft,
    proposal: FieldDraft,
    ref: tuple[str, str],
    columns: Mapping[str, ColumnProfile],
) -> EntityDraft | None:
    target, key_field = ref
    schema = ENTITIES[target]
    if schema.key != (key_field,) or len(proposal.columns) != 1:
        return None
    column = columns[proposal.columns[0]]
    fields: dict[str, FieldDraft] = {
        key_field: replace(
            proposal,
            name=key_field,
            basis="derived",
            why=f"the distinct values of {column.name} (the {entity.target}'s {proposal.name})",
            warnings=[],
            notes=[],
        )
    }
    for name in SHARED_FIELDS.get(target, ()):
        shared = entity.field(name)
        if shared is not None and name in schema.fields and shared.columns:
            fields[name] = replace(
                shared,
                basis="derived",
                why=f"as the {entity.target}'s {name}",
                warnings=[],
                notes=[],
            )
    if column.share("spaces") >= 0.3:  # titles, not codes: they name the record too
        for name in ("title_ar", "title_en", "name_ar", "name_en"):
            if name in schema.fields and content_fit(name, FieldType.TEXT, column) is not None:
                fields[name] = FieldDraft(
                    name,
                    (column.name,),
                    ("trim", "collapse_spaces"),
                    basis="derived",
                    why=f"{column.name} holds text, not codes: it names the {target} too",
                )
                break
    _period_from_date(schema, fields)
    if any(name not in fields for name in schema.required()):
        return None
    ordered = [fields[name] for name in schema.fields if name in fields]
    why = (
        f"the source has no {target} table: one {target} per distinct {column.name} of {entity.raw}"
    )
    derived = EntityDraft(
        entity.raw, target, ordered, why, distinct=True, sample_rows=entity.sample_rows
    )
    derived.missing = [name for name in schema.fields if name not in fields]
    return derived
