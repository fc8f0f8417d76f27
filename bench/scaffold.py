"""Measure: how much of each demo source's hand-written mapping the scaffold's unedited draft gets
right.

    python -m bench.scaffold [--employees 400] [--journal-lines 4000] [--sample 1000]

The demo is generated in a temporary folder; each source is scaffolded through the pipeline
(``consolidation.pipeline.scaffold``) and its draft, as the loader reads it, is compared with the
hand-written mapping in ``mappings/``, field by field, over every (raw entity, unified entity)
pair the hand-written mapping has:

* column right: the draft maps the field from the same column(s) (or the same constant);
* values right: applied to every record of the source, the draft's field gives exactly the
  hand-written mapping's values (so equivalent transforms count, and a code map that misses a
  code, or a date format that misreads a day, does not);
* extra: fields the draft maps that the hand-written mapping leaves out.

Prints a Markdown table for docs/scaffold.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from consolidation.core.settings import Settings, SourcesSettings, StoreSettings
from consolidation.core.types import SOURCE_KEY
from consolidation.demo import SOURCES, generate
from consolidation.pipeline import Pipeline
from consolidation.pipeline.scaffold import DEFAULT_SAMPLE, scaffold_mapping
from mappings import EntityMapping, SourceMapping, apply_mapping, find_mapping, load_mapping
from mappings.scaffold import RawSample, render, scaffold

HAND_WRITTEN = Path(__file__).resolve().parents[1] / "mappings"

ARABIC_HEADERS: dict[str, dict[str, dict[str, str]]] = {
    "moh_hr": {
        "employee": {
            "EMP_NO": "الرقم الوظيفي",
            "CPR_NO": "الرقم الشخصي",
            "NM_AR": "الاسم",
            "NM_EN": "الاسم باللغة الإنجليزية",
            "BRTH_DT": "تاريخ الميلاد",
            "SEX": "الجنس",
            "NAT_CD": "الجنسية",
            "DEPT_CD": "رمز الإدارة",
            "JOB_CD": "رمز الوظيفة",
            "GRD_CD": "الدرجة",
            "JOIN_DT": "تاريخ الالتحاق بالعمل",
            "STAT_CD": "حالة الموظف",
            "BASIC_SAL": "الراتب الأساسي",
            "IBAN_NO": "رقم الحساب المصرفي (IBAN)",
            "EMAIL_ADDR": "البريد الإلكتروني",
            "MOB_NO": "رقم النقال",
            "UPD_TS": "تاريخ آخر تحديث",
        },
        "org_unit": {
            "DEPT_CD": "رمز الإدارة",
            "DEPT_NM_AR": "اسم الإدارة",
            "DEPT_NM_EN": "اسم الإدارة بالإنجليزية",
            "PRNT_DEPT_CD": "رمز الإدارة الأم",
        },
        "job": {
            "JOB_CD": "رمز الوظيفة",
            "JOB_TTL_AR": "المسمى الوظيفي",
            "JOB_TTL_EN": "المسمى الوظيفي بالإنجليزية",
            "GRD_CD": "الدرجة",
        },
        "grade": {
            "GRD_CD": "الدرجة",
            "MIN_SAL": "الحد الأدنى للراتب",
            "MAX_SAL": "الحد الأعلى للراتب",
        },
        "payroll_line": {
            "EMP_NO": "الرقم الوظيفي",
            "PAY_PRD": "شهر الاستحقاق",
            "PAY_CMP": "البند",
            "AMT": "المبلغ",
        },
    },
    "moe_hr": {
        "employee": {
            "staff_id": "رقم الموظف",
            "national_no": "رقم البطاقة السكانية",
            "first_name_ar": "الاسم الأول",
            "father_name_ar": "اسم الأب",
            "grandfather_name_ar": "اسم الجد",
            "family_name_ar": "اسم العائلة",
            "first_name_en": "First Name",
            "father_name_en": "Father Name",
            "family_name_en": "Family Name",
            "birth_date": "تاريخ الميلاد",
            "gender": "الجنس",
            "nationality": "الجنسية",
            "school_code": "رمز المدرسة",
            "position_code": "رمز الوظيفة",
            "grade": "الدرجة",
            "appointment_date": "تاريخ التعيين",
            "status": "الحالة الوظيفية",
            "monthly_salary": "الراتب الشهري",
            "bank_iban": "الآيبان",
            "email": "البريد الإلكتروني",
            "mobile": "الهاتف النقال",
            "last_modified": "آخر تعديل",
        },
        "org_unit": {
            "school_code": "رمز المدرسة",
            "name_ar": "اسم المدرسة",
            "name_en": "School Name",
            "unit_type": "نوع الوحدة",
            "parent_code": "الجهة التابعة لها",
        },
        "job": {
            "position_code": "رمز الوظيفة",
            "title_ar": "المسمى",
            "title_en": "Job Title",
            "grade": "الدرجة",
        },
        "grade": {"grade": "الدرجة", "min": "بداية المربوط", "max": "نهاية المربوط"},
        "payroll_line": {
            "staff_id": "رقم الموظف",
            "pay_month": "الشهر",
            "element": "نوع البدل",
            "value": "القيمة",
        },
    },
    "mof_gl": {
        "account": {
            "acct_no": "رقم الحساب",
            "acct_desc_ar": "اسم الحساب",
            "acct_desc_en": "Account Name",
            "acct_class": "تصنيف الحساب",
            "parent_acct": "الحساب الرئيسي",
        },
        "vendor": {
            "supp_id": "رقم المورد",
            "cr_no": "رقم السجل التجاري",
            "vat_no": "الرقم الضريبي",
            "name_ar": "اسم المورد",
            "name_en": "Supplier Name",
            "iban": "رقم الآيبان",
        },
        "journal_entry": {
            "je_id": "رقم القيد",
            "je_date": "تاريخ القيد",
            "period": "الفترة",
            "ref": "المرجع",
            "description": "البيان",
        },
        "journal_line": {
            "line_id": "رقم السطر",
            "je_id": "رقم القيد",
            "acct_no": "رقم الحساب",
            "supp_id": "رقم المورد",
            "dr_amt": "مدين",
            "cr_amt": "دائن",
            "currency": "العملة",
            "narration": "الشرح",
            "cost_center": "مركز التكلفة",
            "posted_at": "تاريخ الترحيل",
        },
        "opening_balance": {
            "acct_no": "رقم الحساب",
            "fiscal_year": "السنة المالية",
            "dr_amt": "الرصيد المدين",
            "cr_amt": "الرصيد الدائن",
        },
    },
    "mys_hr": {
        "employee": {
            "emp_code": "كود الموظف",
            "cpr": "الرقم الشخصي",
            "name_ar": "الاسم",
            "name_en": "Name",
            "birth_date": "تاريخ الميلاد",
            "gender": "الجنس",
            "nationality": "الجنسية",
            "unit_code": "القسم",
            "job_title": "المسمى الوظيفي",
            "hire_date": "تاريخ التعيين",
            "salary": "الراتب",
            "iban": "IBAN",
            "email": "البريد الإلكتروني",
            "phone": "الهاتف",
            "status": "الحالة",
        },
        "org_unit": {
            "unit_code": "رمز القسم",
            "name_ar": "اسم القسم",
            "name_en": "اسم القسم بالإنجليزي",
            "parent_code": "القسم الرئيسي",
        },
    },
    "mys_fin": {
        "account": {
            "account_code": "رمز الحساب",
            "name_ar": "اسم الحساب",
            "name_en": "اسم الحساب (إنجليزي)",
            "account_type": "نوع الحساب",
        },
        "vendor": {
            "vendor_code": "رمز المورد",
            "cr_no": "السجل التجاري",
            "vat_no": "رقم التسجيل الضريبي",
            "name_ar": "اسم المورد",
            "name_en": "اسم المورد بالإنجليزي",
            "iban": "الآيبان",
        },
        "journal_line": {
            "line_no": "رقم السطر",
            "entry_no": "رقم القيد",
            "entry_date": "تاريخ القيد",
            "account_code": "رمز الحساب",
            "vendor_code": "رمز المورد",
            "description": "البيان",
            "debit": "مدين",
            "credit": "دائن",
        },
    },
}
"""The demo's columns as a ministry exporting with Arabic headers might name them: the second
measure scaffolds the same records under these names."""


@dataclass
class FieldVerdict:
    raw: str
    target: str
    field: str
    hand: tuple[str, ...]
    draft: tuple[str, ...] | None
    """The draft's columns for the field (None: the draft does not map it)."""
    column_right: bool
    values_right: bool


@dataclass
class SourceScore:
    source: str
    verdicts: list[FieldVerdict] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.verdicts)

    @property
    def columns_right(self) -> int:
        return sum(v.column_right for v in self.verdicts)

    @property
    def values_right(self) -> int:
        return sum(v.values_right for v in self.verdicts)

    def wrong(self) -> list[FieldVerdict]:
        return [v for v in self.verdicts if not (v.column_right and v.values_right)]


def copy_reference(target: Path) -> None:
    """What a run reads from the mappings folder besides the mapping files, copied under
    ``target``: the reference folder, and each ministry's crosswalk, calendar and lookup tables
    (so that drafts written there run as the hand-written mappings do)."""
    shutil.copytree(HAND_WRITTEN / "reference", target / "reference", dirs_exist_ok=True)
    for folder in HAND_WRITTEN.iterdir():
        if not folder.is_dir() or folder.name == "reference" or (folder / "__init__.py").exists():
            continue
        for path in folder.iterdir():
            if path.suffix == ".csv" or path.name == "calendar.yaml":
                (target / folder.name).mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target / folder.name / path.name)


def _origin(entity: EntityMapping, name: str) -> tuple[str, ...]:
    mapped = entity.fields[name]
    return mapped.columns if mapped.columns else (f"const {mapped.const}",)


def _raw_frames(pipeline: Pipeline, source: str) -> dict[str, pd.DataFrame]:
    frames: dict[str, pd.DataFrame] = {}
    with pipeline.connector(source) as connector:
        for entity in connector.entities:
            chunks = [chunk.frame for chunk in connector.extract(entity)]
            frames[entity] = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()
    return frames


def _mapped(entity: EntityMapping, raw: pd.DataFrame) -> pd.DataFrame:
    frame = apply_mapping(entity, raw).frame
    return frame.set_index(SOURCE_KEY) if entity.distinct else frame


def _same(left: pd.Series, right: pd.Series) -> bool:
    if not left.index.equals(right.index):
        return False
    both_missing = left.isna() & right.isna()
    return bool(((left == right) | both_missing).all())


def compare(draft: SourceMapping, hand: SourceMapping, raw: dict[str, pd.DataFrame]) -> SourceScore:
    """The draft against the hand-written mapping, field by field (see the module's doc)."""
    score = SourceScore(hand.source)
    drafted = {(e.raw_entity, e.target): e for e in draft.entities}
    for hand_entity in hand.entities:
        pair = (hand_entity.raw_entity, hand_entity.target)
        draft_entity = drafted.get(pair)
        frames = raw.get(hand_entity.raw_entity)
        hand_frame = _mapped(hand_entity, frames) if frames is not None else None
        draft_frame = (
            _mapped(draft_entity, frames)
            if draft_entity is not None and frames is not None
            else None
        )
        for name in hand_entity.fields:
            expected = _origin(hand_entity, name)
            proposed = None
            if draft_entity is not None and name in draft_entity.fields:
                proposed = _origin(draft_entity, name)
            values = (
                proposed is not None
                and hand_frame is not None
                and draft_frame is not None
                and _same(hand_frame[name], draft_frame[name])
            )
            score.verdicts.append(
                FieldVerdict(*pair, name, expected, proposed, proposed == expected, values)
            )
    hand_pairs = {(e.raw_entity, e.target): e for e in hand.entities}
    for pair, draft_entity in drafted.items():
        known = hand_pairs.get(pair)
        for name in draft_entity.fields:
            if known is None or name not in known.fields:
                score.extra.append(f"{pair[0]}→{pair[1]}.{name}")
    return score


def measure(
    pipeline: Pipeline, out_dir: Path, *, sample: int = DEFAULT_SAMPLE
) -> list[SourceScore]:
    """Scaffold every demo source into ``out_dir`` and score each draft."""
    scores = []
    for source, spec in pipeline.config.sources.items():
        folder = out_dir / spec.ministry.lower()
        result = scaffold_mapping(pipeline, source, out=folder, sample=sample, force=True)
        hand = load_mapping(find_mapping(HAND_WRITTEN, source))
        scores.append(compare(result.mapping, hand, _raw_frames(pipeline, source)))
    return scores


def measure_renamed(
    pipeline: Pipeline,
    out_dir: Path,
    headers: dict[str, dict[str, dict[str, str]]] | None = None,
    *,
    sample: int = DEFAULT_SAMPLE,
) -> list[SourceScore]:
    """The same records under other column names (``headers``: source → entity → column → new
    name; None: col_1, col_2, … so that only content speaks), scaffolded from the sample, the
    draft loaded, its columns named back, and scored against the hand-written mapping."""
    scores = []
    for source, spec in pipeline.config.sources.items():
        raw = _raw_frames(pipeline, source)
        samples = []
        back: dict[str, dict[str, str]] = {}
        for entity, data in raw.items():
            columns = [column for column in data.columns if column != SOURCE_KEY]
            named = (
                headers[source][entity]
                if headers is not None
                else {column: f"col_{i}" for i, column in enumerate(columns, start=1)}
            )
            back[entity] = {new: old for old, new in named.items()}
            values = {named[c]: data[c].iloc[:sample].tolist() for c in columns}
            key = tuple(named[c] for c in spec.entities[entity].key if isinstance(c, str))
            samples.append(RawSample(entity, tuple(named[c] for c in columns), values, key))
        draft = scaffold(
            source, spec.ministry, samples, domain=spec.domain, declared=list(spec.entities)
        )
        path = out_dir / spec.ministry.lower() / f"{source}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(draft), encoding="utf-8")
        mapping = load_mapping(path, source_columns={s.entity: list(s.columns) for s in samples})
        hand = load_mapping(find_mapping(HAND_WRITTEN, source))
        scores.append(compare(_named_back(mapping, back), hand, raw))
    return scores


def _named_back(mapping: SourceMapping, back: dict[str, dict[str, str]]) -> SourceMapping:
    entities = []
    for entity in mapping.entities:
        names = back[entity.raw_entity]
        fields = {
            name: replace(f, columns=tuple(names.get(c, c) for c in f.columns))
            for name, f in entity.fields.items()
        }
        entities.append(replace(entity, fields=fields))
    return replace(mapping, entities=entities)


def table(scores: list[SourceScore]) -> str:
    lines = [
        "| source | fields (hand-written) | column right | values right | extra fields |",
        "|---|---:|---:|---:|---:|",
    ]
    for s in scores:
        lines.append(
            f"| {s.source} | {s.total} | {s.columns_right} ({s.columns_right / s.total:.0%}) | "
            f"{s.values_right} ({s.values_right / s.total:.0%}) | {len(s.extra)} |"
        )
    total = sum(s.total for s in scores)
    columns = sum(s.columns_right for s in scores)
    values = sum(s.values_right for s in scores)
    extra = sum(len(s.extra) for s in scores)
    lines.append(
        f"| all | {total} | {columns} ({columns / total:.0%}) | {values} ({values / total:.0%}) "
        f"| {extra} |"
    )
    return "\n".join(lines)


def demo_pipeline(folder: Path, employees: int, journal_lines: int) -> Pipeline:
    manifest = generate(folder / "demo", employees=employees, journal_lines=journal_lines)
    settings = Settings(
        store=StoreSettings(url=f"sqlite:///{folder / 'store.db'}", raw_dir=folder / "raw"),
        sources=SourcesSettings(config=manifest.sources_file),
    )
    return Pipeline(settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=400)
    parser.add_argument("--journal-lines", type=int, default=4000)
    parser.add_argument("--sample", type=int, default=DEFAULT_SAMPLE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scaffold-") as folder:
        pipeline = demo_pipeline(Path(folder), args.employees, args.journal_lines)
        assert list(pipeline.config.sources) == list(SOURCES)
        scores = measure(pipeline, Path(folder) / "drafts", sample=args.sample)
        arabic = measure_renamed(
            pipeline, Path(folder) / "arabic", ARABIC_HEADERS, sample=args.sample
        )
        opaque = measure_renamed(pipeline, Path(folder) / "opaque", sample=args.sample)
    print("Demo sources as they are:\n")
    print(table(scores))
    print("\nThe same records under Arabic column headers:\n")
    print(table(arabic))
    print("\nThe same records under opaque column names (col_1, col_2, ...):\n")
    print(table(opaque))
    for s in [*scores, *arabic]:
        for v in s.wrong():
            what = "not mapped" if v.draft is None else f"from {', '.join(v.draft)}"
            verdict = "values differ" if v.column_right else "column differs"
            print(
                f"{s.source}: {v.raw}→{v.target}.{v.field}: hand-written from "
                f"{', '.join(v.hand)}; draft {what} ({verdict})",
                file=sys.stderr,
            )
        for extra in s.extra:
            print(f"{s.source}: extra {extra}", file=sys.stderr)


if __name__ == "__main__":
    main()
