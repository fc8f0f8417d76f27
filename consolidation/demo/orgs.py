"""The HR reference data of the three HR ministries: org units, jobs and grade salary bands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    code: str
    name_ar: str
    name_en: str
    parent: str | None
    kind: str = "DEPARTMENT"
    staffed: bool = True


@dataclass(frozen=True)
class Job:
    code: str
    title_ar: str
    title_en: str
    grade: str
    weight: int


@dataclass(frozen=True)
class Grade:
    code: str
    min_fils: int
    max_fils: int


@dataclass(frozen=True)
class Organisation:
    units: tuple[Unit, ...]
    jobs: tuple[Job, ...]
    grades: tuple[Grade, ...]

    def grade(self, code: str) -> Grade:
        return next(grade for grade in self.grades if grade.code == code)

    def grade_above(self, code: str) -> str:
        codes = [grade.code for grade in self.grades]
        return codes[min(codes.index(code) + 1, len(codes) - 1)]

    @property
    def staffed_units(self) -> list[Unit]:
        return [unit for unit in self.units if unit.staffed]


def _bands(prefix: str, bands: tuple[tuple[int, int], ...], width: int) -> tuple[Grade, ...]:
    return tuple(
        Grade(f"{prefix}{number:0{width}d}", low * 1000, high * 1000)
        for number, (low, high) in enumerate(bands, start=1)
    )


MOH = Organisation(
    units=(
        Unit("D000", "وزارة الصحة", "Ministry of Health", None, "MINISTRY", staffed=False),
        Unit("D100", "مجمع السلمانية الطبي", "Salmaniya Medical Complex", "D000", "HOSPITAL"),
        Unit("D110", "قسم الطوارئ", "Emergency Department", "D100"),
        Unit("D120", "قسم الجراحة", "Department of Surgery", "D100"),
        Unit("D130", "قسم الأمراض الباطنية", "Internal Medicine", "D100"),
        Unit("D140", "قسم طب الأطفال", "Paediatrics", "D100"),
        Unit("D150", "قسم الأشعة", "Radiology", "D100"),
        Unit("D160", "المختبر الطبي", "Medical Laboratory", "D100"),
        Unit("D170", "إدارة التمريض", "Nursing Directorate", "D100"),
        Unit("D200", "الرعاية الصحية الأولية", "Primary Healthcare", "D000", "DIRECTORATE"),
        Unit("D210", "مركز النعيم الصحي", "Naim Health Centre", "D200", "HEALTH_CENTRE"),
        Unit("D220", "مركز مدينة عيسى الصحي", "Isa Town Health Centre", "D200", "HEALTH_CENTRE"),
        Unit("D230", "مركز المحرق الصحي", "Muharraq Health Centre", "D200", "HEALTH_CENTRE"),
        Unit("D240", "مركز سترة الصحي", "Sitra Health Centre", "D200", "HEALTH_CENTRE"),
        Unit("D250", "مركز مدينة حمد الصحي", "Hamad Town Health Centre", "D200", "HEALTH_CENTRE"),
        Unit("D300", "إدارة الصحة العامة", "Public Health Directorate", "D000", "DIRECTORATE"),
        Unit("D310", "قسم مكافحة الأمراض", "Disease Control", "D300"),
        Unit("D400", "إدارة الصيدلة", "Pharmacy Directorate", "D000", "DIRECTORATE"),
        Unit("D500", "إدارة الموارد البشرية", "Human Resources Directorate", "D000", "DIRECTORATE"),
        Unit(
            "D600", "إدارة الشؤون المالية", "Financial Affairs Directorate", "D000", "DIRECTORATE"
        ),
    ),
    jobs=(
        Job("J010", "طبيب استشاري", "Consultant Physician", "G11", 2),
        Job("J011", "طبيب مقيم", "Resident Physician", "G08", 6),
        Job("J012", "طبيب عام", "General Practitioner", "G09", 5),
        Job("J020", "ممرض أول", "Senior Nurse", "G07", 6),
        Job("J021", "ممرض", "Staff Nurse", "G05", 18),
        Job("J030", "صيدلي", "Pharmacist", "G07", 4),
        Job("J040", "فني مختبر", "Laboratory Technician", "G05", 5),
        Job("J041", "فني أشعة", "Radiographer", "G05", 4),
        Job("J050", "أخصائي علاج طبيعي", "Physiotherapist", "G06", 3),
        Job("J060", "موظف إداري", "Administrative Officer", "G04", 8),
        Job("J061", "كاتب", "Clerk", "G02", 5),
        Job("J070", "محاسب", "Accountant", "G06", 3),
        Job("J080", "أخصائي موارد بشرية", "HR Specialist", "G06", 2),
        Job("J090", "سائق إسعاف", "Ambulance Driver", "G03", 3),
        Job("J099", "مدير إدارة", "Director", "G12", 1),
    ),
    grades=_bands(
        "G",
        (
            (350, 500),
            (420, 620),
            (500, 750),
            (600, 900),
            (750, 1100),
            (900, 1350),
            (1100, 1600),
            (1300, 1900),
            (1550, 2250),
            (1800, 2650),
            (2200, 3300),
            (2800, 4200),
        ),
        2,
    ),
)

_MOE_DIRECTORATES = (
    ("D01", "مديرية تعليم العاصمة", "Capital Education Directorate"),
    ("D02", "مديرية تعليم المحرق", "Muharraq Education Directorate"),
    ("D03", "مديرية تعليم الشمالية", "Northern Education Directorate"),
    ("D04", "مديرية تعليم الجنوبية", "Southern Education Directorate"),
)
_MOE_PLACES = (
    ("المنامة", "Manama", "D01"),
    ("الحورة", "Hoora", "D01"),
    ("المحرق", "Muharraq", "D02"),
    ("الحد", "Hidd", "D02"),
    ("مدينة عيسى", "Isa Town", "D04"),
    ("سترة", "Sitra", "D01"),
    ("الرفاع", "Riffa", "D04"),
    ("مدينة حمد", "Hamad Town", "D03"),
    ("البديع", "Budaiya", "D03"),
    ("جدحفص", "Jidhafs", "D03"),
)
_MOE_SCHOOL_TYPES = (
    ("الابتدائية للبنين", "Primary Boys"),
    ("الإعدادية للبنات", "Intermediate Girls"),
    ("الثانوية للبنين", "Secondary Boys"),
)


def _moe_units() -> tuple[Unit, ...]:
    units = [Unit("HQ", "ديوان وزارة التربية والتعليم", "Ministry of Education HQ", None, "HQ")]
    units += [Unit(code, ar, en, "HQ", "DIRECTORATE") for code, ar, en in _MOE_DIRECTORATES]
    number = 0
    for place_ar, place_en, directorate in _MOE_PLACES:
        for type_ar, type_en in _MOE_SCHOOL_TYPES:
            number += 1
            units.append(
                Unit(
                    f"S{number:03d}",
                    f"مدرسة {place_ar} {type_ar}",
                    f"{place_en} {type_en} School",
                    directorate,
                    "SCHOOL",
                )
            )
    return tuple(units)


MOE = Organisation(
    units=_moe_units(),
    jobs=(
        Job("P01", "معلم", "Teacher", "5", 40),
        Job("P02", "معلم أول", "Senior Teacher", "6", 10),
        Job("P03", "رئيس قسم", "Head of Department", "7", 5),
        Job("P04", "مدير مدرسة", "School Principal", "9", 2),
        Job("P05", "مساعد مدير مدرسة", "Vice Principal", "8", 3),
        Job("P06", "أخصائي اجتماعي", "Social Worker", "5", 4),
        Job("P07", "أمين مكتبة", "Librarian", "4", 2),
        Job("P08", "فني مختبر", "Laboratory Technician", "4", 2),
        Job("P09", "كاتب", "Clerk", "3", 5),
        Job("P10", "أخصائي تقنية معلومات", "IT Specialist", "6", 2),
        Job("P11", "محاسب", "Accountant", "6", 2),
        Job("P12", "حارس أمن", "Security Guard", "2", 3),
    ),
    grades=_bands(
        "",
        (
            (380, 520),
            (450, 650),
            (520, 780),
            (620, 920),
            (760, 1150),
            (900, 1400),
            (1100, 1650),
            (1300, 1950),
            (1600, 2400),
            (1900, 2800),
        ),
        1,
    ),
)

MYS = Organisation(
    units=(
        Unit("U01", "وزارة شؤون الشباب", "Ministry of Youth Affairs", None, "MINISTRY", False),
        Unit("U10", "إدارة البرامج الشبابية", "Youth Programmes Directorate", "U01"),
        Unit("U11", "قسم مراكز الشباب", "Youth Centres Section", "U10"),
        Unit("U12", "قسم المبادرات الشبابية", "Youth Initiatives Section", "U10"),
        Unit("U20", "إدارة الخدمات المساندة", "Support Services Directorate", "U01"),
        Unit("U21", "قسم الموارد البشرية", "Human Resources Section", "U20"),
        Unit("U22", "قسم الشؤون المالية", "Finance Section", "U20"),
        Unit("U30", "مكتب الوزير", "Minister's Office", "U01"),
    ),
    jobs=(
        Job("YPS", "أخصائي برامج شبابية", "Youth Programme Specialist", "B3", 6),
        Job("YCS", "مشرف مركز شبابي", "Youth Centre Supervisor", "B2", 4),
        Job("CRD", "منسق", "Coordinator", "B2", 4),
        Job("ACC", "محاسب", "Accountant", "B3", 2),
        Job("ADM", "مساعد إداري", "Administrative Assistant", "B1", 4),
        Job("DRV", "سائق", "Driver", "B1", 2),
        Job("DIR", "مدير", "Director", "B4", 1),
    ),
    grades=_bands("B", ((450, 700), (650, 1000), (900, 1500), (1800, 3000)), 1),
)
