"""Suppliers of the two finance ministries; some supply both, under differently typed names."""

from __future__ import annotations

import random
from dataclasses import dataclass

from consolidation.demo.faults import BAD_IBAN_CHECKSUM, FaultRates, fault_count
from consolidation.demo.identity import corrupt_iban, make_cr, make_iban, make_vat
from consolidation.demo.names import FAMILY
from consolidation.demo.seeding import stream

_PLACES = (
    ("الخليج", "Gulf"),
    ("البحرين", "Bahrain"),
    ("دلمون", "Delmon"),
    ("أوال", "Awal"),
    ("المنامة", "Manama"),
    ("العربية", "Arabian"),
    ("الجزيرة", "Al Jazira"),
    ("السيف", "Seef"),
    ("اللؤلؤ", "Pearl"),
    ("المحرق", "Muharraq"),
    ("سترة", "Sitra"),
    ("الرفاع", "Riffa"),
    ("البديع", "Budaiya"),
    ("توبلي", "Tubli"),
    ("الحد", "Hidd"),
    ("الزلاق", "Zallaq"),
    ("الفاتح", "Al Fateh"),
    ("الجفير", "Juffair"),
    ("سلماباد", "Salmabad"),
    ("العدلية", "Adliya"),
    ("سند", "Sanad"),
    ("عراد", "Arad"),
    ("قلالي", "Galali"),
    ("النخيل", "Palm"),
    ("الواحة", "Oasis"),
)
_TRADES = (
    ("للتجارة", "Trading"),
    ("للمستلزمات الطبية", "Medical Supplies"),
    ("للمقاولات", "Contracting"),
    ("للقرطاسية", "Stationery"),
    ("لحلول تقنية المعلومات", "IT Solutions"),
    ("للتموين", "Catering"),
    ("لخدمات التنظيف", "Cleaning Services"),
    ("للهندسة", "Engineering"),
    ("للأدوية", "Pharmaceuticals"),
    ("للطباعة", "Printing"),
    ("للخدمات الأمنية", "Security Services"),
    ("للسفر والسياحة", "Travel and Tourism"),
    ("للأثاث", "Furniture"),
    ("للأعمال الكهربائية", "Electrical Works"),
    ("للمعدات الرياضية", "Sports Equipment"),
    ("للتدريب", "Training"),
    ("للاستشارات", "Consultancy"),
    ("للنقل", "Transport"),
    ("للصيانة", "Maintenance"),
    ("لتنظيم الفعاليات", "Events"),
)
_SUFFIXES = (
    ("ذ.م.م", "W.L.L", "WLL"),
    ("ذ.م.م", "Co. W.L.L", "Co WLL"),
    ("ش.م.ب (مقفلة)", "B.S.C (c)", "BSC(c)"),
    ("ش.ش.و", "S.P.C", "SPC"),
)


@dataclass(frozen=True)
class Vendor:
    vid: str
    stem_ar: str
    stem_en: str
    suffix: int
    cr: str
    vat: str
    iban: str

    @property
    def name_ar(self) -> str:
        return f"شركة {self.stem_ar} {_SUFFIXES[self.suffix][0]}"

    @property
    def name_en(self) -> str:
        return f"{self.stem_en} {_SUFFIXES[self.suffix][1]}"


@dataclass(frozen=True)
class VendorRecord:
    vendor: Vendor
    key: str
    name_ar: str
    name_en: str
    iban: str
    fault: str | None = None


def vendor_counts(journal_lines: int, mys_lines: int) -> dict[str, int]:
    return {
        "mof_gl": min(1_000, max(60, journal_lines // 40)),
        "mys_fin": min(60, max(15, mys_lines // 8)),
    }


def plan_vendors(
    seed: int, counts: dict[str, int], rates: FaultRates
) -> dict[str, list[VendorRecord]]:
    """Vendor records of both finance sources; about 40% of MYS's suppliers also supply MOF."""
    rng = stream(seed, "vendors")
    stems = [(place_ar, place_en) for place_ar, place_en in _PLACES]
    stems += [(family.ar[0], family.en[0]) for family in FAMILY]
    combos = [(stem, trade) for stem in stems for trade in _TRADES]
    rng.shuffle(combos)
    shared = round(counts["mys_fin"] * 0.4)
    total = min(len(combos), counts["mof_gl"] + counts["mys_fin"] - shared)
    crs: set[str] = set()
    vats: set[str] = set()
    pool = [
        Vendor(
            vid=f"V{number + 1:04d}",
            stem_ar=f"{stem[0]} {trade[0]}",
            stem_en=f"{stem[1]} {trade[1]}",
            suffix=rng.randrange(len(_SUFFIXES)),
            cr=make_cr(rng, crs),
            vat=make_vat(rng, vats),
            iban=make_iban(rng),
        )
        for number, (stem, trade) in enumerate(combos[:total])
    ]
    mof_vendors = pool[: counts["mof_gl"]]
    mys_vendors = rng.sample(mof_vendors, min(shared, len(mof_vendors)))
    mys_vendors += pool[counts["mof_gl"] :][: counts["mys_fin"] - len(mys_vendors)]
    rng.shuffle(mys_vendors)
    mys_ids = {vendor.vid for vendor in mys_vendors}
    mof_ids = {vendor.vid for vendor in mof_vendors}

    records = {
        "mof_gl": [
            VendorRecord(vendor, str(10_001 + i), vendor.name_ar, vendor.name_en, vendor.iban)
            for i, vendor in enumerate(mof_vendors)
        ],
        "mys_fin": [
            VendorRecord(vendor, f"SUP-{i + 1:04d}", *_as_typed(rng, vendor, vendor.vid in mof_ids))
            for i, vendor in enumerate(mys_vendors)
        ],
    }
    for source, others in (("mof_gl", mys_ids), ("mys_fin", mof_ids)):
        eligible = [
            i for i, record in enumerate(records[source]) if record.vendor.vid not in others
        ]
        count = min(len(eligible), fault_count(rates.bad_iban_checksum, len(records[source])))
        for i in rng.sample(eligible, count):
            record = records[source][i]
            records[source][i] = VendorRecord(
                record.vendor,
                record.key,
                record.name_ar,
                record.name_en,
                corrupt_iban(rng, record.iban),
                BAD_IBAN_CHECKSUM,
            )
    return records


def _as_typed(rng: random.Random, vendor: Vendor, shared: bool) -> tuple[str, str, str]:
    """A supplier's names and IBAN as a second ministry's clerk typed them."""
    if not shared:
        return vendor.name_ar, vendor.name_en, vendor.iban
    suffix_ar, _, short_en = _SUFFIXES[vendor.suffix]
    name_ar = vendor.name_ar if rng.random() < 0.5 else f"{vendor.stem_ar} {suffix_ar}"
    name_en = f"{vendor.stem_en} {short_en}"
    if rng.random() < 0.3:
        name_en = name_en.upper()
    return name_ar, name_en, vendor.iban
