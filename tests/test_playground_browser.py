"""The playground page in real headless Chromium (Playwright), against a real server on 127.0.0.1.

Skipped, with the reason, where Playwright for Python or /usr/bin/chromium is missing (no browser is
ever downloaded). Screenshots go to /work/screens/playground/ when that folder can be made.
"""

import os
import pathlib

import numpy as np
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
        ".getImageData(0, 0, 100, 100).data.filter((_, i) => i % 4 === 0))"
    )


def _open(page, server, hash_=""):
    page.goto(server.url + hash_)
    page.wait_for_function("() => document.getElementById('state').textContent === 'paused'")


def _enter(page, label, text):
    """Type ``text`` into the control labelled ``label`` and leave it, as a user does (its change event)."""
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.dispatch_event("change")
    return box


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
    _enter(page, "L2 lambda", "5")
    page.wait_for_function(f"() => ({norms})() < 0.8 * {before}", timeout=30000)  # while it keeps training
    assert page.locator("#state").text_content() == "playing"
    page.get_by_role("button", name="Pause", exact=True).click()
    assert "l2=5" in page.url
    _screenshot(page, "l2-raised.png")


def test_a_refused_value_shows_the_reason_at_the_control(page, server):
    _open(page, server)
    box = _enter(page, "keep_prob", "0")
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
    _enter(page, "Hidden layers", "8,4")
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


LABELS = ["Dataset", "Hidden layers", "Activation", "Initialization", "Learning rate", "Optimizer", "Batch size",
          "L2 lambda", "L1 lambda", "keep_prob", "Input keep_prob", "Early stopping"]  # fmt: skip
BUTTONS = ["Play", "Pause", "Step", "Reset", "Gradient check", "Export"]
NUMBERS = ["Iteration", "Train cost", "Dev cost", "Train accuracy", "Dev accuracy"]


def test_every_control_the_issue_names_has_its_accessible_label(page, server):
    _open(page, server)
    for name in LABELS + ["Output", "Classes", "Test fraction", "Noise", "Bayes error", "New point's class"]:
        assert page.get_by_label(name, exact=True).count() == 1, name
    for name in BUTTONS:
        assert page.get_by_role("button", name=name, exact=True).count() == 1, name
    terms = page.locator(".numbers dt").all_text_contents()
    assert terms[: len(NUMBERS)] == NUMBERS


def _class_shares(page):
    """The share of the heat map's 100 x 100 pixels whose colour is each of the first three class
    colours mixed with white (the page's palette): the direction of 255 - pixel."""
    pixels = page.evaluate(
        "() => Array.from(document.getElementById('heatmap').getContext('2d').getImageData(0, 0, 100, 100).data)"
    )
    rgb = 255 - np.asarray(pixels, float).reshape(-1, 4)[:, :3]
    rgb = rgb[np.linalg.norm(rgb, axis=1) > 30]
    palette = 255 - np.asarray([[70, 130, 220], [240, 160, 60], [80, 170, 90]], float)
    cosine = (rgb / np.linalg.norm(rgb, axis=1)[:, None]) @ (palette / np.linalg.norm(palette, axis=1)[:, None]).T
    return np.bincount(np.argmax(cosine, axis=1), minlength=3) / len(rgb)


def test_softmax_on_three_class_blobs_colours_three_classes(page, server):
    _open(page, server, '#dataset="blobs"&stop_iterations=3000')
    _enter(page, "Classes", "3")
    page.wait_for_function("() => document.getElementById('refused').textContent !== ''")
    assert "output='sigmoid': expected softmax for data of 3 classes" in page.locator("#refused").text_content()
    assert page.evaluate("() => document.getElementById('classes').nextElementSibling.id") == "refused"
    page.get_by_label("Output", exact=True).select_option("softmax")
    page.wait_for_function("() => location.hash.includes('softmax')")
    _enter(page, "Classes", "3")
    page.wait_for_function("() => location.hash.includes('classes=3')")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => document.getElementById('state').textContent === 'stopped'", timeout=60000)
    shares = _class_shares(page)
    assert (shares > 0.1).all(), shares
    assert "predicted class" in page.locator("#heatmap-legend").text_content()
    _screenshot(page, "softmax-blobs.png")


def test_clicking_the_plot_adds_a_point_of_the_selected_class(page, server):
    _open(page, server)
    page.get_by_label("New point's class", exact=True).select_option("1")
    page.locator("#heatmap").click(position={"x": 315, "y": 105})
    page.wait_for_function("() => playground.view.data.train.length === 135")
    x, y, label = page.evaluate("() => playground.view.data.train[134]")
    x0, x1, y0, y1 = page.evaluate("() => playground.view.data.bounds")
    assert label == 1
    assert x == pytest.approx(x0 + 315 / 420 * (x1 - x0), abs=0.01)  # the click, in the data's coordinates
    assert y == pytest.approx(y1 - 105 / 420 * (y1 - y0), abs=0.01)
    assert "added=" in page.url
    _screenshot(page, "point-added.png")


def test_keep_prob_per_hidden_layer_is_accepted_and_the_dropped_units_drawn(page, server):
    _open(page, server, "#seed=3&stop_iterations=1000")
    _enter(page, "keep_prob", "0.5,0.6")
    page.wait_for_function("() => location.hash.includes('keep_prob=%5B0.5%2C0.6%5D')")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => playground.view.frame.state === 'stopped' && playground.view.crossed.length > 0")
    assert page.evaluate("() => playground.view.frame.keep") == [1, 0.5, 0.6]
    assert "crossed units: dropped by dropout" in page.locator("#network-note").text_content()
    x, y = page.evaluate("() => playground.view.crossed[0]")
    centre = page.evaluate(
        f"() => Array.from(document.getElementById('network').getContext('2d').getImageData({x}, {y}, 1, 1).data)"
    )
    assert centre[:3] != [51, 51, 51]  # not a kept unit's dark disc: the crossed one
    grey = page.evaluate(
        "() => Array.from(document.getElementById('cost-plot').getContext('2d').getImageData(0, 0, 460, 190).data)"
        ".filter((v, i, a) => i % 4 === 0 && Math.abs(v - 170) < 12 && Math.abs(a[i + 1] - 170) < 12).length"
    )
    assert grey > 20  # the J the trainer records with dropout on, drawn
    _screenshot(page, "dropout.png")


def test_the_l2_preset_run_to_the_end_shows_the_notebooks_figures(page, server):
    _open(page, server)
    page.get_by_role("button", name="L2 lambda 0.7").click()
    page.wait_for_function("() => location.hash.includes('l2=0.7')")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => document.getElementById('state').textContent === 'stopped'", timeout=60000)
    assert page.locator("#iteration").text_content() == "30000"
    # the notebook's printed L2 run: train accuracy 0.9924..., test accuracy 0.9393...
    assert page.locator("#train-accuracy").text_content() == "0.9925"
    assert page.locator("#dev-accuracy").text_content() == "0.9394"
    _screenshot(page, "l2-preset-end.png")


def test_a_csv_with_more_features_offers_its_columns_in_lists(page, server, tmp_path):
    _open(page, server)
    rng = np.random.default_rng(2)
    X = rng.normal(size=(120, 3))
    kind = np.argmax(X[:, :2] @ [[1, -1, 0], [0, 1, -1]], axis=1)
    path = tmp_path / "three.csv"
    path.write_text("height,weight,age,kind\n" + "".join(f"{a},{b},{c},{k}\n" for (a, b, c), k in zip(X, kind)))
    page.get_by_label("Upload CSV").set_input_files(str(path))
    page.wait_for_function("() => document.getElementById('upload-result').textContent.startsWith('Loaded')")
    assert "3 features" in page.locator("#upload-result").text_content()
    x_axis = page.get_by_label("Feature on x", exact=True)
    assert x_axis.locator("option").all_text_contents() == ["height", "weight", "age", "kind"]
    assert page.get_by_label("Output", exact=True).input_value() == "softmax"
    x_axis.select_option(label="age")
    page.wait_for_function("() => playground.view.data && playground.view.data.names[0] === 'age'")
    assert page.evaluate("() => playground.view.frame.layer_sizes[0]") == 3
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => Number(document.getElementById('iteration').textContent) >= 2000")
    page.get_by_role("button", name="Pause", exact=True).click()
    _screenshot(page, "csv-three-features.png")


def test_the_axes_have_round_tick_labels(page, server):
    _open(page, server)
    log = page.evaluate("async () => (await import('/static/plots.js')).tickLabels(Math.log10(0.00005), 0.1, true)")
    linear = page.evaluate("async () => (await import('/static/plots.js')).tickLabels(0, 30000, false)")
    assert log == ["0.0001", "0.001", "0.01", "0.1", "1"]
    assert linear == ["0", "10k", "20k", "30k"]
