"""Charts of accounts: the unified chart, each finance ministry's own chart, and the crosswalk.

A source account with ``unified=None`` that is postable is deliberately missing from the
crosswalk: only lines carrying the ``account_not_in_crosswalk`` fault post to it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UnifiedAccount:
    code: str
    name_ar: str
    name_en: str
    account_type: str
    parent: str | None


@dataclass(frozen=True)
class SourceAccount:
    code: str
    name_ar: str
    name_en: str
    kind: str
    parent: str | None
    unified: str | None
    postable: bool = True

    @property
    def mapped(self) -> bool:
        return self.unified is not None


def _unified(*rows: tuple[str, str, str, str, str | None]) -> tuple[UnifiedAccount, ...]:
    return tuple(UnifiedAccount(*row) for row in rows)


UNIFIED_CHART = _unified(
    ("1000", "الأصول", "Assets", "asset_current", None),
    ("2000", "الخصوم", "Liabilities", "liability_current", None),
    ("3000", "صافي الأصول", "Net assets", "equity", None),
    ("4000", "الإيرادات", "Revenue", "income", None),
    ("5000", "المصروفات", "Expenses", "expense", None),
    ("101000", "البنوك", "Bank accounts", "asset_cash", "1000"),
    ("101500", "النقدية الصغيرة", "Petty cash", "asset_cash", "1000"),
    ("102000", "السلف والذمم المدينة", "Receivables and advances", "asset_receivable", "1000"),
    ("103000", "مصروفات مدفوعة مقدما", "Prepayments", "asset_prepayments", "1000"),
    ("104000", "المخزون", "Inventory", "asset_current", "1000"),
    ("105000", "الأصول الثابتة", "Property, plant and equipment", "asset_fixed", "1000"),
    ("201000", "الذمم الدائنة", "Accounts payable", "liability_payable", "2000"),
    ("202000", "الضرائب المستحقة", "Taxes payable", "liability_current", "2000"),
    ("203000", "المستحقات", "Accrued liabilities", "liability_current", "2000"),
    ("204000", "المحتجزات", "Retentions payable", "liability_current", "2000"),
    ("301000", "الفائض المتراكم", "Accumulated surplus", "equity", "3000"),
    ("401000", "الإيرادات الحكومية", "Government revenue", "income", "4000"),
    ("402000", "الرسوم والغرامات", "Fees and fines", "income", "4000"),
    ("403000", "إيرادات أخرى", "Other income", "income_other", "4000"),
    ("501000", "الرواتب والأجور", "Salaries and wages", "expense", "5000"),
    ("502000", "العلاوات", "Allowances", "expense", "5000"),
    ("503000", "المساهمات الاجتماعية", "Social contributions", "expense", "5000"),
    ("504000", "المرافق", "Utilities", "expense", "5000"),
    ("505000", "الإيجارات", "Rent", "expense", "5000"),
    ("506000", "اللوازم والمستلزمات", "Supplies", "expense", "5000"),
    (
        "507000",
        "الخدمات المهنية والتعاقدية",
        "Professional and contracted services",
        "expense",
        "5000",
    ),
    ("508000", "السفر والتدريب", "Travel and training", "expense", "5000"),
    ("509000", "الصيانة", "Maintenance", "expense", "5000"),
    ("510000", "المنح والإعانات", "Grants and subsidies", "expense", "5000"),
    ("511000", "الفعاليات والبرامج", "Events and programmes", "expense", "5000"),
)


def _source(*rows: tuple[str, str, str, str, str | None, str | None]) -> tuple[SourceAccount, ...]:
    return tuple(SourceAccount(*row) for row in rows)


def _headers(*rows: tuple[str, str, str, str, str | None]) -> tuple[SourceAccount, ...]:
    return tuple(SourceAccount(*row, unified=None, postable=False) for row in rows)


MOF_CHART = (
    *_headers(
        ("1000000", "الأصول", "Assets", "ASSET", None),
        ("1100000", "النقد وما في حكمه", "Cash and cash equivalents", "ASSET", "1000000"),
        ("1200000", "الذمم المدينة والسلف", "Receivables and advances", "ASSET", "1000000"),
        ("1300000", "المخزون", "Inventory", "ASSET", "1000000"),
        ("1400000", "الأصول الثابتة", "Fixed assets", "ASSET", "1000000"),
        ("2000000", "الخصوم", "Liabilities", "LIABILITY", None),
        ("2100000", "الذمم الدائنة", "Payables", "LIABILITY", "2000000"),
        ("2200000", "المستحقات", "Accruals", "LIABILITY", "2000000"),
        ("3000000", "صافي الأصول", "Net assets", "EQUITY", None),
        ("3100000", "الفائض المتراكم", "Accumulated surplus", "EQUITY", "3000000"),
        ("4000000", "الإيرادات", "Revenue", "REVENUE", None),
        ("4100000", "الإيرادات الحكومية", "Government revenue", "REVENUE", "4000000"),
        ("4200000", "الرسوم", "Fees", "REVENUE", "4000000"),
        ("5000000", "المصروفات", "Expenses", "EXPENSE", None),
        ("5100000", "تعويضات العاملين", "Compensation of employees", "EXPENSE", "5000000"),
        ("5200000", "السلع والخدمات", "Goods and services", "EXPENSE", "5000000"),
        ("5300000", "الصيانة", "Maintenance", "EXPENSE", "5000000"),
        ("5400000", "المنح والإعانات", "Grants and subsidies", "EXPENSE", "5000000"),
    ),
    *_source(
        (
            "1101001",
            "الحساب الجاري - بنك البحرين الوطني",
            "Current account - NBB",
            "ASSET",
            "1100000",
            "101000",
        ),
        (
            "1101002",
            "الحساب الجاري - بنك البحرين والكويت",
            "Current account - BBK",
            "ASSET",
            "1100000",
            "101000",
        ),
        ("1101003", "حساب الخزينة الموحد", "Treasury single account", "ASSET", "1100000", "101000"),
        ("1102001", "صندوق النثرية", "Petty cash", "ASSET", "1100000", "101500"),
        (
            "1199901",
            "حساب مقاصة - النظام القديم",
            "Clearing account - legacy system",
            "ASSET",
            "1100000",
            None,
        ),
        ("1201001", "سلف الموظفين", "Employee advances", "ASSET", "1200000", "102000"),
        ("1201002", "مصروفات مدفوعة مقدما", "Prepaid expenses", "ASSET", "1200000", "103000"),
        ("1202001", "ذمم مدينة أخرى", "Other receivables", "ASSET", "1200000", "102000"),
        ("1301001", "مخزون القرطاسية", "Stationery inventory", "ASSET", "1300000", "104000"),
        ("1401001", "المباني", "Buildings", "ASSET", "1400000", "105000"),
        ("1401002", "الأثاث والمعدات", "Furniture and equipment", "ASSET", "1400000", "105000"),
        ("1401003", "المركبات", "Vehicles", "ASSET", "1400000", "105000"),
        ("1401004", "أجهزة الحاسب", "Computer equipment", "ASSET", "1400000", "105000"),
        ("2101001", "ذمم الموردين", "Trade payables - suppliers", "LIABILITY", "2100000", "201000"),
        ("2101002", "محتجزات ضمان", "Retentions payable", "LIABILITY", "2100000", "204000"),
        (
            "2102001",
            "ضريبة القيمة المضافة المستحقة",
            "VAT payable",
            "LIABILITY",
            "2100000",
            "202000",
        ),
        ("2199901", "إيداعات غير مسواة", "Unreconciled deposits", "LIABILITY", "2100000", None),
        ("2201001", "مصروفات مستحقة", "Accrued expenses", "LIABILITY", "2200000", "203000"),
        ("2201002", "رواتب مستحقة", "Salaries payable", "LIABILITY", "2200000", "203000"),
        ("3101001", "الفائض المتراكم", "Accumulated surplus", "EQUITY", "3100000", "301000"),
        ("4101001", "الإيرادات النفطية", "Oil revenue", "REVENUE", "4100000", "401000"),
        ("4101002", "إيرادات الاستثمارات", "Investment income", "REVENUE", "4100000", "403000"),
        (
            "4201001",
            "رسوم الخدمات الحكومية",
            "Government service fees",
            "REVENUE",
            "4200000",
            "402000",
        ),
        ("4201002", "رسوم التراخيص", "License fees", "REVENUE", "4200000", "402000"),
        ("4201003", "الغرامات", "Fines and penalties", "REVENUE", "4200000", "402000"),
        ("5101001", "الرواتب الأساسية", "Basic salaries", "EXPENSE", "5100000", "501000"),
        ("5101002", "علاوة السكن", "Housing allowance", "EXPENSE", "5100000", "502000"),
        ("5101003", "علاوة النقل", "Transport allowance", "EXPENSE", "5100000", "502000"),
        ("5101004", "العلاوة الاجتماعية", "Social allowance", "EXPENSE", "5100000", "502000"),
        ("5101005", "العمل الإضافي", "Overtime", "EXPENSE", "5100000", "501000"),
        ("5102001", "مساهمة التقاعد", "Pension contributions", "EXPENSE", "5100000", "503000"),
        ("5102002", "التأمين الصحي", "Medical insurance", "EXPENSE", "5100000", "503000"),
        ("5201001", "الكهرباء والماء", "Electricity and water", "EXPENSE", "5200000", "504000"),
        ("5201002", "الاتصالات", "Telecommunications", "EXPENSE", "5200000", "504000"),
        ("5201003", "الإيجارات", "Rent", "EXPENSE", "5200000", "505000"),
        ("5202001", "القرطاسية", "Stationery", "EXPENSE", "5200000", "506000"),
        ("5202002", "المستلزمات الطبية", "Medical supplies", "EXPENSE", "5200000", "506000"),
        ("5202003", "الوقود", "Fuel", "EXPENSE", "5200000", "506000"),
        (
            "5203001",
            "السفر والمهمات الرسمية",
            "Travel and official missions",
            "EXPENSE",
            "5200000",
            "508000",
        ),
        ("5203002", "التدريب", "Training", "EXPENSE", "5200000", "508000"),
        ("5203003", "الخدمات الاستشارية", "Consultancy services", "EXPENSE", "5200000", "507000"),
        ("5203004", "خدمات التنظيف", "Cleaning services", "EXPENSE", "5200000", "507000"),
        ("5203005", "خدمات الأمن", "Security services", "EXPENSE", "5200000", "507000"),
        ("5299901", "حساب معلق - مصروفات", "Suspense - expenses", "EXPENSE", "5200000", None),
        ("5301001", "صيانة المباني", "Building maintenance", "EXPENSE", "5300000", "509000"),
        ("5301002", "صيانة المركبات", "Vehicle maintenance", "EXPENSE", "5300000", "509000"),
        ("5301003", "صيانة الأنظمة", "Systems maintenance", "EXPENSE", "5300000", "509000"),
        ("5401001", "المنح الدراسية", "Scholarships", "EXPENSE", "5400000", "510000"),
        ("5401002", "الإعانات الاجتماعية", "Social subsidies", "EXPENSE", "5400000", "510000"),
    ),
)

MYS_CHART = _source(
    ("0101", "البنك - الحساب الجاري", "Bank - current account", "asset", None, "101000"),
    ("0102", "النثرية", "Petty cash", "asset", None, "101500"),
    ("0110", "السلف", "Advances", "asset", None, "102000"),
    ("0201", "الموردون", "Suppliers", "liability", None, "201000"),
    ("0202", "المستحقات", "Accruals", "liability", None, "203000"),
    ("0301", "صافي الأصول", "Net assets", "equity", None, "301000"),
    ("0401", "رسوم الأنشطة", "Activity fees", "income", None, "402000"),
    ("0402", "الرعايات", "Sponsorships", "income", None, "403000"),
    ("0501", "الرواتب", "Salaries", "expense", None, "501000"),
    ("0502", "العلاوات", "Allowances", "expense", None, "502000"),
    ("0503", "الكهرباء والماء", "Electricity and water", "expense", None, "504000"),
    ("0504", "إيجار المرافق", "Facility rent", "expense", None, "505000"),
    ("0505", "المستلزمات الرياضية", "Sports equipment", "expense", None, "506000"),
    ("0506", "تنظيم الفعاليات", "Events", "expense", None, "511000"),
    ("0507", "النقل والمواصلات", "Transport", "expense", None, "508000"),
    ("0508", "الضيافة", "Hospitality", "expense", None, "507000"),
    ("0509", "الصيانة", "Maintenance", "expense", None, "509000"),
    ("0510", "الجوائز", "Prizes and awards", "expense", None, "510000"),
    ("0998", "حساب معلق", "Suspense account", "liability", None, None),
    ("0999", "فروقات الترحيل", "Migration differences", "expense", None, None),
)

CHARTS = {"MOF": MOF_CHART, "MYS": MYS_CHART}


def crosswalk_rows() -> list[tuple[str, str, str]]:
    """(ministry, source_code, unified_code) for every mapped postable source account."""
    return [
        (ministry, account.code, account.unified)
        for ministry, chart in CHARTS.items()
        for account in chart
        if account.postable and account.unified is not None
    ]


def unmapped(chart: tuple[SourceAccount, ...]) -> list[SourceAccount]:
    """Postable accounts that the crosswalk leaves out on purpose."""
    return [account for account in chart if account.postable and account.unified is None]


def account(chart: tuple[SourceAccount, ...], code: str) -> SourceAccount:
    return next(item for item in chart if item.code == code)
