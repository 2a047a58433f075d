"""End to end in a real browser: the report and a rendered letter in headless Chromium.

Needs Playwright for Python (the `test` extra) and Debian's Chromium at
/usr/bin/chromium (`apt-get install chromium`; `.ci/run` installs it). No
browser is downloaded: Playwright drives the system Chromium.
"""
import json
import shutil
from pathlib import Path

import pytest

from imr.io.record import doc_to_record
from imr.display.render import DISPLACY_COLORS, render_letter
from imr.display.report import build_report

from .conftest import letter_path
from .synthetic import SEED, enrich_seed

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
FIXTURE = Path(__file__).parent / "data" / "report_fixture.jsonl"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
    pytest.skip(f"chromium is not installed at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        yield context
        context.close()


def open_page(browser, path: Path):
    """Open a local file; return (page, console errors, requested URLs)."""
    page = browser.new_page()
    errors, requests = [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page, errors, requests


# Labels longer than any chart's label column, with wide letters, for every labelled chart.
LONG = "Official Disability Guidelines (ODG) Pain (Chronic), Opioids, criteria for use, WWW MMM %%% @@@ ###"


def long_label_records():
    """Records whose drugs, criteria, guidelines, sections and specialties have very long names
    (five decisions, so that they are the first bar of every chart)."""
    decision = {
        "item": "Hydrocodone", "outcome": "upheld",
        "drugs": [{"name": "W" * 60, "generic": "Hydrocodone/acetaminophen/" + LONG, "drug_class": LONG}],
        "citations": [{"source": "ODG", "title": LONG, "sections": [LONG], "pages": [[1000, 1010]]}],
        "criteria": [{"assertion": "absent", "text": "documentation of " + LONG}],
    }
    return [{"id": f"L{i}", "reviewer": {"specialties": [LONG]}, "decisions": [decision]} for i in range(5)]


def assert_labels_inside_charts(page) -> int:
    """Every text of every chart lies inside its SVG's viewBox; returns the texts checked."""
    outside = page.evaluate(
        """() => {
            const bad = []; let count = 0;
            for (const svg of document.querySelectorAll('svg.chart')) {
                const view = svg.viewBox.baseVal;
                for (const text of svg.querySelectorAll('text')) {
                    const box = text.getBBox(); count += 1;
                    if (box.x < view.x - 0.5 || box.y < view.y - 0.5 || box.x + box.width > view.x + view.width + 0.5
                        || box.y + box.height > view.y + view.height + 0.5) {
                        bad.push([svg.dataset.chart, text.textContent, box.x, box.x + box.width, view.width]);
                    }
                }
            }
            return {bad, count};
        }"""
    )
    assert outside["bad"] == [], outside["bad"]
    return outside["count"]


def rgb(hex_colour: str) -> str:
    value = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(value[i : i + 2], 16) for i in (0, 2, 4)))


def test_report_in_chromium(browser, tmp_path):
    out = tmp_path / "report.html"
    build_report(FIXTURE, out, csv_dir=tmp_path / "csv")
    page, errors, requests = open_page(browser, out)
    try:
        expected = {"by_category": 7, "by_drug": 2, "absent_criteria": 4, "guidelines": 3, "guideline_places": 7, "by_specialty": 4}
        for key, bars in expected.items():
            chart = page.locator(f'svg[data-chart="{key}"]')
            assert chart.count() == 1, key
            box = chart.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 20, key
            assert chart.locator("g.bar").count() == bars, key
            assert page.locator(f"#{key}-table tbody tr").count() == bars, key
        # stacked outcome bars: one upheld and one overturned segment for the opioid class (1 + 1)
        opioid = page.locator('svg[data-chart="by_category"] g.bar[data-label="drug: opioid"]')
        assert opioid.locator("rect.upheld").count() == 1 and opioid.locator("rect.overturned").count() == 1
        widths = [opioid.locator(f"rect.{kind}").bounding_box()["width"] for kind in ("upheld", "overturned")]
        assert widths[0] == pytest.approx(widths[1], rel=0.01)
        cards = page.locator(".card .value").all_inner_texts()
        assert cards == ["6", "8", "5", "2", "2"]
        assert page.locator("#by_category-table tbody tr").first.inner_text().split("\t") == ["drug: opioid", "2", "1", "1", "50.0%"]
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
        assert assert_labels_inside_charts(page) == 2 * sum(expected.values())  # a label and a value per bar
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        assert errors == []
        assert all(url.startswith("file://") for url in requests), requests
    finally:
        page.close()
    assert (tmp_path / "report.png").stat().st_size > 10_000


@pytest.mark.parametrize("width", [1400, 700])
def test_long_chart_labels_stay_inside_their_svg(browser, tmp_path, width):
    """Long labels are cut with an ellipsis inside the chart; the whole label is in the bar's tooltip."""
    annotations = tmp_path / "long.jsonl"
    lines = FIXTURE.read_text(encoding="utf8").splitlines() + [json.dumps(r) for r in long_label_records()]
    annotations.write_text("\n".join(lines) + "\n", encoding="utf8")
    out = tmp_path / "report.html"
    build_report(annotations, out)
    page, errors, _ = open_page(browser, out)
    try:
        page.set_viewport_size({"width": width, "height": 1000})
        assert assert_labels_inside_charts(page) > 40
        for chart in ("by_category", "by_drug", "absent_criteria", "guidelines", "guideline_places", "by_specialty"):
            label = page.locator(f'svg[data-chart="{chart}"] text.label').first.text_content()
            assert label.endswith("…"), (chart, label)
            bar = page.locator(f'svg[data-chart="{chart}"] g.bar').first
            whole = bar.get_attribute("data-label")
            assert len(whole) > len(label) and bar.locator("title").text_content().startswith(whole + ":"), chart
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(tmp_path / f"long-labels-{width}.png"), full_page=True)
        assert errors == []
    finally:
        page.close()


def test_letter_in_chromium(browser, nlp, tmp_path):
    doc = enrich_seed(nlp(letter_path(SEED).read_text(encoding="utf8")))
    out = tmp_path / "letter.html"
    out.write_text(render_letter(doc, doc_to_record(doc, SEED, f"corpus/seeds/{SEED}.txt")), encoding="utf8")
    page, errors, requests = open_page(browser, out)
    try:
        assert page.locator("table.decision").count() == 2
        assert page.locator("table.decision caption").all_inner_texts() == ["Decision 1", "Decision 2"]
        chips = page.locator(".spans span[style*='z-index: 10']")
        labels = [text.strip() for text in chips.all_inner_texts()]
        assert sorted(labels) == sorted(["OUTCOME", "OUTCOME", "DRUG", "DRUG", "CITATION", "CITATION",
                                         "CRITERION_ABSENT", "CRITERION_PRESENT", "CRITERION_REQUIREMENT"])
        for index, label in enumerate(labels):
            background = chips.nth(index).evaluate("e => getComputedStyle(e).backgroundColor")
            assert background == rgb(DISPLACY_COLORS[label]), label
        # the link from decision 2's table scrolls to its paragraph in the letter
        page.locator("#decision-2 a.jump").click()
        target = page.locator("#decision-2 a.jump").get_attribute("href")
        assert page.evaluate("() => location.hash") == target
        assert page.locator(target).is_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(tmp_path / "letter.png"))
        first_absent = page.locator(".spans span[style*='z-index: 10']", has_text="CRITERION_ABSENT").first
        first_absent.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "letter-criteria.png"))
        assert errors == []
        assert all(url.startswith("file://") for url in requests), requests
    finally:
        page.close()
    assert (tmp_path / "letter.png").stat().st_size > 10_000
