"""The playground page in real headless Chromium (Playwright), against a real server on 127.0.0.1.

Skipped, with the reason, where Playwright for Python or /usr/bin/chromium is missing (no browser is
ever downloaded). Screenshots go to /work/screens/playground/ when that folder can be made.
"""

import os
import pathlib

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENS = pathlib.Path(os.environ.get("PLAYGROUND_SCREENS", "/work/screens/playground"))

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
pytest.importorskip("uvicorn", reason="the playground extra (uvicorn) is not installed")
if not os.path.exists(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


@pytest.fixture(scope="module")
def server():
    from practicalnn.playground import Playground

    playground = Playground("127.0.0.1", 0).start()
    yield playground
    playground.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda err: page.errors.append(str(err)))
    yield page
    context.close()
    assert page.errors == []


def _screenshot(page, name):
    try:
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / name))
    except OSError:
        pass


def _number(page, selector):
    return float(page.locator(selector).text_content().split()[0])


def _heat_map(page):
    return page.evaluate(
        "() => Array.from(document.getElementById('heatmap').getContext('2d')"
        ".getImageData(0, 0, 420, 420).data.filter((_, i) => i % 16 === 0))"
    )


def _open(page, server, hash_=""):
    page.goto(server.url + hash_)
    page.wait_for_function("() => document.getElementById('state').textContent === 'paused'")


def test_play_trains_and_the_numbers_and_the_heat_map_change(page, server):
    _open(page, server, "#stop_iterations=30000")
    before = _heat_map(page)
    assert page.locator("#iteration").text_content() == "0"
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => Number(document.getElementById('iteration').textContent) >= 3000")
    page.get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_function("() => document.getElementById('state').textContent === 'paused'")
    assert _number(page, "#train-cost") < 0.5  # from about 1.03 at iteration 0
    assert 0 < _number(page, "#dev-cost") and 0.5 < _number(page, "#train-accuracy") <= 1
    after = _heat_map(page)
    assert sum(a != b for a, b in zip(before, after)) > 100
    _screenshot(page, "trained.png")


def test_l2_lambda_changed_mid_run_makes_the_weight_norms_fall(page, server):
    _open(page, server, "#stop_iterations=1000000")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => Number(document.getElementById('iteration').textContent) >= 3000")
    norms = (
        "() => Array.from(document.querySelectorAll('#layers .w-norm')).reduce((s, e) => s + Number(e.textContent), 0)"
    )
    before = page.evaluate(norms)
    page.get_by_label("L2 lambda", exact=True).fill("5")
    page.get_by_label("L2 lambda", exact=True).dispatch_event("change")
    page.wait_for_function(f"() => ({norms})() < 0.8 * {before}", timeout=30000)  # while it keeps training
    assert page.locator("#state").text_content() == "playing"
    page.get_by_role("button", name="Pause", exact=True).click()
    assert "l2=5" in page.url
    _screenshot(page, "l2-raised.png")


def test_a_refused_value_shows_the_reason_at_the_control(page, server):
    _open(page, server)
    box = page.get_by_label("keep_prob", exact=True)
    box.fill("0")
    box.dispatch_event("change")
    page.wait_for_function("() => document.getElementById('refused').textContent !== ''")
    assert "keep_prob=0: expected a finite number in (0, 1]" in page.locator("#refused").text_content()
    assert box.get_attribute("aria-invalid") == "true"


def test_a_malformed_csv_upload_shows_its_error(page, server, tmp_path):
    _open(page, server)
    bad = tmp_path / "ragged.csv"
    bad.write_text("a,b,label\n1,2,0\n3,4\n")
    page.get_by_label("Upload CSV").set_input_files(str(bad))
    page.wait_for_function("() => document.getElementById('upload-result').className === 'error'")
    assert "row 3 has 2 values: expected 3" in page.locator("#upload-result").text_content()
    assert page.get_by_label("Dataset", exact=True).input_value() == "notebook_moons"


def test_the_shared_url_reproduces_the_state_in_a_new_page(page, server, browser):
    _open(page, server, "#l2=0.7")
    page.get_by_label("Hidden layers").fill("8,4")
    page.get_by_label("Hidden layers").dispatch_event("change")
    page.get_by_label("Optimizer").select_option("adam")
    page.wait_for_function("() => location.hash.includes('adam')")
    shared = page.url
    other = browser.new_page()
    other.goto(shared)
    other.wait_for_function("() => document.getElementById('state').textContent === 'paused'")
    assert other.get_by_label("Hidden layers").input_value() == "8,4"
    assert other.get_by_label("Optimizer").input_value() == "adam"
    assert other.get_by_label("L2 lambda", exact=True).input_value() == "0.7"
    other.close()
