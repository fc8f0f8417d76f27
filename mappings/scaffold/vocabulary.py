"""What the scaffold knows about names: column names read as canonical tokens (English
abbreviations expanded, Arabic words translated), the names each unified field goes by, and the
codes its enumerated fields take (gender, status, pay components, countries).

Everything here is data a reviewer can extend; ``mappings.scaffold.scoring`` and ``propose``
only read it. One cohesive table of words, aliases and codes (no logic beyond reading a name as
tokens), which is why this module is long: split, a reviewer would look in several files for
the one word a ministry's column uses.
"""

from __future__ import annotations

import re
import unicodedata

ENGLISH: dict[str, str] = {
    # identifiers: number, no, id and code are one idea in a column name
    "no": "id",
    "num": "id",
    "nbr": "id",
    "nr": "id",
    "number": "id",
    "code": "id",
    "cd": "id",
    "cod": "id",
    "key": "id",
    "ref": "reference",
    "refno": "reference",
    # people
    "emp": "employee",
    "empl": "employee",
    "employee": "employee",
    "staff": "employee",
    "personnel": "employee",
    "worker": "employee",
    "cpr": "cpr",
    "civil": "national",
    "nid": "cpr",
    "identity": "identity",
    "nm": "name",
    "nme": "name",
    "fname": "first",
    "lname": "family",
    "surname": "family",
    "last": "family",
    "family": "family",
    "middle": "father",
    "second": "father",
    "third": "grandfather",
    "ar": "arabic",
    "arb": "arabic",
    "arabic": "arabic",
    "en": "english",
    "eng": "english",
    "english": "english",
    "latin": "english",
    "brth": "birth",
    "birth": "birth",
    "born": "birth",
    "dob": "birth",
    "bdate": "birth",
    "sex": "gender",
    "gndr": "gender",
    "nat": "nationality",
    "natl": "nationality",
    "citizenship": "nationality",
    "country": "nationality",
    # dates
    "dt": "date",
    "dte": "date",
    "date": "date",
    "joining": "join",
    "joined": "join",
    "doj": "join",
    "hired": "hire",
    "appt": "appointment",
    "appointed": "appointment",
    "termination": "end",
    "terminated": "end",
    "resignation": "end",
    "leaving": "end",
    # organisation
    "dept": "department",
    "dep": "department",
    "dpt": "department",
    "department": "department",
    "div": "division",
    "org": "unit",
    "orgunit": "unit",
    "section": "unit",
    "sect": "unit",
    "directorate": "unit",
    "division": "unit",
    "prnt": "parent",
    "par": "parent",
    "parent": "parent",
    "upper": "parent",
    "pos": "position",
    "post": "position",
    "position": "position",
    "designation": "position",
    "ttl": "title",
    "grd": "grade",
    "grade": "grade",
    "scale": "grade",
    "lvl": "grade",
    "level": "grade",
    "stat": "status",
    "sts": "status",
    "state": "status",
    # pay
    "sal": "salary",
    "salary": "salary",
    "wage": "salary",
    "bsc": "basic",
    "basic": "basic",
    "amt": "amount",
    "amount": "amount",
    "val": "amount",
    "value": "amount",
    "prd": "period",
    "per": "period",
    "mth": "month",
    "mon": "month",
    "month": "month",
    "cmp": "component",
    "comp": "component",
    "elem": "component",
    "element": "component",
    "item": "component",
    "allowance": "component",
    "minimum": "min",
    "maximum": "max",
    # contact
    "mob": "mobile",
    "gsm": "mobile",
    "cell": "mobile",
    "tel": "phone",
    "ph": "phone",
    "telephone": "phone",
    "mail": "email",
    "addr": "address",
    # finance
    "acct": "account",
    "acc": "account",
    "ac": "account",
    "gl": "account",
    "desc": "description",
    "descr": "description",
    "narr": "description",
    "narration": "description",
    "narrative": "description",
    "memo": "description",
    "remarks": "description",
    "details": "description",
    "cls": "class",
    "typ": "type",
    "supp": "vendor",
    "sup": "vendor",
    "supplier": "vendor",
    "vend": "vendor",
    "vnd": "vendor",
    "vendor": "vendor",
    "je": "journal entry",
    "jv": "journal entry",
    "voucher": "entry",
    "journal": "journal",
    "ln": "line",
    "seq": "line",
    "dr": "debit",
    "debit": "debit",
    "ccy": "currency",
    "cur": "currency",
    "curr": "currency",
    "center": "centre",
    "cc": "cost centre",
    "costcenter": "cost centre",
    "costcentre": "cost centre",
    "fy": "fiscal year",
    "fiscal": "fiscal",
    "yr": "year",
    "commercial": "commercial",
    "registration": "registration",
    "reg": "registration",
    "tax": "vat",
    "trn": "vat",
}
"""A column name's word (lower case) → its canonical token(s); words not listed stay as they are."""

ARABIC: dict[str, str] = {
    "رقم": "id",
    "رمز": "id",
    "كود": "id",
    "الرقم": "id",
    "شخصي": "personal",
    "هويه": "identity",
    "مدني": "national",
    "سكاني": "national",
    "سكانيه": "national",
    "بطاقه": "identity",
    "موظف": "employee",
    "وظيفي": "employee",
    "اسم": "name",
    "الاسم": "name",
    "اول": "first",
    "اب": "father",
    "الاب": "father",
    "جد": "grandfather",
    "الجد": "grandfather",
    "عائله": "family",
    "العائله": "family",
    "لقب": "family",
    "عربي": "arabic",
    "بالعربي": "arabic",
    "بالعربيه": "arabic",
    "انجليزي": "english",
    "بالانجليزي": "english",
    "بالانجليزيه": "english",
    "انكليزي": "english",
    "لاتيني": "english",
    "تاريخ": "date",
    "ميلاد": "birth",
    "الميلاد": "birth",
    "جنس": "gender",
    "نوع": "type",
    "جنسيه": "nationality",
    "قسم": "department",
    "اداره": "department",
    "مدرسه": "school",
    "وحده": "unit",
    "وظيفه": "position",
    "مسمي": "title",
    "درجه": "grade",
    "تعيين": "hire",
    "التحاق": "join",
    "مباشره": "join",
    "انتهاء": "end",
    "استقاله": "end",
    "حاله": "status",
    "راتب": "salary",
    "اساسي": "basic",
    "ايبان": "iban",
    "الايبان": "iban",
    "حساب": "account",
    "بنكي": "bank",
    "بنك": "bank",
    "مصرفي": "bank",
    "بريد": "email",
    "الكتروني": "email",
    "هاتف": "phone",
    "جوال": "mobile",
    "نقال": "mobile",
    "موبايل": "mobile",
    "شهر": "month",
    "فتره": "period",
    "بند": "component",
    "عنصر": "component",
    "علاوه": "component",
    "مبلغ": "amount",
    "قيمه": "amount",
    "وصف": "description",
    "بيان": "description",
    "شرح": "description",
    "تصنيف": "class",
    "مورد": "vendor",
    "سجل": "registration",
    "تجاري": "commercial",
    "ضريبي": "vat",
    "ضريبه": "vat",
    "قيد": "entry",
    "يوميه": "journal",
    "مرجع": "reference",
    "سطر": "line",
    "مدين": "debit",
    "دائن": "credit",
    "عمله": "currency",
    "مركز": "centre",
    "تكلفه": "cost",
    "سنه": "year",
    "ماليه": "fiscal",
    "رئيسي": "parent",
    "تابع": "parent",
    "تابعه": "parent",
    "ام": "parent",
    "رصيد": "balance",
    "بدايه": "min",
    "نهايه": "max",
    "بدل": "component",
    "ادني": "min",
    "اعلي": "max",
    "اقصي": "max",
    "حد": "",
}
"""An Arabic word (normalized, without its article) → its canonical token(s)."""

ARABIC_PHRASES: dict[str, str] = {
    "الرقم الوظيفي": "employee id",
    "رقم الموظف": "employee id",
    "المسمى الوظيفي": "job title",
    "الدرجة الوظيفية": "grade",
    "الرقم الشخصي": "cpr",
    "الرقم السكاني": "cpr",
    "السجل التجاري": "commercial registration",
    "مركز التكلفة": "cost centre",
    "السنة المالية": "fiscal year",
    "الحساب الرئيسي": "parent account",
}
"""Arabic phrases whose words mean something else apart ('the job title', not 'the title' and
'of the employee')."""

_TASHKEEL = re.compile("[\u064b-\u065f\u0670\u0640]")
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_SPLIT = re.compile(r"[^0-9a-z\u0621-\u064a]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def normalize_arabic(text: str) -> str:
    """Arabic as compared here: no diacritics or tatweel, one alef, ه for ة, ي for ى."""
    text = _TASHKEEL.sub("", unicodedata.normalize("NFKC", text))
    for variants, plain in (("أإآٱ", "ا"), ("ة", "ه"), ("ى", "ي"), ("ؤ", "و"), ("ئ", "ي")):
        for variant in variants:
            text = text.replace(variant, plain)
    return text


def _arabic_word(word: str) -> str:
    forms = (word, *(word.removeprefix(p) for p in ("ال", "بال", "لل", "و", "ب", "ل")))
    for form in forms:
        if form in _ARABIC:
            return _ARABIC[form]
    return word.removeprefix("ال") if len(word) > 4 else word


def _english_word(word: str) -> str:
    if word in ENGLISH:
        return ENGLISH[word]
    if word.isalpha() and len(word) > 3:  # EMPNO, BIRTHDATE: a known word glued to another
        for cut in range(2, len(word) - 1):
            head, tail = word[:cut], word[cut:]
            if head in _KNOWN and tail in _KNOWN:
                return f"{ENGLISH.get(head, head)} {ENGLISH.get(tail, tail)}"
    if word.endswith("s") and word[:-1] in _KNOWN:
        return ENGLISH.get(word[:-1], word[:-1])
    return word


def _known_words() -> frozenset[str]:
    words = set(ENGLISH) | {part for value in ENGLISH.values() for part in value.split()}
    words |= {
        part for phrases in FIELD_NAMES.values() for phrase in phrases for part in phrase.split()
    }
    return frozenset(word for word in words if len(word) > 1)


def tokens(name: str) -> tuple[str, ...]:
    """A column or entity name as canonical tokens: 'CPR_NO' → (cpr, id), 'BasicSal' →
    (basic, salary), 'تاريخ الميلاد' → (date, birth), 'e-mail' → (email)."""
    spaced = _CAMEL.sub(" ", name.replace("e-mail", "email").replace("E-mail", "email"))
    text = normalize_arabic(spaced).lower()
    for phrase, canonical in _PHRASES.items():
        text = text.replace(phrase, f" {canonical} ")
    found: list[str] = []
    for word in _SPLIT.split(text):
        if not word:
            continue
        canonical = _arabic_word(word) if _ARABIC_LETTER.match(word) else _english_word(word)
        found.extend(part for part in canonical.split() if part)
    return tuple(dict.fromkeys(found))


def has_arabic(text: str) -> bool:
    return bool(_ARABIC_LETTER.search(text))


FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "employee_no": ("employee id", "employee", "personnel id", "file id"),
    "national_id": (
        "cpr",
        "national id",
        "national",
        "identity",
        "identity id",
        "personal id",
        "cpr id",
        "id card",
    ),
    "name_ar": ("name arabic", "full name arabic", "arabic", "name", "full name"),
    "name_en": ("name english", "full name english", "english", "name", "full name"),
    "name": ("name", "description"),
    "title_ar": ("title arabic", "position title arabic", "name arabic", "title"),
    "title_en": ("title english", "position title english", "name english", "title"),
    "birth_date": ("birth", "birth date", "date birth"),
    "gender": ("gender",),
    "nationality": ("nationality",),
    "org_unit_code": ("department", "unit", "school", "department id", "unit id", "school id"),
    "job_code": ("position", "job", "position id", "job id", "job title", "position title"),
    "grade_code": ("grade", "grade id"),
    "hire_date": ("hire", "join", "appointment", "hire date", "join date", "appointment date"),
    "end_date": ("end", "end date", "end service"),
    "status": ("status", "employee status", "employment status"),
    "base_salary": ("salary", "basic salary", "basic", "monthly salary", "basic pay"),
    "iban": ("iban", "bank account", "iban id", "bank iban", "account iban"),
    "email": ("email", "email address"),
    "phone": ("phone", "mobile", "mobile id", "phone id", "contact id"),
    "parent_code": ("parent", "parent id"),
    "min_salary": ("min", "min salary", "min amount"),
    "max_salary": ("max", "max salary", "max amount"),
    "period": ("period", "month", "pay period", "pay month", "salary month"),
    "component": ("component", "pay component", "component id", "pay type", "allowance type"),
    "amount": ("amount", "pay amount"),
    "account_type": ("type", "class", "account type", "account class"),
    "vendor_no": ("vendor", "vendor id"),
    "cr_number": ("cr id", "commercial registration", "registration id", "cr"),
    "vat_number": ("vat", "vat id", "vat registration"),
    "entry_no": ("journal entry id", "entry id", "journal entry", "entry", "journal id"),
    "entry_date": ("journal entry date", "entry date", "date", "posting date", "document date"),
    "reference": ("reference", "reference id", "document id"),
    "description": ("description",),
    "line_no": ("line", "line id", "journal line id"),
    "account_code": ("account", "account id"),
    "debit": ("debit", "debit amount"),
    "credit": ("credit", "cr amount", "credit amount"),
    "currency": ("currency", "currency id"),
    "cost_centre": ("cost centre", "centre cost", "cost centre id"),
    "fiscal_year": ("fiscal year", "year"),
}
"""The names a unified field goes by, as canonical token phrases (see ``tokens``)."""

ENTITY_FIELD_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("org_unit", "code"): ("department id", "unit id", "school id", "department", "unit", "id"),
    ("org_unit", "name_ar"): ("department name arabic", "unit name arabic", "name arabic"),
    ("job", "code"): ("position id", "job id", "position", "job", "id"),
    ("grade", "code"): ("grade", "grade id", "id"),
    ("account", "code"): ("account id", "account", "id"),
    ("account", "name_ar"): ("name arabic", "description arabic", "account name arabic"),
    ("account", "name_en"): ("name english", "description english", "account name english"),
    ("account", "parent_code"): ("parent", "parent id", "parent account"),
}
"""Names that only mean the field in one entity (an org unit's 'code' is its department id)."""

ENTITY_NAMES: dict[str, tuple[str, ...]] = {
    "employee": ("employee", "employees", "hr", "personnel", "person", "people"),
    "org_unit": ("unit", "department", "school", "organisation", "org", "structure"),
    "job": ("position", "job", "jobs", "title"),
    "grade": ("grade", "salary scale", "pay scale", "grades"),
    "payroll_line": ("payroll", "pay", "salary", "payslip", "payroll line"),
    "account": ("account", "chart", "coa", "chart account", "account chart"),
    "vendor": ("vendor", "party", "creditor"),
    "journal_entry": ("journal entry", "journal header", "entry header", "entry"),
    "journal_line": ("journal line", "entry line", "line", "journal", "transaction"),
    "opening_balance": ("opening balance", "balance", "opening"),
}
"""Raw entity or table names that suggest each unified entity (canonical token phrases)."""

REFERENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("employee", "job_code"): ("job", "code"),
    ("employee", "org_unit_code"): ("org_unit", "code"),
    ("employee", "grade_code"): ("grade", "code"),
    ("job", "grade_code"): ("grade", "code"),
    ("journal_line", "entry_no"): ("journal_entry", "entry_no"),
    ("journal_line", "account_code"): ("account", "code"),
    ("journal_line", "vendor_no"): ("vendor", "vendor_no"),
    ("opening_balance", "account_code"): ("account", "code"),
    ("payroll_line", "employee_no"): ("employee", "employee_no"),
    ("org_unit", "parent_code"): ("org_unit", "code"),
    ("account", "parent_code"): ("account", "code"),
}
"""A field that names a record of another entity (or of its own): its values are that entity's
keys, and a source without that entity's own table may derive it (``distinct: true``) from the
distinct values of the referring column."""

SHARED_FIELDS: dict[str, tuple[str, ...]] = {
    "journal_entry": ("entry_date", "period", "reference"),
}
"""Fields a derived entity takes from the same field of the entity it is derived from."""


def _codes(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normalize_arabic(raw).casefold(): code for code, raws in table.items() for raw in raws}


GENDERS = _codes(
    {
        "male": ("m", "male", "man", "ذكر", "رجل", "ذ"),
        "female": ("f", "female", "woman", "انثى", "أنثى", "امرأة", "ان"),
    }
)
GENDER_DIGITS = {"1": "male", "2": "female"}
"""1 and 2 are a common but unstated convention: proposed, and said to be a guess."""

STATUSES = _codes(
    {
        "active": ("a", "act", "active", "1", "y", "working", "in service", "نشط", "فعال", "قائم"),
        "suspended": ("s", "susp", "suspended", "on hold", "موقوف", "معلق", "ايقاف"),
        "terminated": (
            "t",
            "term",
            "terminated",
            "resigned",
            "retired",
            "inactive",
            "left",
            "0",
            "منتهي",
            "منتهية",
            "مستقيل",
            "متقاعد",
            "منتهي الخدمة",
        ),
    }
)

COMPONENTS = _codes(
    {
        "basic": ("basic", "basic salary", "bsc", "الراتب الأساسي", "راتب أساسي", "أساسي"),
        "housing": ("housing", "hra", "housing allowance", "علاوة السكن", "بدل سكن", "بدل السكن"),
        "transport": (
            "transport",
            "transportation",
            "transport allowance",
            "علاوة النقل",
            "بدل النقل",
            "بدل مواصلات",
        ),
        "social": ("social", "social allowance", "العلاوة الاجتماعية", "علاوة اجتماعية"),
        "shift": ("shift", "shift allowance", "بدل المناوبة", "علاوة المناوبة"),
        "teaching": ("teaching", "teaching allowance", "علاوة التدريس", "بدل التدريس"),
        "overtime": ("overtime", "ot", "العمل الإضافي", "ساعات إضافية"),
    }
)

COUNTRIES = _codes(
    {
        "BH": ("bahrain", "bahraini", "kingdom of bahrain", "البحرين", "بحريني", "بحرينية"),
        "SA": ("saudi", "saudi arabia", "ksa", "السعودية", "سعودي", "المملكة العربية السعودية"),
        "KW": ("kuwait", "kuwaiti", "الكويت", "كويتي"),
        "AE": ("uae", "emirati", "united arab emirates", "الإمارات", "إماراتي"),
        "QA": ("qatar", "qatari", "قطر", "قطري"),
        "OM": ("oman", "omani", "عمان", "عماني"),
        "EG": ("egypt", "egyptian", "مصر", "مصري"),
        "JO": ("jordan", "jordanian", "الأردن", "أردني"),
        "SY": ("syria", "syrian", "سوريا", "سوري"),
        "LB": ("lebanon", "lebanese", "لبنان", "لبناني"),
        "IQ": ("iraq", "iraqi", "العراق", "عراقي"),
        "YE": ("yemen", "yemeni", "اليمن", "يمني"),
        "SD": ("sudan", "sudanese", "السودان", "سوداني"),
        "PS": ("palestine", "palestinian", "فلسطين", "فلسطيني"),
        "TN": ("tunisia", "tunisian", "تونس", "تونسي"),
        "MA": ("morocco", "moroccan", "المغرب", "مغربي"),
        "IN": ("india", "indian", "الهند", "هندي"),
        "PK": ("pakistan", "pakistani", "باكستان", "باكستاني"),
        "BD": ("bangladesh", "bangladeshi", "بنغلاديش", "بنغلاديشي"),
        "PH": ("philippines", "filipino", "الفلبين", "فلبيني"),
        "LK": ("sri lanka", "sri lankan", "سريلانكا", "سريلانكي"),
        "NP": ("nepal", "nepali", "نيبال", "نيبالي"),
        "GB": ("united kingdom", "british", "uk", "بريطانيا", "بريطاني"),
        "US": ("united states", "american", "usa", "أمريكا", "أمريكي"),
    }
)

ACCOUNT_TYPES = _codes(
    {
        "asset": ("asset", "assets", "أصول", "أصل"),
        "liability": ("liability", "liabilities", "خصوم", "التزامات"),
        "equity": ("equity", "net assets", "حقوق الملكية", "صافي الأصول"),
        "income": ("income", "revenue", "revenues", "إيرادات", "ايراد"),
        "expense": ("expense", "expenses", "expenditure", "مصروفات", "نفقات"),
    }
)
"""Recognised to find an account type column by its values; the type is kept as written."""

CODE_VOCABULARIES: dict[str, dict[str, str]] = {
    "gender": GENDERS,
    "status": STATUSES,
    "component": COMPONENTS,
    "nationality": COUNTRIES,
    "account_type": ACCOUNT_TYPES,
}
"""Enumerated fields: a source's codes are translated by a ``code`` map the scaffold drafts
(an account type is only recognised: it is kept, lower case)."""


def known_code(field: str, value: str) -> str | None:
    """The unified code a source value most likely means for ``field``, if the vocabulary
    knows it ('ذكر' → male, 'Bahraini' → BH)."""
    vocabulary = CODE_VOCABULARIES.get(field, {})
    return vocabulary.get(normalize_arabic(value.strip()).casefold())


_ARABIC = {normalize_arabic(word): canonical for word, canonical in ARABIC.items()}
_PHRASES = {normalize_arabic(phrase): canonical for phrase, canonical in ARABIC_PHRASES.items()}
_KNOWN = _known_words()
