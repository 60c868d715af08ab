"""The report and the review page in headless Chromium, used as an editor would.

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package;
without them every test here is skipped with the reason. Nothing is downloaded:
the driver and browser paths are given explicitly and Selenium Manager runs offline.
Override the paths with ``LINEAGE_CHROMIUM`` and ``LINEAGE_CHROMEDRIVER``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_report import write_sample_run

from lineage import report, review

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("LINEAGE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = (
    os.environ.get("LINEAGE_CHROMEDRIVER")
    or shutil.which("chromedriver")
    or "/usr/bin/chromedriver"
)


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[browser]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)"
    if not os.access(DRIVER, os.X_OK):
        return f"no chromedriver at {DRIVER} (apt-get install chromium-driver)"
    return None


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
    profile = tempfile.mkdtemp(prefix="lineage-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
        # offline: any host other than the local review server fails to resolve
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(options=opts, service=Service(executable_path=DRIVER))
    drv.set_page_load_timeout(30)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _no_alert(drv: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        drv.switch_to.alert.text  # noqa: B018


def _errors(drv: Any) -> list[str]:
    return [e["message"] for e in drv.get_log("browser") if e["level"] == "SEVERE"]


def _wait(cond: Any, timeout: float = 10) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = cond()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return write_sample_run(tmp_path / "run")


def test_report_offline_graph_highlights_filter(driver: Any, run_dir: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    html, _ = report.write_report(run_dir)
    driver.get(html.as_uri())
    _no_alert(driver)
    assert _errors(driver) == []  # no CSP violation, no failed load: fully offline
    # graph: three article nodes, arrows drawn, time from left to right
    nodes = driver.find_elements(By.CSS_SELECTOR, "#lineage-graph g.node-article")
    assert len(nodes) == 3
    xs = {n.get_attribute("data-node"): n.rect["x"] for n in nodes}
    assert xs["article:wire1"] < xs["article:copy1"] < xs["article:other1"]
    assert driver.find_elements(By.CSS_SELECTOR, "#lineage-graph path.edge-derives_from")
    # highlights: the verbatim sentence is marked and visible in the open pair
    marks = driver.find_elements(By.CSS_SELECTOR, "details.pair[open] mark.hl-verbatim")
    assert marks and marks[0].is_displayed()
    assert "Seoul says 1,100" in marks[0].text
    assert driver.find_elements(By.CSS_SELECTOR, "mark.hl-rewritten")
    # filter: the class select hides the non-derived articles
    rows = driver.find_elements(By.CSS_SELECTOR, "#articles-table tbody tr")
    assert len(rows) == 3
    Select(driver.find_element(By.ID, "class-filter")).select_by_value("wholly-derived")
    visible = [r for r in rows if r.is_displayed()]
    assert len(visible) == 1 and "Daily <Copy>" in visible[0].text
    count = driver.find_element(By.CSS_SELECTOR, '[data-count="articles-table"]').text
    assert count == "1 of 3 rows"
    # sorting: click "Published" twice puts the newest first
    header = driver.find_element(By.XPATH, "//table[@id='articles-table']//th[3]")
    Select(driver.find_element(By.ID, "class-filter")).select_by_value("")
    header.click()
    header.click()
    first = driver.find_element(By.CSS_SELECTOR, "#articles-table tbody tr td:nth-child(3)")
    assert first.text == "2024-10-30"


def test_hostile_text_does_not_execute_in_report(driver: Any, run_dir: Path) -> None:
    from selenium.webdriver.common.by import By

    html, _ = report.write_report(run_dir)
    driver.get(html.as_uri())
    _no_alert(driver)
    assert driver.execute_script("return document.scripts.length") == 2
    assert driver.execute_script("return document.images.length") == 0
    text = driver.find_element(By.CSS_SELECTOR, "details.pair[open]").text
    assert "<script>alert(1)</script>" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert _errors(driver) == []


def _serve(run_dir: Path, db: Path) -> Any:
    srv = review.make_server(run_dir, port=0, db=db)
    review.serve_in_thread(srv)
    return srv


def test_review_verdict_survives_restart(driver: Any, run_dir: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    db = tmp_path / "verdicts.db"
    srv = _serve(run_dir, db)
    item = srv.app.items[0].id
    try:
        driver.get(review.server_url(srv))
        _no_alert(driver)
        assert driver.execute_script("return document.images.length") == 0
        page = driver.find_element(By.TAG_NAME, "main").text
        assert "<script>alert(1)</script>" in page
        card = driver.find_element(By.ID, item)
        card.find_element(By.CSS_SELECTOR, "input[value=confirmed]").click()
        card.find_element(By.NAME, "note").send_keys("Copied from the wire <b>x</b>")
        card.find_element(By.NAME, "editor").send_keys("ed")
        card.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        status = card.find_element(By.CSS_SELECTOR, ".status")
        _wait(lambda: status.text.startswith("Saved"))
        assert card.find_element(By.CSS_SELECTOR, ".current").text == "Confirmed"
        assert _errors(driver) == []
    finally:
        srv.shutdown()
        srv.server_close()
    srv = _serve(run_dir, db)  # a new server process state, same db
    try:
        driver.get(review.server_url(srv))
        card = driver.find_element(By.ID, item)
        assert card.find_element(By.CSS_SELECTOR, "input[value=confirmed]").is_selected()
        assert card.find_element(By.NAME, "note").get_attribute("value") == (
            "Copied from the wire <b>x</b>"
        )
        assert card.find_element(By.CSS_SELECTOR, ".current").text == "Confirmed"
    finally:
        srv.shutdown()
        srv.server_close()
    # and the next report shows it
    html, _ = report.write_report(run_dir, db=db)
    driver.get(html.as_uri())
    row = driver.find_element(By.ID, report.anchor("item", item))
    assert "Confirmed" in row.text and "Copied from the wire <b>x</b>" in row.text


def test_big_report_says_what_it_cuts(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from test_report import SMALL, write_big_run

    run_dir = write_big_run(tmp_path / "big")
    ctx = report.build_context(report.load_run(run_dir), limits=SMALL)
    page = run_dir / "report.html"
    page.write_text(report.render_html(ctx), encoding="utf-8")
    driver.get(page.as_uri())
    _no_alert(driver)
    assert _errors(driver) == []
    notes = [n.text for n in driver.find_elements(By.CSS_SELECTOR, "p.note.cut")]
    assert any(n.startswith("Showing 4 of 140 article pairs") for n in notes)
    assert len(notes) >= 7
    # the best pair is open and its marks are visible; in-page links land on something
    marks = driver.find_elements(By.CSS_SELECTOR, "details.pair[open] mark.hl-verbatim")
    assert marks and marks[0].is_displayed()
    assert driver.execute_script(
        "return Array.from(document.querySelectorAll('a[href^=\"#\"]')).every("
        "a => document.getElementById(a.getAttribute('href').slice(1)))"
    )
