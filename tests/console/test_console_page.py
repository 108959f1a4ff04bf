"""The console page at /_apigw/ in a real browser (Debian's chromium, headless, through its
chromedriver) against a real `apigw serve` with reload on: it loads with no console error and no
request leaving the gateway, its routes table is `apigw routes --json`, a request sent with httpx
shows in live traffic (and replays from there), "Try it out" goes through the gateway, a spec
edit shows its reload and diff, a broken edit the banner, and the charts have data points. Each
view is saved as a screenshot (into $APIGW_CONSOLE_SCREENSHOTS when set: docs/ for the README)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import REPO, serve_process

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if CHROMIUM is None or not Path(DRIVER).exists():
    if os.environ.get("APIGW_REQUIRE_BROWSER"):
        raise RuntimeError("chromium and chromium-driver are needed for the console tests (.ci/run installs them)")
    pytest.skip("chromium / chromium-driver are not installed (.ci/run installs them)", allow_module_level=True)

from selenium import webdriver  # noqa: E402 - only once the browser is known to be there
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.chrome.webdriver import WebDriver  # noqa: E402 - chromium's: it has get_log
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402

SPEC = REPO / "specs" / "petstore-mock.yaml"


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--no-first-run", "--disable-extensions"):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture()
def served(browser: WebDriver, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    spec = tmp_path / "petstore-mock.yaml"
    spec.write_text(SPEC.read_text())
    with serve_process(str(spec), env={"APIGW_TEST_LOG": str(tmp_path / "serve.log")}) as base:
        yield base, spec
        browser.get("about:blank")  # the page stops polling before its server goes
        browser_log(browser)  # what it logged is this test's, read or not


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = condition()
        except Exception:  # an element not there yet, or replaced while read
            found = None
        if found:
            return found
        assert time.monotonic() < deadline, f"{what} did not show in time"
        time.sleep(0.1)


def table_cells(driver: WebDriver, rows: str, columns: int) -> list[tuple[str, ...]]:
    """The text of the first `columns` cells of each row, read in one script (the page redraws its
    tables as data comes in: elements held across several calls can go stale between them)."""
    found = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]),"
        " row => Array.from(row.querySelectorAll('td'), cell => cell.innerText.trim()).slice(0, arguments[1]))",
        rows,
        columns,
    )
    return [tuple(row) for row in found]


def screenshot(driver: WebDriver, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("APIGW_CONSOLE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / f"console-{name}.png"))


def open_view(driver: WebDriver, base: str, view: str) -> None:
    driver.get(f"{base}/_apigw/?view={view}")
    wait_for(lambda: driver.execute_script(f"return !document.getElementById('{view}').hidden"), f"the {view} view")


def browser_log(driver: WebDriver) -> list[dict[str, Any]]:
    """The browser's console since it was last read (selenium leaves get_log untyped)."""
    entries: list[dict[str, Any]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
    return entries


def severe_logs(driver: WebDriver) -> list[dict[str, Any]]:
    return [entry for entry in browser_log(driver) if entry["level"] == "SEVERE"]


def traffic_rows(driver: WebDriver) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, "#traffic-table tbody tr")


def test_the_page_loads_offline_with_no_console_error(
    browser: WebDriver, served: tuple[str, Path], tmp_path: Path
) -> None:
    base, _ = served
    open_view(browser, base, "reference")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#swagger .opblock"), "Swagger UI's operations")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#route-table tbody tr"), "the routes")
    screenshot(browser, "reference", tmp_path)
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(url.startswith(base + "/") for url in resources), resources
    assert severe_logs(browser) == []


def test_the_routes_table_is_apigw_routes(browser: WebDriver, served: tuple[str, Path], tmp_path: Path) -> None:
    base, spec = served
    listed = subprocess.run(
        [sys.executable, "-m", "apigw_cli", "routes", str(spec), "--json"], capture_output=True, text=True, timeout=60
    )
    expected = [(row["method"], row["path"], row["integration"], row["target"]) for row in json.loads(listed.stdout)]
    open_view(browser, base, "routes")
    shown = wait_for(lambda: table_cells(browser, "#route-table tbody tr", 4), "the routes")
    assert shown == expected
    screenshot(browser, "routes", tmp_path)
    browser.find_element(By.ID, "route-filter").send_keys("petId")
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#route-table tbody tr")) == 1, "the filter")
    browser.find_element(By.CSS_SELECTOR, "#route-table tbody tr a.to-reference").click()  # its reference entry
    opened = "#operations-default-showPetById.is-open"
    wait_for(lambda: browser.find_element(By.CSS_SELECTOR, opened), "the opened entry")
    assert browser.execute_script("return !document.getElementById('reference').hidden")


def test_a_request_shows_in_live_traffic_and_replays(
    browser: WebDriver, served: tuple[str, Path], tmp_path: Path
) -> None:
    base, _ = served
    open_view(browser, base, "traffic")
    wait_for(lambda: browser.execute_script("return document.readyState") == "complete", "the page")
    time.sleep(0.3)  # the page's event stream opens after its first fetches
    assert (
        httpx.get(f"{base}/pets", params={"limit": 2}, headers={"x-trace": "from-httpx"}, timeout=10).status_code == 200
    )
    row = wait_for(
        lambda: next(r for r in traffic_rows(browser) if "/pets?limit=2" in r.text), "the exchange in live traffic", 5
    )
    row.click()
    detail = wait_for(lambda: browser.find_element(By.ID, "request-detail").text, "the exchange's details")
    assert "x-trace: from-httpx" in detail
    assert "curl -X GET" in browser.find_element(By.ID, "curl").text
    assert '"name": "Rex"' in browser.find_element(By.ID, "response-detail").text.replace('":"', '": "')
    before = len(traffic_rows(browser))
    browser.find_element(By.ID, "replay").click()
    wait_for(lambda: len(traffic_rows(browser)) == before + 1, "the replayed exchange")
    assert "replayed: 200" in browser.find_element(By.ID, "replay-result").text
    screenshot(browser, "traffic", tmp_path)
    assert severe_logs(browser) == []


def test_try_it_out_goes_through_the_gateway(browser: WebDriver, served: tuple[str, Path]) -> None:
    base, _ = served
    open_view(browser, base, "reference")
    block = wait_for(lambda: browser.find_element(By.ID, "operations-default-listPets"), "GET /pets in the reference")
    block.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    execute = wait_for(lambda: block.find_element(By.CSS_SELECTOR, "button.execute"), "the Execute button")
    execute.click()
    status = ".live-responses-table tbody .response-col_status"
    wait_for(lambda: "200" in block.find_element(By.CSS_SELECTOR, status).text, "the answer in the reference")
    browser.find_element(By.CSS_SELECTOR, 'nav button[data-view="traffic"]').click()
    wait_for(lambda: any("GET /pets" in r.text and "/pets/" not in r.text for r in traffic_rows(browser)),
             "the try-it request in live traffic")  # fmt: skip


def test_reloads_show_their_diff_and_a_broken_edit_the_banner(
    browser: WebDriver, served: tuple[str, Path], tmp_path: Path
) -> None:
    base, spec = served
    open_view(browser, base, "reloads")
    time.sleep(0.3)
    original = spec.read_text()
    edited = original.replace(
        "paths:\n", "paths:\n  /extra:\n    get:\n      responses: {'200': {description: ok}}\n", 1
    )
    deadline = time.monotonic() + 20
    while "+ GET /extra" not in browser.find_element(By.ID, "reload-list").text:
        assert time.monotonic() < deadline, "the reload did not show"
        spec.write_text(edited)  # written again until the watcher, which starts after the server answers, sees it
        time.sleep(0.5)
    assert browser.find_element(By.ID, "banner").is_displayed() is False
    browser.find_element(By.CSS_SELECTOR, 'nav button[data-view="routes"]').click()
    wait_for(lambda: "GET /extra" in " ".join(r.get_attribute("data-route") or "" for r in
             browser.find_elements(By.CSS_SELECTOR, "#route-table tbody tr")), "the new route")  # fmt: skip
    spec.write_text(edited + "  /broken: [\n")
    banner = wait_for(
        lambda: browser.find_element(By.ID, "banner") if browser.find_element(By.ID, "banner").is_displayed() else None,
        "the banner",
    )
    assert "still served" in banner.text and "invalid YAML" in banner.text and "petstore-mock.yaml:" in banner.text
    browser.find_element(By.CSS_SELECTOR, 'nav button[data-view="reloads"]').click()
    screenshot(browser, "reloads", tmp_path)


def test_charts_have_data_points(browser: WebDriver, served: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = served
    open_view(browser, base, "metrics")
    for round_ in range(3):
        for _ in range(5):
            httpx.get(f"{base}/pets", timeout=10)
        httpx.get(f"{base}/pets/9", headers={"prefer": "code=404"}, timeout=10)
        if round_ < 2:
            time.sleep(2.1)  # the page samples the counters every 2 s

    def risen(metric: str) -> bool:  # a point above the baseline: that interval had requests
        # read in one script: the page redraws its charts every 2 s, which makes held elements stale
        heights = browser.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]), c => c.getAttribute('cy'))",
            f'svg[data-metric="{metric}"] circle',
        )
        return any(float(height or 90) < 85 for height in heights)

    wait_for(lambda: risen("requests"), "points above zero on the requests chart")
    wait_for(lambda: risen("4xx"), "points above zero on the 4xx chart")
    wait_for(lambda: risen("latency"), "the latency chart")
    assert not risen("5xx")
    wait_for(
        lambda: any(row[0].startswith("GET /pets") for row in table_cells(browser, "#metric-table tbody tr", 1)),
        "GET /pets in the metric table",
    )
    screenshot(browser, "metrics", tmp_path)
    browser.find_element(By.CSS_SELECTOR, 'nav button[data-view="stage"]').click()
    wait_for(lambda: "$default" in browser.find_element(By.ID, "stage-detail").text, "the stage")
    assert severe_logs(browser) == []


def test_with_an_admin_token_the_page_needs_it(browser: WebDriver, tmp_path: Path) -> None:
    with serve_process(str(SPEC), "--no-reload", "--admin-token", "s3cret") as base:
        assert httpx.get(f"{base}/_apigw/", timeout=10).status_code == 401
        assert httpx.get(f"{base}/_apigw/console/routes.json", timeout=10).status_code == 401
        assert httpx.get(f"{base}/_apigw/?token=wrong", timeout=10).status_code == 401
        browser.get(f"{base}/_apigw/?token=s3cret")  # sets the page's cookie, then the page loads
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#route-table tbody tr"), "the routes")
        assert "token" not in browser.current_url


KEYED = """openapi: 3.0.3
info: {title: keyed, version: "1"}
x-gateway:
  stages:
    dev:
      variables: {table: users-dev, apiSecret: hunter2}
  apiKeys:
    - {name: partner, valueFrom: "env:PARTNER_KEY"}
  usagePlans:
    - {name: partners, keys: [partner], throttle: {rate: 100, burst: 100}, quota: {limit: 10, period: DAY}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /things:
    get:
      security: [{key: []}]
      x-integration: {type: mock}
      responses: {"200": {description: things, content: {application/json: {example: [1, 2]}}}}
"""


def test_the_stage_view_shows_variables_masked_and_the_quota_left(browser: WebDriver, tmp_path: Path) -> None:
    spec = tmp_path / "keyed.yaml"
    spec.write_text(KEYED)
    with serve_process(str(spec), "--no-reload", env={"PARTNER_KEY": "k-123"}) as base:
        for _ in range(3):
            assert httpx.get(f"{base}/things", headers={"x-api-key": "k-123"}, timeout=10).status_code == 200
        open_view(browser, base, "stage")
        cells = wait_for(lambda: table_cells(browser, '#usage-plans tr[data-key="partner"]', 6)[0], "the plan")
        assert list(cells[:6]) == ["partners", "100/s burst 100", "10/day", "partner", "3", "7"]
        variables = browser.find_element(By.ID, "variables").text
        assert "users-dev" in variables and "hunter2" not in variables and "[redacted]" in variables
        assert "k-123" not in browser.page_source  # key values are never shown
        assert httpx.get(f"{base}/things", headers={"x-api-key": "k-123"}, timeout=10).status_code == 200
        wait_for(lambda: browser.find_element(By.CSS_SELECTOR, '#usage-plans tr[data-key="partner"] td:nth-child(6)')
                 .text == "6", "the quota left, after one more request")  # fmt: skip
        screenshot(browser, "stage", tmp_path)
        browser.get("about:blank")
        browser_log(browser)


THROTTLED = """openapi: 3.0.3
info: {title: throttled, version: "1"}
x-gateway:
  throttle: {rate: 1, burst: 2}
paths:
  /tiny:
    get:
      x-integration: {type: mock}
      responses: {"200": {description: ok, content: {application/json: {example: {ok: true}}}}}
"""


def test_the_page_keeps_working_under_load_and_is_not_api_traffic(browser: WebDriver, tmp_path: Path) -> None:
    spec = tmp_path / "throttled.yaml"
    spec.write_text(THROTTLED)
    with serve_process(str(spec), "--no-reload") as base:
        open_view(browser, base, "traffic")
        time.sleep(0.3)
        statuses: list[int] = []
        with httpx.Client(timeout=10) as client:  # a bounded burst: the API's bucket of 2 is soon empty
            for _ in range(60):
                statuses.append(client.get(f"{base}/tiny").status_code)
        assert statuses.count(429) >= 50
        wait_for(lambda: len(traffic_rows(browser)) >= 60, "the burst in live traffic")
        for view in ("routes", "metrics", "stage", "reference"):  # the page's requests are never throttled
            browser.find_element(By.CSS_SELECTOR, f'nav button[data-view="{view}"]').click()
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#swagger .opblock"), "the reference under throttle")
        metrics = httpx.get(f"{base}/_apigw/metrics", timeout=10).text
        assert 'resource="/tiny"' in metrics and "/_apigw" not in metrics  # the page's requests are not counted
        assert severe_logs(browser) == []
        browser.get("about:blank")
        browser_log(browser)
