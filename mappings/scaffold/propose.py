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

from collections.abc import Mapping, Sequence
from dataclasses import replace

from consolidation.core.money import CURRENCY
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
from mappings.scaffold.fields import (
    CODE_MAP_LIMIT,
    field_draft,
    placeholder,
)
from mappings.scaffold.profile import ColumnProfile, profile
from mappings.scaffold.reading import describe, read_check
from mappings.scaffold.scoring import content_fit, name_score
from mappings.scaffold.vocabulary import ENTITY_NAMES, REFERENCES, SHARED_FIELDS, tokens

NAME_THRESHOLD = 0.6
"""A column's name must share at least one whole alias with a field to be proposed for it."""

NAME_PARTS = ("first", "father", "grandfather", "family")


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
        choice = target_of(sample, columns, domain)
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
    tabled = {named for name in raw_names if (named := named_target(name, domain)) is not None}
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


def target_of(
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


def named_target(raw: str, domain: str | None) -> str | None:
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
        fields[name] = field_draft(name, schema, (column,), f"{reason}; {describe(column)}", "name")
    taken = {column.name for column, _ in found.values()}
    for name, script in (("name_ar", "arabic"), ("name_en", "latin")):
        if name in schema.fields and name not in fields:
            parts = _name_parts(columns, taken, script)
            if len(parts) >= 2:
                fields[name] = _joined(name, parts)
                taken.update(column.name for column in parts)
    guesses = by_content(schema, columns, taken, set(fields), sample.key, keys)
    for name, column, reason in guesses:
        fields[name] = field_draft(name, schema, (column,), reason, "content")
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
            draft.fields.append(placeholder(name, schema.fields[name].type))
    order = list(schema.fields)
    draft.fields.sort(key=lambda f: order.index(f.name))
    draft.missing = [
        name for name in schema.fields if name not in have and name not in schema.required()
    ]


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
