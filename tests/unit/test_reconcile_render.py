"""The reconciliation's HTML report and Excel workbook, rendered from a result built by hand."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from consolidation.reconcile.model import (
    BatchPrint,
    Cell,
    Change,
    ChangeKind,
    Comparison,
    Difference,
    DifferenceKind,
    Explanation,
    Figures,
    Fingerprint,
    Headcount,
    LineDifference,
    Reconciliation,
    Scope,
    Signoff,
)
from consolidation.reconcile.render import render_html, write_html, write_xlsx

D = Decimal
ODOO_URL = "http://odoo.central.example:8069"
NARRATION = "<script>alert(1)</script>"
SHA = "9f2c" + "ab" * 30
SOURCE, CENTRAL = Comparison.LEDGER_SOURCE_STORE, Comparison.LEDGER_STORE_CENTRAL
PAYROLL = Comparison.PAYROLL_SOURCE_STORE


def _result() -> Reconciliation:
    """Two ministries: Finance (an Arabic name) with a ledger explained by the quarantine at the
    store and one line 0.001 BHD short in Odoo; Health with its payroll, which stops at the
    store. A signed-off period is reopened."""
    at = datetime(2025, 7, 1, 9, 30, tzinfo=UTC)
    quarantined = Figures(2, D("150.500"), D("0.000"))
    cells = [
        Cell(
            SOURCE,
            "MOF",
            "1101001",
            "2025-01",
            left=Figures(1000, D("74000000.000"), D("1200.000")),
            right=Figures(998, D("73999849.500"), D("1200.000")),
            quarantined=quarantined,
            account_name="بنك البحرين الوطني - الحساب الجاري",
        ),
        Cell(
            SOURCE,
            "MOF",
            "4101001",
            "2025-02",
            left=Figures(10, D("0.000"), D("5000.250")),
            right=Figures(10, D("0.000"), D("5000.250")),
            account_name="Government revenue",
        ),
        Cell(
            CENTRAL,
            "MOF",
            "101000",
            "2025-01",
            left=Figures(998, D("73999849.500"), D("1200.000")),
            right=Figures(998, D("73999849.499"), D("1200.000")),
            account_name="البنوك",
        ),
        Cell(
            CENTRAL,
            "MOF",
            "401000",
            "2025-02",
            left=Figures(10, D("0.000"), D("5000.250")),
            right=Figures(10, D("0.000"), D("5000.250")),
            account_name="Government revenue",
        ),
        Cell(
            PAYROLL,
            "MOH",
            "payroll",
            "2025-01",
            left=Figures(120, D("98765.432"), D("0.000")),
            right=Figures(120, D("98765.432"), D("0.000")),
        ),
    ]
    return Reconciliation(
        scope=Scope(period_from="2025-01", period_to="2025-12"),
        fingerprint=Fingerprint(
            at=at,
            operator="fatima.alkhalifa",
            store="postgresql+psycopg://consolidation@store.example/consolidation",
            batches=[
                BatchPrint("mof_gl", 12, "completed", at, 4, SHA),
                BatchPrint("moh_hr", 13, "completed", at, 2, "0" * 64),
            ],
            central_url=ODOO_URL,
            central_database="central",
        ),
        ministries={"MOF": "وزارة المالية", "MOH": "Ministry of Health"},
        cells=cells,
        explanations=[
            Explanation(
                SOURCE,
                "MOF",
                "1101001",
                "2025-01",
                "quarantined",
                "mof_gl",
                "journal_line",
                "JV-2025-0042/1",
                "JV-2025-0042",
                D("100.500"),
                None,
                ["journal_entry.lines.balanced"],
            ),
            Explanation(
                SOURCE,
                "MOF",
                "1101001",
                "2025-01",
                "held",
                "mof_gl",
                "journal_line",
                "JV-2025-0042/2",
                "JV-2025-0042",
                D("50.000"),
                None,
                ["journal_entry.lines.balanced"],
            ),
        ],
        differences=[
            Difference(
                CENTRAL,
                "MOF",
                "101000",
                "2025-01",
                DifferenceKind.DIFFERENT,
                "JV-2025-0007",
                source_system="mof_gl",
                left=Figures(2, D("1250.000"), D("1250.000")),
                right=Figures(2, D("1249.999"), D("1250.000")),
                lines=[
                    LineDifference(
                        "JV-2025-0007/1", "101000", D("1250.000"), None, D("1249.999"), None
                    )
                ],
                detail=NARRATION,
            )
        ],
        headcount=[
            Headcount("MOF", "الإدارة المالية", 40, 40, 40, 0, 0, 38, 38),
            Headcount("MOH", "Emergency", 120, 117, 115, 2, 1, 110, 110),
        ],
        notes=["Payroll: Odoo 17 Community has no payroll module; this part stops at the store."],
        changes=[
            Change(ChangeKind.REOPENED, "MOF", "2025-01", CENTRAL.value, "101000", "changed"),
            Change(ChangeKind.NEWLY_RECONCILED, "MOH", "2025-01", PAYROLL.value, "payroll"),
        ],
        signoffs=[
            Signoff(3, "MOF", "2025-01", 6, "fatima.alkhalifa", at, "checked", "reopened", 7),
            Signoff(4, "MOH", "2025-01", 6, "fatima.alkhalifa", at, "ok", "signed"),
        ],
        run_id=7,
        previous_run_id=6,
        central_calls=6,
    )


class _Structure(HTMLParser):
    """Parses the page and checks that every element is closed in order, and collects what
    could fetch something from elsewhere."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "col", "wbr", "source"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(name, value or "") for name, value in attrs]
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(name, value or "") for name, value in attrs]

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:]}")
        else:
            self.open.pop()


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(_result())


def test_html_is_one_well_formed_file_that_fetches_nothing(html: str) -> None:
    parser = _Structure()
    parser.feed(html)
    parser.close()
    assert parser.errors == [] and parser.open == []
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert '<meta charset="utf-8">' in html
    assert {"script", "link", "img", "iframe", "object"}.isdisjoint(parser.tags)
    assert "<script" not in html and "<link" not in html
    assert not [a for a in parser.attributes if a[0] in ("href", "src", "xmlns")]
    assert "url(" not in html and "@import" not in html
    # The Odoo URL is named as text in the fingerprint, and is the only address on the page.
    assert html.count(ODOO_URL) == 1
    rest = html.replace(ODOO_URL, "")
    assert "http://" not in rest and "https://" not in rest


def test_html_escapes_every_text(html: str) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert NARRATION not in html


def test_html_header_names_the_fingerprint_and_the_outcome(html: str) -> None:
    assert "<h1>Reconciliation run 7</h1>" in html
    assert '<span class="badge bad">unexplained</span>' in html
    assert "fatima.alkhalifa" in html and "2025-07-01 09:30:00 UTC" in html
    assert f'<code title="{SHA}">{SHA[:12]}…</code>' in html
    assert "<code>central</code>" in html
    assert "previous run of this scope: 6" in html


def test_html_shows_amounts_to_the_fils(html: str) -> None:
    assert '<td class="num">74,000,000.000</td>' in html
    assert '<td class="num">73,999,849.500</td>' in html
    assert '<td class="num">150.500</td>' in html
    # The drill-down names the line, with both sides, the differing ones marked.
    assert "<code>JV-2025-0007/1</code>" in html
    assert '<td class="num delta">1,250.000</td><td class="num"></td>' in html
    assert '<td class="num delta">1,249.999</td>' in html
    assert "<code>JV-2025-0042/1</code>" in html and "journal_entry.lines.balanced" in html


def test_html_summary_is_green_or_red_per_ministry(html: str) -> None:
    summary = html.split('<section class="summary">')[1].split("</section>")[0]
    finance, health = summary.split('<tr class="group ')[1:]
    assert finance.startswith('bad"') and "وزارة المالية" in finance
    assert health.startswith('ok"') and "Ministry of Health" in health
    assert "Ledger: store against central" in finance
    assert "Payroll: source against store" in health


def test_html_marks_arabic_text_right_to_left(html: str) -> None:
    assert '<span dir="rtl" lang="ar">وزارة المالية</span>' in html
    assert '<span dir="rtl" lang="ar">بنك البحرين الوطني - الحساب الجاري</span>' in html
    assert '<span dir="rtl" lang="ar">الإدارة المالية</span>' in html
    assert '<span dir="rtl" lang="ar">Ministry of Health</span>' not in html


def test_html_charts_are_inline_svg(html: str) -> None:
    charts = html.split('<section class="charts-section">')[1].split("</section>")[0]
    assert charts.count("<svg") == 3  # by month per ministry; per class: Finance only
    assert "<title>2025-01 · residual: 0.001 BHD</title>" in charts
    assert "<title>1 assets · source: 74,001,200.000 BHD</title>" in charts
    assert "<title>1 assets · central Odoo: 74,001,049.499 BHD</title>" in charts
    heights = [
        float(h) for h in re.findall(r'<rect [^>]*height="([0-9.]+)" fill="#b42318"', charts)
    ]
    assert heights and min(h for h in heights if h) >= 1.5  # one fils still shows


def test_html_prints_as_an_audit_document(html: str) -> None:
    assert "@media print" in html
    assert "print-color-adjust: exact" in html
    assert "section.ministry { break-before: page" in html
    assert "thead { display: table-header-group; }" in html
    assert html.count('<section class="ministry">') == 2


def test_html_reopened_period_is_a_banner_and_red(html: str) -> None:
    banner = html.split('<div class="banner" role="alert">')[1].split("</div>")[0]
    assert "Reopened: 1 signed-off period" in banner and "2025-01" in banner
    assert html.index('class="banner"') < html.index('<dl class="fingerprint">')
    assert '<tr class="bad"><td>reopened</td>' in html
    assert '<tr class="bad"><td class="num">3</td>' in html
    assert "reopened by run 7" in html
    assert "Payroll: Odoo 17 Community has no payroll module" in html


def test_html_of_a_clean_run_without_odoo(tmp_path: Path) -> None:
    result = _result()
    result.cells = [cell for cell in result.cells if cell.comparison is not CENTRAL]
    result.differences, result.changes, result.signoffs = [], [], []
    result.fingerprint = replace(result.fingerprint, central_url=None, central_database=None)
    for row in result.headcount:
        row.central_active = None
    path = write_html(result, tmp_path / "reports" / "run-7.html")
    page = path.read_text(encoding="utf-8")
    assert result.outcome.value == "explained"
    assert '<span class="badge ok">explained</span>' in page
    assert 'class="banner"' not in page and "not compared" in page
    assert "Odoo was not compared in this run" in page
    assert "Nothing changed since run 6." in page


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_xlsx(_result(), tmp_path_factory.mktemp("xlsx") / "run-7.xlsx")


def _columns(sheet: Worksheet, header_row: int = 1) -> dict[str, int]:
    return {str(cell.value): cell.column for cell in sheet[header_row] if cell.value}


def test_workbook_sheets(workbook: Path) -> None:
    book = load_workbook(workbook)
    assert book.sheetnames == [
        "Summary",
        "ledger.source-store",
        "ledger.store-central",
        "payroll.source-store",
        "Explanations",
        "Differences",
        "Headcount",
        "Changes",
        "Sign-offs",
    ]
    for sheet in book.worksheets:
        assert len(sheet.title) <= 31
        assert sheet.auto_filter.ref, sheet.title
        assert sheet.freeze_panes == ("A4" if sheet.title == "Summary" else "A2"), sheet.title


def test_workbook_amounts_are_numbers_to_the_fils(workbook: Path) -> None:
    sheet = load_workbook(workbook)["ledger.source-store"]
    columns = _columns(sheet)
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "1101001")
    for header, expected in (
        ("Source debit", D("74000000.000")),
        ("Store debit", D("73999849.500")),
        ("Quarantined debit", D("150.500")),
        ("Residual debit", D("0")),
    ):
        cell = row[columns[header] - 1]
        assert isinstance(cell.value, int | float), header
        assert D(str(cell.value)) == expected and cell.number_format == "#,##0.000"
    assert row[columns["Status"] - 1].value == "explained"
    name = row[columns["Account name"] - 1]
    assert name.alignment.horizontal == "right" and name.alignment.readingOrder == 2


def test_workbook_highlights_differences(workbook: Path) -> None:
    book = load_workbook(workbook)
    for title in ("ledger.source-store", "ledger.store-central", "payroll.source-store"):
        assert len(book[title].conditional_formatting) >= 1
    central = book["ledger.store-central"]
    columns = _columns(central)
    row = next(r for r in central.iter_rows(min_row=2) if r[1].value == "101000")
    assert row[columns["Status"] - 1].value == "different"
    assert D(str(row[columns["Residual debit"] - 1].value)) == D("0.001")
    rules = [r.formula for cf in central.conditional_formatting for r in cf.rules]
    assert ['$E2="different"'] in rules

    differences = book["Differences"]
    columns = _columns(differences)
    (line,) = differences.iter_rows(min_row=2)
    assert line[columns["Line key"] - 1].value == "JV-2025-0007/1"
    assert line[columns["Left debit"] - 1].value == 1250
    assert line[columns["Right debit"] - 1].value == 1249.999
    assert line[columns["Left credit"] - 1].value is None
    assert line[columns["Detail"] - 1].value == NARRATION


def test_workbook_summary_has_the_fingerprint_and_a_native_chart(workbook: Path) -> None:
    book = load_workbook(workbook)
    summary = book["Summary"]
    assert summary["A1"].value == "Reconciliation run 7: unexplained"
    assert summary["A2"].value == "Reopened since sign-off: MOF 2025-01"
    columns = _columns(summary, header_row=3)
    rows = list(summary.iter_rows(min_row=4, max_row=6))
    assert [r[columns["Comparison"] - 1].value for r in rows] == [
        SOURCE.value,
        CENTRAL.value,
        PAYROLL.value,
    ]
    assert D(str(rows[0][columns["Left debit"] - 1].value)) == D("74000000.000")
    assert rows[1][columns["Differing"] - 1].value == 1
    assert rows[0][columns["Ministry name"] - 1].alignment.readingOrder == 2
    labels = {r[0].value: r[1].value for r in summary.iter_rows(min_row=7) if r[0].value}
    assert labels["Central Odoo"] == ODOO_URL and labels["Operator"] == "fatima.alkhalifa"
    assert SHA in [c.value for r in summary.iter_rows(min_row=7) for c in r]
    with zipfile.ZipFile(workbook) as archive:
        names = archive.namelist()
        assert "xl/charts/chart1.xml" in names
        chart = archive.read("xl/charts/chart1.xml").decode()
        assert "<c:barChart>" in chart and "Summary!$I$4:$I$6" in chart
        assert "drawing" in archive.read("xl/worksheets/_rels/sheet1.xml.rels").decode()


def test_workbook_drilldowns(workbook: Path) -> None:
    book = load_workbook(workbook)
    explanations = list(book["Explanations"].iter_rows(min_row=2, values_only=True))
    assert [row[7] for row in explanations] == ["JV-2025-0042/1", "JV-2025-0042/2"]
    headcount = list(book["Headcount"].iter_rows(min_row=2, values_only=True))
    assert headcount[1][2:13] == ("Emergency", 120, 117, 115, 2, 1, 0, 110, 110, 0, "explained")
    changes = list(book["Changes"].iter_rows(min_row=2, values_only=True))
    assert changes[0][0] == "reopened"
    signoffs = list(book["Sign-offs"].iter_rows(min_row=2, values_only=True))
    assert signoffs[0][6] == datetime(2025, 7, 1, 9, 30)
    assert signoffs[0][8] == "reopened" and signoffs[0][9] == 7


def test_an_entry_tied_to_no_cell_is_still_reported(tmp_path: Path) -> None:
    """An entry keyed in by hand in Odoo, on an account the store never used, has no cell of
    its own: both reports still name it, with its amounts."""
    result = _result()
    result.differences.append(
        Difference(
            CENTRAL,
            "MOF",
            "109999",
            "2025-03",
            DifferenceKind.CENTRAL_ONLY,
            "MISC/2025/03/0001",
            right=Figures(2, D("10.000"), D("10.000")),
            detail="قيد يدوي",
        )
    )
    html = render_html(result)
    loose = html.split("Entries tied to no cell of this comparison")[1].split("</table>")[0]
    assert "<code>MISC/2025/03/0001</code>" in loose and "in central only" in loose
    assert '<span dir="rtl" lang="ar">قيد يدوي</span>' in loose
    sheet = load_workbook(write_xlsx(result, tmp_path / "run.xlsx"))["Differences"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[-1][4:9] == (
        "in central only",
        "MISC/2025/03/0001",
        None,
        "store / central",
        "entry",
    )
    assert rows[-1][14:17] == (2, 10, 10)


def test_an_empty_run_renders(tmp_path: Path) -> None:
    at = datetime(2025, 7, 1, tzinfo=UTC)
    result = Reconciliation(scope=Scope(), fingerprint=Fingerprint(at, "ops", "sqlite:///x.db"))
    parser = _Structure()
    parser.feed(write_html(result, tmp_path / "run.html").read_text(encoding="utf-8"))
    assert parser.errors == [] and parser.open == []
    book = load_workbook(write_xlsx(result, tmp_path / "run.xlsx"))
    assert all(sheet.auto_filter.ref for sheet in book.worksheets)
    assert book.sheetnames[0] == "Summary" and "Differences" in book.sheetnames
