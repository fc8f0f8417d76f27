"""The web app in a real browser: Debian's headless Chromium driven by Playwright against the
real ``consolidate serve`` over a demo store. A steward signs in, fixes a record and re-validates
it, waives in bulk (the password asked again above the threshold), takes the ministry's
workbook out and back in, decides a grey-zone pair, reads the app in Arabic; masking per role.
Screenshots of the main screens go to var/test-artifacts/screenshots/.

No browser is ever downloaded: without /usr/bin/chromium the tests fail (CI installs it)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from consolidation.quarantine import IssueFilter
from tests.web_support import USERS, WebStore, build_web_store, served

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "screenshots"
GOOD_IBAN = "BH67BMAG00001299123456"
ARABIC = re.compile(r"[\u0600-\u06ff]")
OpenPage = Callable[..., Page]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> WebStore:
    return build_web_store(tmp_path_factory.mktemp("web-browser"))


@pytest.fixture(scope="module")
def base_url(store: WebStore) -> Iterator[str]:
    """The real app, asking the password again above 2 issues (to try it on a small store)."""
    with served(store, CONSOLIDATION_WEB__BULK_REAUTH_ABOVE="2") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`, as "
            ".ci/run does); browser tests never download a browser and never skip",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser: Browser, base_url: str) -> Iterator[OpenPage]:
    """``open_page(username)``: a fresh browser context signed in through the form."""
    contexts = []

    def signed_in(username: str | None = None) -> Page:
        context = browser.new_context(
            base_url=base_url, viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if username:
            sign_in(page, username)
        return page

    yield signed_in
    for context in contexts:
        context.close()


def sign_in(page: Page, username: str, password: str | None = None) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password if password is not None else USERS[username][2])
    page.click("#sign-in")
    page.wait_for_load_state()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_signing_in_and_a_wrong_password(open_page: OpenPage, base_url: str) -> None:
    page = open_page()
    page.goto("/issues")
    expect(page).to_have_url(re.compile(r"/login\?next=/issues$"))
    shot(page, "01-login")
    sign_in(page, "amal", "not-the-password-1")
    expect(page.locator(".error[role=alert]")).to_contain_text("wrong username or password")
    expect(page).to_have_url(re.compile(r"/login$"))
    sign_in(page, "amal")
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.locator("header .user")).to_have_text("amal")
    expect(page.locator("#totals")).to_be_visible()
    assert page.locator("svg").count() >= 1, "no chart on the dashboard"
    shot(page, "02-dashboard")
    page.click("#sign-out")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/issues")
    expect(page).to_have_url(re.compile(r"/login"))


def test_a_steward_fixes_a_record_and_it_flows_on(open_page: OpenPage, store: WebStore) -> None:
    quarantine = store.pipeline().quarantine
    [issue] = quarantine.list_issues(IssueFilter(ministry="MOH", rule="employee.iban.valid"))
    key = str(issue["source_key"])
    page = open_page("amal")
    page.goto("/issues?ministry=MOH&rule=employee.iban.valid")
    shot(page, "03-issues")
    page.click(f"#issue-{issue['id']} a")
    expect(page).to_have_url(re.compile(rf"/issues/{issue['id']}$"))
    expect(page.locator("#field-iban td.masked")).to_contain_text("*****")
    shot(page, "04-record")
    page.fill("#input-iban", GOOD_IBAN)
    page.click("#correct-submit")
    expect(page.locator("#record-done")).to_be_visible()
    expect(page.locator("#field-iban")).to_have_class(re.compile("changed"))
    page.click("#revalidate")
    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    # htmx polls the job every second until it is done
    expect(page.locator("#job-state")).to_have_attribute("data-state", "done", timeout=60_000)
    expect(page.locator("#job-released-employee")).to_have_text(re.compile(r"[1-9]\d*"))
    shot(page, "05-job-done")
    page.goto(f"/issues/{issue['id']}")
    expect(page.locator(f"#record-issue-{issue['id']}")).to_contain_text("Fixed")
    record = quarantine.record("moh_hr", "employee", key)
    assert record["status"] == "fixed"


def test_a_bulk_waive_confirmed_and_the_password_asked_above_the_threshold(
    open_page: OpenPage, store: WebStore
) -> None:
    quarantine = store.pipeline().quarantine
    open_moe = quarantine.count_issues(IssueFilter(ministry="MOE", status="open"))
    assert open_moe > 4
    page = open_page("huda")
    page.goto("/issues?ministry=MOE&status=open")
    boxes = page.locator('#issues input[name="selected"]')
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.fill('input[name="note"]', "known: the ministry confirmed these")
    page.click("#bulk-waive")
    expect(page.locator("#bulk-summary")).to_contain_text("2")
    assert page.locator("#password").count() == 0  # 2 is not above the threshold
    shot(page, "06-bulk-confirm")
    page.click("#bulk-confirm")
    expect(page.locator("#bulk-result")).to_contain_text("2")
    assert quarantine.count_issues(IssueFilter(ministry="MOE", status="waived")) == 2

    # every issue matching the filter: more than 2, so the password is asked again
    page.goto("/issues?ministry=MOE&status=open")
    remaining = open_moe - 2
    expect(page.locator("#issue-count")).to_contain_text(str(remaining))
    page.check("#every")
    page.click("#bulk-waive")
    expect(page.locator("#bulk-summary")).to_contain_text(str(remaining))
    expect(page.locator("#password")).to_be_visible()
    shot(page, "07-bulk-password")
    page.fill("#password", "not-the-password-1")
    page.click("#bulk-confirm")
    expect(page.locator(".error[role=alert]")).to_be_visible()
    assert quarantine.count_issues(IssueFilter(ministry="MOE", status="open")) == remaining
    page.fill("#password", USERS["huda"][2])
    page.click("#bulk-confirm")
    expect(page.locator("#bulk-result")).to_contain_text(str(remaining))
    assert quarantine.count_issues(IssueFilter(ministry="MOE", status="open")) == 0


def test_the_excel_round_trip(open_page: OpenPage, store: WebStore, tmp_path: Path) -> None:
    quarantine = store.pipeline().quarantine
    [issue] = quarantine.list_issues(
        IssueFilter(ministry="MOH", rule="employee.hire_date.not_future")
    )
    key = str(issue["source_key"])
    page = open_page("amal")
    page.goto("/workbooks")
    with page.expect_download() as download:
        page.click("#export-MOH")
    path = tmp_path / "moh.xlsx"
    download.value.save_as(path)
    book = openpyxl.load_workbook(path)
    sheets = {row[1]: str(row[0]) for row in book["Index"].iter_rows(min_row=2, values_only=True)}
    sheet = book[sheets["employee.hire_date.not_future"]]
    header = [cell.value for cell in sheet[1]]
    [row] = [r for r in sheet.iter_rows(min_row=2) if r[header.index("source key")].value == key]
    row[header.index("hire_date")].value = "2015-03-01"
    edited = tmp_path / "moh-edited.xlsx"
    book.save(edited)

    page.goto("/workbooks")
    page.set_input_files("#workbook-file", str(edited))
    page.click("#workbook-preview")
    expect(page.locator("#preview-summary")).to_be_visible()
    changed = page.locator(f'tr.changed[data-key="{key}"][data-field="hire_date"]')
    expect(changed).to_contain_text("2015-03-01")
    shot(page, "08-workbook-preview")
    page.click("#workbook-apply")
    # applied, then re-validated in the background
    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    expect(page.locator("#job-state")).to_have_attribute("data-state", "done", timeout=60_000)
    record = quarantine.record("moh_hr", "employee", key)
    assert (record["corrected"] or {}).get("hire_date") == "2015-03-01"
    assert record["status"] == "fixed"


def test_a_match_decision(open_page: OpenPage, store: WebStore) -> None:
    quarantine = store.pipeline().quarantine
    [pair] = [
        r
        for r in quarantine.reviews()
        if str(r["record_a"]).startswith("moh_hr|") and str(r["record_b"]).startswith("moh_hr|")
    ]
    page = open_page("amal")
    page.goto("/matches")
    page.click(f"#pair-{pair['id']} a")
    expect(page).to_have_url(re.compile(rf"/matches/{pair['id']}$"))
    expect(page.locator("#pair-table")).to_be_visible()
    shot(page, "09-match-pair")
    page.click("#decide-apart")
    expect(page.locator("#pair-status [data-status]")).to_have_attribute("data-status", "apart")
    assert [r["status"] for r in quarantine.reviews(status=None) if r["id"] == pair["id"]] == [
        "apart"
    ]
    # a pair with another ministry's record is shown, not decided
    [mixed] = [
        r
        for r in quarantine.reviews()
        if str(r["record_b"]).startswith("moe_hr|") and str(r["record_a"]).startswith("moh_hr|")
    ]
    page.goto(f"/matches/{mixed['id']}")
    expect(page.locator("#decide-other")).to_be_visible()
    assert page.locator("#decide-merged").count() == 0


def test_arabic_mirrors_the_layout_and_toggles_back(open_page: OpenPage) -> None:
    page = open_page("amal")
    page.goto("/issues?ministry=MOH")
    title = page.locator("h1").inner_text()
    english_left = page.locator("header .brand").bounding_box()
    page.click("#lang-toggle")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page).to_have_url(re.compile(r"/issues\?ministry=MOH$"))
    arabic_title = page.locator("h1").inner_text()
    assert arabic_title != title and ARABIC.search(arabic_title)
    assert ARABIC.search(page.locator("#sign-out").inner_text())
    assert ARABIC.search(page.locator("#issues thead").inner_text())
    # mirrored: the brand moves from the left edge to the right
    arabic_left = page.locator("header .brand").bounding_box()
    assert english_left and arabic_left and arabic_left["x"] > english_left["x"] + 200
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    shot(page, "10-issues-arabic")
    page.goto("/dashboard")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")  # kept for the session
    shot(page, "11-dashboard-arabic")
    page.click("#lang-toggle")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_masking_per_role(open_page: OpenPage, store: WebStore) -> None:
    quarantine = store.pipeline().quarantine
    [issue] = quarantine.list_issues(
        IssueFilter(ministry="MOH", rule="employee.record.unique"), limit=1
    )
    record = quarantine.record(issue["source"], issue["entity"], issue["source_key"])
    national_id = str(record["data"]["national_id"])
    url = f"/issues/{issue['id']}"

    steward = open_page("amal")
    steward.goto(url)
    cell = steward.locator("#field-national_id td.masked")
    expect(cell).to_contain_text("*****")
    assert national_id not in steward.content()
    steward.click("#reveal")
    expect(steward.locator("#revealed-note")).to_be_visible()
    expect(steward.locator("#field-national_id td").first).to_contain_text(national_id)
    shot(steward, "12-record-revealed")

    auditor = open_page("ali")
    auditor.goto(url)
    expect(auditor.locator("#field-national_id td.masked")).to_contain_text("*****")
    assert auditor.locator("#reveal").count() == 0
    assert auditor.locator("#correct-form").count() == 0
    assert national_id not in auditor.content()

    other = open_page("omar")  # a steward of another ministry
    response = other.goto(url)
    assert response is not None and response.status in (403, 404)
    assert national_id not in other.content()

    finance = open_page("fatima")
    response = finance.goto(url)
    assert response is not None and response.status == 403
    finance.goto("/dashboard")
    assert national_id not in finance.content()


def test_screens_of_reconciliation_and_audit(open_page: OpenPage) -> None:
    finance = open_page("fatima")
    finance.goto("/reconcile")
    expect(finance.locator("#runs")).to_be_visible()
    shot(finance, "13-reconciliation")
    first_run = finance.locator("#runs a").first
    if first_run.count():
        first_run.click()
        expect(finance.locator("#periods")).to_be_visible()
        shot(finance, "14-reconciliation-run")
    auditor = open_page("ali")
    auditor.goto("/audit")
    expect(auditor.locator("#audit-events")).to_be_visible()
    assert auditor.locator("#audit-events tbody tr").count() >= 1
    shot(auditor, "15-audit")


def test_the_issue_export_opens_as_a_workbook(open_page: OpenPage, base_url: str) -> None:
    page = open_page("amal")
    page.goto("/issues?ministry=MOH")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    content = Path(download.value.path()).read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert "Index" in book.sheetnames
