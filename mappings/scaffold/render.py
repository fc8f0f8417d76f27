"""A draft written as a mapping file: the YAML the loader reads (``mappings.spec``), with a
comment on every guess for a person to confirm, and the columns no field was proposed for in a
commented-out block. Written by hand rather than by a YAML library, for the comments."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from mappings.scaffold.draft import Draft, EntityDraft, FieldDraft

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_RESERVED = frozenset({"null", "~", "true", "false", "yes", "no", "on", "off", "y", "n"})
_PARAM_ORDER = ("sep", "formats", "calendar", "scale", "empty", "default", "map")


def scalar(text: str) -> str:
    """A YAML scalar that reads back as exactly ``text``: plain when safe, else double-quoted
    with every control, format or line-separator character escaped."""
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def comment(text: str) -> str:
    """Text fit for a YAML comment: one line, no control characters."""
    clean = "".join(
        " " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in text
    )
    return " ".join(clean.split())


def render(draft: Draft, *, sampled: str = "") -> str:
    """The draft as the text of ``mappings/<ministry>/<source>.yaml``."""
    lines = [
        f"# DRAFT mapping of {draft.source}, written by `consolidate mappings scaffold`"
        + (f" from {sampled}" if sampled else "")
        + ".",
        "# Every field is a guess marked 'confirm': check each against the source, fix what is",
        "# wrong, and delete these comments when the mapping is reviewed. Lines marked '!' need a",
        "# decision; REQUIRED marks a field no column was found for.",
        f"source: {scalar(draft.source)}",
        f"ministry: {scalar(draft.ministry)}",
        "entities:",
    ]
    for entity in draft.entities:
        lines.append("")
        lines.extend(_entity(entity))
    for skipped in draft.skipped:
        lines.append("")
        lines.append(f"  # ! raw entity {skipped.raw!r} is not mapped: {comment(skipped.reason)}")
        if skipped.columns:
            lines.append(f"  #   its columns: {comment(', '.join(skipped.columns))}")
    return "\n".join(lines) + "\n"


def _entity(entity: EntityDraft) -> list[str]:
    lines = [
        f"  - from: {scalar(entity.raw)}",
        f"    to: {entity.target}  # confirm: {comment(entity.why)}",
    ]
    if entity.distinct:
        lines.append("    distinct: true  # confirm: derived, one record per distinct key")
    lines.append("    fields:")
    width = max(len(f.name) for f in entity.fields) + 1
    for proposal in entity.fields:
        lines.extend(_field(proposal, width))
    if entity.missing:
        lines.append(f"      # not found (optional): {', '.join(entity.missing)}")
    if entity.unplaced:
        lines.append("    # Columns no field was proposed for; map any that should be kept:")
        column_width = max(len(scalar(note.column)) for note in entity.unplaced)
        for note in entity.unplaced:
            lines.append(f"    #   {scalar(note.column):<{column_width}}  {comment(note.summary)}")
            if note.codes:
                table = ", ".join(f"{scalar(code)}: {scalar(code)}" for code in note.codes)
                lines.append(
                    f"    #     <field>: {{from: {scalar(note.column)}, transform: code, "
                    f"map: {{{comment(table)}}}}}  # a code map to complete: confirm each code"
                )
    return lines


_LINE = 110
"""A field longer than this with its comment gets the comment on a line of its own, above."""


def _field(proposal: FieldDraft, width: int) -> list[str]:
    lines = [f"      # ! {comment(warning)}" for warning in proposal.warnings]
    lines.extend(f"      # {comment(note)}" for note in proposal.notes)
    label = "REQUIRED" if proposal.placeholder else "confirm"
    said = "; ".join(part for part in (proposal.why, proposal.read) if part)
    remark = f"# {label}: {comment(said)}"
    head = f"      {proposal.name + ':':<{width}} "
    if "map" not in proposal.params:
        text = head + _flow(proposal)
        if len(text) + len(remark) + 2 > _LINE:
            return [*lines, f"      {remark}", text]
        return [*lines, f"{text}  {remark}"]
    lines.append(f"      {proposal.name}:  {remark}")
    for key, value in _items(proposal):
        if key == "map":
            continue
        lines.append(f"        {key}: {value}")
    lines.append("        map:")
    table: dict[str, Any] = proposal.params["map"]
    key_width = max(len(scalar(key)) for key in table) + 1
    for key, code in table.items():
        note = proposal.code_notes.get(key, "confirm")
        target = "~" if code is None else scalar(str(code))
        lines.append(f"          {scalar(key) + ':':<{key_width}} {target}  # {comment(note)}")
    return lines


def _items(proposal: FieldDraft) -> list[tuple[str, str]]:
    """The field's keys in the order the hand-written mappings use, as YAML values."""
    items: list[tuple[str, str]] = []
    if proposal.const is not None:
        items.append(("const", scalar(proposal.const)))
    elif len(proposal.columns) == 1:
        items.append(("from", scalar(proposal.columns[0])))
    else:
        items.append(("from", _list(proposal.columns)))
    if proposal.transforms:
        names = proposal.transforms
        items.append(("transform", names[0] if len(names) == 1 else _list(names)))
    for key in _PARAM_ORDER:
        if key not in proposal.params or key == "map":
            continue
        value = proposal.params[key]
        if isinstance(value, list | tuple):
            items.append((key, _list(value)))
        else:
            items.append((key, scalar(str(value)) if isinstance(value, str) else str(value)))
    return items


def _flow(proposal: FieldDraft) -> str:
    return "{" + ", ".join(f"{key}: {value}" for key, value in _items(proposal)) + "}"


def _list(values: Any) -> str:
    return "[" + ", ".join(scalar(str(value)) for value in values) + "]"
