"""Take docs/images/playground-*.png, the docs' and the README's pictures of the playground, in
headless Chromium (Debian's /usr/bin/chromium through Playwright) against a server on 127.0.0.1.

* playground-l2-mid-run.png: the notebook's model trained to iteration 15000, then L2 lambda raised
  from 0 to 5 and trained on to 30000;
* playground-spirals-export.png: three spiral arms, softmax, per-layer dropout, a test split, and
  Export's command and script.

Run from the repository root: ``python docs/images/make_playground.py``.
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

from practicalnn.playground import Playground

HERE = Path(__file__).parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip
SPIRALS = ('#dataset="spirals"&classes=3&output="softmax"&n_samples=600&noise=0.1&test_fraction=0.15'
           '&hidden=[32,32,16]&activation="tanh"&init="xavier"&seed=1&learning_rate=0.005&optimizer="adam"'
           "&keep_prob=[1,0.9,0.9]&stop_iterations=8000")  # fmt: skip
STOPPED = "() => document.getElementById('state').textContent === 'stopped'"
PAUSED = "() => document.getElementById('state').textContent === 'paused'"


def _set(page, label, value):
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.dispatch_event("change")


def l2_mid_run(page, url):
    page.goto(url + "#stop_iterations=15000")
    page.wait_for_function(PAUSED, timeout=60_000)
    page.click("#play")
    page.wait_for_function(STOPPED, timeout=120_000)
    _set(page, "L2 lambda", "5")
    _set(page, "Stop at iteration", "30000")
    page.wait_for_function("() => location.hash.includes('l2=5') && !location.hash.includes('stop_iterations')")
    page.click("#play")
    page.wait_for_function("() => playground.view.frame.iteration === 30000 && " + STOPPED[6:], timeout=120_000)
    page.screenshot(path=str(HERE / "playground-l2-mid-run.png"))


def spirals_export(page, url):
    page.goto(url + SPIRALS)
    page.wait_for_function(PAUSED, timeout=60_000)
    page.click("#play")
    page.wait_for_function(STOPPED, timeout=300_000)
    page.click("#export")
    page.wait_for_function("() => document.getElementById('export-command').value !== ''", timeout=60_000)
    page.screenshot(path=str(HERE / "playground-spirals-export.png"))


def main():
    playground = Playground("127.0.0.1", 0).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for take, height in ((l2_mid_run, 950), (spirals_export, 1180)):  # the second shows Export's box
                page = browser.new_page(viewport={"width": 1400, "height": height})
                take(page, playground.url)
                page.close()
            browser.close()
    finally:
        playground.stop()


if __name__ == "__main__":
    main()
