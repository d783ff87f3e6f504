"""The playground server's protocol, without a browser: Starlette's TestClient and its websocket."""

import gc
import json
import threading
import time
import tracemalloc

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient

import practicalnn
from practicalnn.playground.frames import GRID, decode
from practicalnn.playground.server import create_app

#: The notebook's printed figures (134 train / 66 test moons): cost after iterations 0, 10000, 20000,
#: train and test accuracy.
NOTEBOOK = {
    "no_regularization": ([1.030668564098119, 0.0013096475336283563, 0.00045300271498517185], 1.0, 0.9242424242424242),
    "l2": ([1.0963418369311082, 0.15812776244188406, 0.15796526408237627], 0.9925373134328358, 0.9393939393939394),
    "dropout": ([1.087298398064148, 0.039881393279895795, 0.02647010624682434], 0.9925373134328358, 0.9090909090909091),
}


@pytest.fixture
def client():
    with TestClient(create_app(max_upload=4096)) as c:
        yield c


class Tab:
    """One open page: the websocket, with helpers to read its messages."""

    def __init__(self, ws, settings=None):
        self.ws = ws
        ws.send_text(json.dumps({"type": "start", "settings": settings or {}}))
        self.hello = self.text("hello")
        self.points, self.events, self.recorded, self.data = [], [], [], None

    def send(self, **message):
        self.ws.send_text(json.dumps(message))

    def _next(self):
        m = self.ws.receive()
        if m.get("bytes"):
            header, grid = decode(m["bytes"])
            self.points += header["points"]
            self.events += header["events"]
            self.recorded += header["recorded"]
            self.data = header.get("data", self.data)
            return header, grid
        return json.loads(m["text"]), None

    def text(self, kind):
        for _ in range(10000):
            msg, grid = self._next()
            if grid is None and msg["type"] in (kind, "refused"):
                return msg
        raise AssertionError(f"no {kind} message")

    def frame(self, until=lambda h: True, limit=60.0):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            header, grid = self._next()
            if grid is not None and until(header):
                return header, grid
        raise AssertionError("no such frame in time")


def test_page_and_static_files_are_served_from_the_package(client):
    page = client.get("/")
    assert page.status_code == 200
    for label in ("Play", "Pause", "Step", "Reset", "Dataset", "Hidden layers", "Activation", "Initialization"):
        assert f">{label}<" in page.text
    for label in ("Learning rate", "Optimizer", "Batch size", "L2 lambda", "L1 lambda", "keep_prob"):
        assert f">{label}<" in page.text
    for label in ("Input keep_prob", "Early stopping", "Gradient check", "Export"):
        assert f">{label}<" in page.text
    assert "http" not in page.text.replace('href="/', "")  # nothing from outside: no CDN, no fonts
    assert client.get("/static/app.js").status_code == 200


def test_the_first_frame_is_a_heat_map_of_the_network_on_a_100_by_100_grid(client):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws)
        assert tab.hello["settings"]["hidden"] == [20, 3]
        header, grid = tab.frame()
        assert grid.shape == (GRID, GRID) and grid.dtype == np.uint8
        assert header["iteration"] == 0 and header["layer_sizes"] == [2, 20, 3, 1]
        assert len(header["data"]["train"]) == 134 and len(header["data"]["dev"]) == 66
        assert [p["iteration"] for p in header["points"]] == [0]


@pytest.mark.parametrize("preset", ["no_regularization", "l2", "dropout"])
def test_the_notebook_presets_reach_the_notebooks_figures(client, preset):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws)
        tab.send(type="preset", name=preset)
        assert tab.text("settings")["settings"]["stop_iterations"] == 30000
        tab.send(type="control", action="play")
        header, _ = tab.frame(lambda h: h["state"] == "stopped", limit=120)
    costs, train_accuracy, test_accuracy = NOTEBOOK[preset]
    assert header["iteration"] == 30000 and header["message"] == "stop iterations reached"
    assert header["train_accuracy"] == pytest.approx(train_accuracy, abs=1e-12)
    assert header["dev_accuracy"] == pytest.approx(test_accuracy, abs=1e-12)
    by_iteration = {i: cost for i, cost, _ in tab.recorded}  # J as trained (with dropout, if on)
    assert [by_iteration[i] for i in (0, 10000, 20000)] == pytest.approx(costs, rel=1e-9)


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"keep_prob": 0}, "keep_prob=0: expected"),
        ({"l2": -0.1}, "l2=-0.1"),
        ({"learning_rate": 0}, "learning_rate=0: expected"),
        ({"hidden": [20, 0]}, "hidden units=0: expected an integer >= 1"),
        ({"optimizer": "sgdx"}, "optimizer='sgdx'"),
        ({"input_keep_prob": 1.5}, "input_keep_prob=1.5"),
    ],
)
def test_out_of_range_values_are_refused_with_the_engines_reason(client, changes, words):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws)
        tab.send(type="settings", settings=changes)
        reply = tab.text("settings")
        assert reply["type"] == "refused" and words in reply["message"]
        assert reply["settings"]["keep_prob"] == 1.0 and reply["settings"]["learning_rate"] == 0.3


def test_a_bad_url_state_starts_the_defaults_and_says_why(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"type": "start", "settings": {"l2": "lots"}}))
        assert json.loads(ws.receive_text())["settings"]["l2"] == 0.0
        assert "l2='lots'" in json.loads(ws.receive_text())["message"]


def test_l2_raised_mid_run_shrinks_the_weights_and_marks_the_curves(client):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"stop_iterations": 20000})
        tab.send(type="control", action="play")
        before, _ = tab.frame(lambda h: h["iteration"] >= 3000)
        tab.send(type="settings", settings={"l2": 5.0})
        after, _ = tab.frame(lambda h: h["state"] == "stopped")
    norms = lambda h: [layer["w_norm"] for layer in h["layers"]]  # noqa: E731
    assert sum(norms(after)) < 0.8 * sum(norms(before))
    assert len(tab.events) == 1 and "l2 0 \u2192 5" in tab.events[0]["change"]
    assert tab.events[0]["iteration"] >= before["iteration"]  # not before the frame it was sent after


def test_a_diverging_run_stops_with_the_engines_message_and_finite_parameters(client):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"learning_rate": 1e300})
        tab.send(type="control", action="play")
        header, _ = tab.frame(lambda h: h["state"] == "diverged")
    assert "training diverged at iteration" in header["message"] and "smaller learning_rate" in header["message"]
    weights = [w for W in header["weights"] for row in W for w in row]
    assert all(w is not None and np.isfinite(w) for w in weights)  # the last finite parameters


def test_the_gradient_check_and_monotonic_check_answer_with_the_libraries_verdicts(client):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"keep_prob": 0.8, "learning_rate": 0.01})
        tab.send(type="gradcheck")
        reply = tab.text("check")
        assert reply["check"] == "gradient" and reply["verdict"] == "correct" and reply["difference"] < 1e-7
        tab.send(type="monotonic")  # small steps of gradient descent on a smooth J: J falls at every one
        reply = tab.text("check")
        assert reply["check"] == "monotonic" and reply["verdict"] is True and "dropout is on" in reply["text"]
        tab.send(type="settings", settings={"learning_rate": 30.0})  # far too large: J jumps up
        tab.text("settings")
        tab.send(type="monotonic")
        reply = tab.text("check")
        assert reply["verdict"] is False and "NOT monotonic" in reply["text"]


def test_export_gives_a_command_and_a_snippet_that_replay_the_run_and_a_model_file(client, tmp_path, capsys):
    from practicalnn.cli import build_parser

    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"l2": 0.7, "stop_iterations": 500})
        tab.send(type="control", action="play")
        final, _ = tab.frame(lambda h: h["state"] == "stopped")
        tab.send(type="export")
        reply = tab.text("export")
        model = client.get(f"/api/model?session={tab.hello['session']}")
    args = build_parser().parse_args(reply["command"].split()[1:])
    assert (args.l2, args.iterations, args.rng, args.hidden) == (0.7, 500, "notebook", "20,3")
    assert "pnn.TrainConfig(learning_rate=0.3" in reply["python"]
    from practicalnn.cli import main

    assert main([*reply["command"].split()[1:], "--json"]) == 0  # the command replays the run
    replayed = json.loads(capsys.readouterr().out)
    assert (replayed["train_accuracy"], replayed["test_accuracy"]) == (final["train_accuracy"], final["dev_accuracy"])
    exec(reply["python"], {})  # and so does the snippet
    assert capsys.readouterr().out.split() == [
        "train",
        "accuracy",
        str(final["train_accuracy"]),
        "dev",
        "accuracy",
        str(final["dev_accuracy"]),
    ]
    path = tmp_path / "model.safetensors"
    path.write_bytes(model.content)
    saved = practicalnn.load(path)
    assert list(saved.network.layer_sizes) == [2, 20, 3, 1]


@pytest.mark.parametrize(
    "body, words",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not text"),
        (b"", "empty"),
        (b"a,b,c\n1,2,0\n3,4\n", "row 3 has 2 values: expected 3"),
        (b"a,b,c\n1,2,0\n3,x,1\n", "row 3, column 'b': 'x' is not a number"),
        (b"a,b,c\n1,2,1\n3,4,1\n", "only one class"),
        (b"a,b,c\n" + b"1,2,0\n" * 1000, "expected at most"),
    ],
)
def test_a_bad_upload_is_refused_and_the_previous_data_stays(client, body, words):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws)
        reply = client.post(f"/api/upload?session={tab.hello['session']}&name=x.csv", content=body)
        assert reply.status_code == 400 and words in reply.json()["error"]
        tab.send(type="control", action="step")
        header, _ = tab.frame(lambda h: h["iteration"] == 100)
        assert tab.hello["settings"]["dataset"] == "notebook_moons" and header["message"] == ""


def test_an_uploaded_csv_becomes_the_runs_data(client):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2)) * 100 + 1000
    y = (X[:, 0] > 1000).astype(int)
    body = "p,q,r,label\n" + "".join(f"{a},{b},7,{c}\n" for (a, b), c in zip(X, y))
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws)
        reply = client.post(f"/api/upload?session={tab.hello['session']}", content=body.encode())
        assert reply.json()["ok"] and reply.json()["columns"] == ["p", "q", "r", "label"]
        assert reply.json()["chosen"] == [0, 1, 3]  # the first two and the last until others are chosen
        header, _ = tab.frame(lambda h: "data" in h and h["version"] == 1)
    assert len(header["data"]["train"]) + len(header["data"]["dev"]) == 60
    assert abs(np.mean([p[0] for p in header["data"]["train"]])) < 0.5  # standardized features


def test_tabs_are_independent_runs(client):
    with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b:
        tab_a, tab_b = Tab(a), Tab(b, {"stop_iterations": 200})
        tab_b.send(type="control", action="play")
        header_b, _ = tab_b.frame(lambda h: h["state"] == "stopped")
        tab_a.send(type="control", action="step")
        header_a, _ = tab_a.frame(lambda h: h["iteration"] > 0)
        assert (header_a["iteration"], header_b["iteration"]) == (100, 200)
        assert tab_a.hello["session"] != tab_b.hello["session"]


def test_100_tabs_opened_and_closed_mid_training_leave_no_thread_or_memory_behind(client):
    def cycle():
        with client.websocket_connect("/ws") as ws:
            tab = Tab(ws)
            tab.send(type="control", action="play")
            tab.frame(lambda h: h["iteration"] > 0)

    cycle()  # warm: the compiled kernels, the portal's threads
    gc.collect()
    threads = threading.active_count()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    for _ in range(100):
        cycle()

    def running():  # a closed tab's run stops at its next chunk: on a loaded machine that takes a while
        return threading.active_count() > threads or any(
            t.name == "practicalnn-playground-run" for t in threading.enumerate()
        )

    deadline = time.monotonic() + 30
    while running() and time.monotonic() < deadline:
        time.sleep(0.05)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    assert threading.active_count() <= threads
    assert not any(t.name == "practicalnn-playground-run" for t in threading.enumerate())
    assert client.app.state.runs == {}
    assert grown < 2_000_000, f"{grown} bytes kept after 100 tabs"


def test_the_command_refuses_a_bad_port_in_one_line(capsys):
    from practicalnn.cli import main

    assert main(["playground", "--port", "70000"]) == 2
    assert capsys.readouterr().err.strip() == (
        "practicalnn playground: error: --port=70000: expected a port from 0 to 65535 (0 picks a free one)"
    )


def test_a_background_server_on_a_free_port_serves_the_page_over_http():
    import httpx

    from practicalnn.playground import Playground

    playground = Playground("127.0.0.1", 0).start()
    try:
        assert playground.port != 0 and playground.url == f"http://127.0.0.1:{playground.port}/"
        page = httpx.get(playground.url, timeout=10)
        assert page.status_code == 200 and "practicalnn playground" in page.text
    finally:
        playground.stop()
    assert not playground.thread.is_alive()


def test_show_embeds_the_page_in_a_notebook():
    pytest.importorskip("IPython", reason="IPython is not installed")
    from practicalnn.playground import show

    frame = show()
    assert frame.src.startswith("http://127.0.0.1:")


def test_early_stopping_stops_when_the_dev_cost_turns_up_and_puts_the_best_parameters_back(client):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"early_stopping": True, "patience": 5})
        tab.send(type="control", action="play")
        header, _ = tab.frame(lambda h: h["state"] == "stopped")
    assert header["message"].startswith("early stopping at iteration") and header["iteration"] < 30000
    seen = [p["dev_cost_data"] for p in tab.points]
    assert header["dev_cost_data"] <= min(seen) + 1e-12  # the best check's parameters, not the last


def test_a_target_dev_error_stops_the_run_once_reached(client):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"target_dev_error": 0.1})
        tab.send(type="control", action="play")
        header, _ = tab.frame(lambda h: h["state"] == "stopped")
    assert header["message"].startswith("target dev error reached") and 1 - header["dev_accuracy"] <= 0.1
    assert header["iteration"] < 30000
