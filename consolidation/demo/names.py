"""Bilingual Bahraini names with the spelling variants that real ministry systems hold.

Each name is a ``NameForms``: the Arabic spellings (hamza or not, taa marbuta or haa, alef
maqsura or yaa) and the English transliterations a clerk may have typed. The first form of each
is the most common; a record picks one form, so the same person reads differently in two
ministries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

TATWEEL = "\u0640"
_NON_JOINING = set("اأإآدذرزوؤةىء ")


@dataclass(frozen=True)
class NameForms:
    ar: tuple[str, ...]
    en: tuple[str, ...]


def _forms(ar: str, en: str) -> NameForms:
    return NameForms(ar=tuple(ar.split("|")), en=tuple(en.split("|")))


MALE: tuple[NameForms, ...] = tuple(
    _forms(ar, en)
    for ar, en in (
        ("محمد", "Mohammed|Mohamed|Muhammad|Mohamad"),
        ("أحمد|احمد", "Ahmed|Ahmad"),
        ("علي|على", "Ali"),
        ("حسين", "Hussain|Hussein|Husain"),
        ("حسن", "Hasan|Hassan"),
        ("عبدالله|عبد الله", "Abdulla|Abdullah|Abdalla"),
        ("جاسم", "Jassim|Jasim|Jasem"),
        ("خالد", "Khalid|Khaled"),
        ("يوسف", "Yousif|Yusuf|Yousef"),
        ("إبراهيم|ابراهيم", "Ebrahim|Ibrahim"),
        ("عيسى|عيسي", "Isa|Eisa|Essa"),
        ("سلمان", "Salman"),
        ("عبدالرحمن|عبد الرحمن", "Abdulrahman|Abdul Rahman"),
        ("راشد", "Rashid|Rashed"),
        ("حمد", "Hamad"),
        ("مبارك", "Mubarak|Mobarak"),
        ("جعفر", "Jaffar|Jafar"),
        ("عباس", "Abbas"),
        ("محمود", "Mahmood|Mahmoud"),
        ("فيصل", "Faisal|Faysal"),
        ("ناصر", "Nasser|Naser"),
        ("صالح", "Saleh|Salih"),
        ("عمر", "Omar|Umar"),
        ("سعيد", "Saeed|Said"),
        ("عادل", "Adel|Adil"),
        ("منصور", "Mansoor|Mansour"),
        ("طارق", "Tariq|Tareq"),
        ("حسام", "Hussam|Husam"),
        ("ياسر", "Yasser|Yaser"),
        ("مصطفى|مصطفي", "Mustafa|Mostafa"),
        ("عبدالعزيز|عبد العزيز", "Abdulaziz|Abdul Aziz"),
        ("إسماعيل|اسماعيل", "Ismail|Esmaeel"),
        ("موسى|موسي", "Mousa|Musa"),
        ("سيد", "Sayed|Sayyid"),
        ("نواف", "Nawaf"),
        ("أنور|انور", "Anwar"),
    )
)

FEMALE: tuple[NameForms, ...] = tuple(
    _forms(ar, en)
    for ar, en in (
        ("فاطمة|فاطمه", "Fatima|Fatema|Fatimah"),
        ("مريم", "Maryam|Mariam"),
        ("زينب", "Zainab|Zeinab"),
        ("نورة|نوره", "Noora|Nora|Noura"),
        ("عائشة|عايشة", "Aysha|Aisha|Ayesha"),
        ("خديجة|خديجه", "Khadija|Khadeeja"),
        ("سارة|ساره", "Sara|Sarah"),
        ("هدى|هدي", "Huda|Hoda"),
        ("أمينة|امينة", "Amina|Ameena"),
        ("ليلى|ليلي", "Layla|Laila"),
        ("منى|مني", "Mona|Muna"),
        ("شيماء", "Shaima|Shaymaa"),
        ("دانة|دانه", "Dana"),
        ("هند", "Hind"),
        ("نجلاء", "Najla|Najlaa"),
        ("رقية|رقيه", "Ruqaya|Roqaya"),
        ("حوراء", "Hawra|Hawraa"),
        ("إيمان|ايمان", "Eman|Iman"),
        ("آمنة|امنة", "Amna|Amnah"),
        ("بتول", "Batool|Batoul"),
        ("أسماء|اسماء", "Asma|Asmaa"),
        ("لطيفة|لطيفه", "Latifa|Lateefa"),
        ("هيا", "Haya"),
        ("شيخة|شيخه", "Shaikha|Sheikha"),
        ("ابتسام", "Ebtisam|Ibtisam"),
        ("سلمى|سلمي", "Salma"),
    )
)

FAMILY: tuple[NameForms, ...] = tuple(
    _forms(ar, en)
    for ar, en in (
        ("الأنصاري|الانصاري", "Al Ansari|Al-Ansari|Alansari"),
        ("البنعلي", "Al Binali|Albinali"),
        ("الدوسري", "Al Dosari|Al-Dosari|Aldoseri"),
        ("الجودر", "Al Jowder|Aljowder"),
        ("الحداد", "Al Haddad|Alhaddad"),
        ("المناعي", "Al Mannai|Almannai"),
        ("السيد", "Al Sayed|Alsayed"),
        ("الكوهجي", "Al Kooheji|Kooheji"),
        ("الزياني", "Al Zayani|Alzayani"),
        ("المحمود", "Al Mahmood|Almahmood"),
        ("الشيخ", "Al Shaikh|Alshaikh"),
        ("العلوي", "Al Alawi|Alawi"),
        ("الموسوي", "Al Mousawi|Almosawi"),
        ("القصاب", "Al Qassab|Alqassab"),
        ("الصايغ", "Al Sayegh|Alsayegh"),
        ("البستكي", "Al Bastaki|Bastaki"),
        ("جناحي", "Janahi"),
        ("فخرو", "Fakhro"),
        ("كانو", "Kanoo"),
        ("الكعبي", "Al Kaabi|Alkaabi"),
        ("المطوع", "Al Mutawa|Almutawa"),
        ("العريض", "Al Arrayed|Alarrayed"),
        ("الجشي", "Al Jishi|Aljishi"),
        ("الستري", "Al Sitri|Alsitri"),
        ("النعيمي", "Al Noaimi|Al Nuaimi"),
        ("الرميحي", "Al Rumaihi|Alrumaihi"),
        ("البوعينين", "Al Buainain|Albuainain"),
        ("الخياط", "Al Khayat|Alkhayyat"),
        ("المدني", "Al Madani|Almadani"),
        ("الحايكي", "Al Hayki|Alhayki"),
        ("عبدالغفار|عبد الغفار", "Abdulghaffar|Abdul Ghaffar"),
        ("الشهابي", "Al Shehabi|Alshehabi"),
        ("العصفور", "Al Asfoor|Alasfoor"),
        ("المرزوق", "Al Marzooq|Almarzooq"),
        ("التميمي", "Al Tamimi|Altamimi"),
        ("الهاشمي", "Al Hashimi|Alhashemi"),
    )
)


@dataclass(frozen=True)
class PersonName:
    """A person's name as indexes into the tables: first, father, grandfather, family."""

    male: bool
    first: int
    father: int
    grandfather: int
    family: int

    def parts(self) -> tuple[NameForms, NameForms, NameForms, NameForms]:
        firsts = MALE if self.male else FEMALE
        return (firsts[self.first], MALE[self.father], MALE[self.grandfather], FAMILY[self.family])


@dataclass(frozen=True)
class Spelling:
    """One rendering of a person's name: the Arabic and English form of each of its four parts."""

    ar: tuple[str, str, str, str]
    en: tuple[str, str, str, str]

    @property
    def full_ar(self) -> str:
        return " ".join(self.ar)

    @property
    def full_en(self) -> str:
        return " ".join(self.en)

    @property
    def short_en(self) -> str:
        """First, father and family name: how most English records hold it."""
        return f"{self.en[0]} {self.en[1]} {self.en[3]}"


def random_name(rng: random.Random, *, male: bool) -> PersonName:
    firsts = MALE if male else FEMALE
    return PersonName(
        male=male,
        first=rng.randrange(len(firsts)),
        father=rng.randrange(len(MALE)),
        grandfather=rng.randrange(len(MALE)),
        family=rng.randrange(len(FAMILY)),
    )


def _pick(rng: random.Random, forms: tuple[str, ...]) -> str:
    """The first (usual) form most of the time, another one otherwise."""
    if len(forms) == 1 or rng.random() < 0.55:
        return forms[0]
    return forms[rng.randrange(1, len(forms))]


def with_tatweel(rng: random.Random, word: str) -> str:
    """Insert a tatweel (kashida) after a letter that joins to the next one, as some typists do."""
    spots = [
        i
        for i in range(len(word) - 1)
        if word[i] not in _NON_JOINING and word[i + 1] != " " and word[i] != TATWEEL
    ]
    if not spots:
        return word
    i = rng.choice(spots)
    return word[: i + 1] + TATWEEL + word[i + 1 :]


def spell(rng: random.Random, name: PersonName, *, unlike: Spelling | None = None) -> Spelling:
    """A rendering of the name; ``unlike`` forces at least one part to differ from another one."""
    parts = name.parts()
    ar = [_pick(rng, forms.ar) for forms in parts]
    en = [_pick(rng, forms.en) for forms in parts]
    if unlike is not None and tuple(ar) == unlike.ar and tuple(en) == unlike.en:
        variable = [
            (i, lang)
            for i, forms in enumerate(parts)
            for lang, options in (("ar", forms.ar), ("en", forms.en))
            if len(set(options)) > 1
        ]
        if variable:
            i, lang = rng.choice(variable)
            target = ar if lang == "ar" else en
            options = parts[i].ar if lang == "ar" else parts[i].en
            target[i] = rng.choice([form for form in options if form != target[i]])
        else:
            ar[0] = with_tatweel(rng, ar[0])
    if rng.random() < 0.05:
        ar[0] = with_tatweel(rng, ar[0])
    return Spelling(ar=(ar[0], ar[1], ar[2], ar[3]), en=(en[0], en[1], en[2], en[3]))


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters only, for building e-mail local parts."""
    return "".join(ch for ch in text.lower() if "a" <= ch <= "z")
