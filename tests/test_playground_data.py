"""The playground's data and outputs over the protocol: softmax for more classes, a CSV of several
features, the test split, clicked points, the Bayes error, and the network sizes it refuses.

Expected values come from the engine run directly (the model file the server gives, loaded and
predicted with) or from arithmetic written out here, never from the playground's own code."""

import io
import json

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient
from test_playground_protocol import Tab

import practicalnn
from practicalnn.playground.frames import GRID
from practicalnn.playground.server import create_app


@pytest.fixture
def client():
    with TestClient(create_app(max_upload=1 << 20)) as c:
        yield c


def _grid(bounds, others=None):
    """The heat map's points written out: x1 left to right, x2 top to bottom, then any other features."""
    x0, x1, y0, y1 = bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y1, y0, GRID))
    rows = [gx.ravel(), gy.ravel()]
    return np.vstack(rows + [np.full(GRID * GRID, v) for v in (others or [])])


def _model(client, tab, tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(client.get(f"/api/model?session={tab.hello['session']}").content)
    return practicalnn.load(path)


def test_softmax_on_three_blobs_shows_each_grid_points_predicted_class(client, tmp_path):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"dataset": "blobs", "classes": 3, "output": "softmax", "stop_iterations": 3000})
        tab.send(type="control", action="play")
        header, planes = tab.frame(lambda h: h["state"] == "stopped")
        saved = _model(client, tab, tmp_path)
    assert header["layer_sizes"] == [2, 20, 3, 3] and header["heat_map"] == "class"
    assert tab.data["classes"] == ["0", "1", "2"]
    classes, sure = planes
    assert set(np.unique(classes)) == {0, 1, 2}
    proba = saved.network.predict_proba(_grid(tab.data["bounds"]))  # the engine, in float64
    expected = np.argmax(proba, axis=0).reshape(GRID, GRID)
    assert np.mean(classes == expected) > 0.995  # the heat map is a float32 copy: a boundary pixel may differ
    expected_sure = (proba.max(axis=0) - 1 / 3) / (2 / 3) * 255
    assert np.abs(sure.ravel().astype(float) - expected_sure).max() <= 1.01
    assert header["dev_accuracy"] > 0.9


def test_a_sigmoid_output_for_three_classes_is_refused_with_the_reason(client):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"dataset": "blobs"})
        tab.send(type="settings", settings={"classes": 3})
        reply = tab.text("settings")
    assert reply["type"] == "refused"
    assert reply["message"].startswith("output='sigmoid': expected softmax for data of 3 classes")
    assert reply["settings"]["classes"] == 2


CSV = "height,weight,age,kind\n" + "".join(
    f"{h:.3f},{w:.3f},{a:.3f},{k}\n"
    for h, w, a, k in zip(*np.random.default_rng(1).normal(size=(3, 90)) * [[10], [5], [3]] + [[170], [70], [40]],
                          np.arange(90) % 3)
)  # fmt: skip


def test_a_csv_of_three_features_trains_on_all_and_draws_two_with_the_third_at_its_mean(client, tmp_path):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"stop_iterations": 500})
        reply = client.post(f"/api/upload?session={tab.hello['session']}&name=people.csv", content=CSV.encode()).json()
        assert reply["columns"] == ["height", "weight", "age", "kind"] and reply["chosen"] == [0, 1, 3]
        assert reply["classes"] == ["0", "1", "2"] and reply["settings"]["output"] == "softmax"
        tab.send(type="settings", settings={"csv_columns": [2, 0, 3]})  # age across, height up
        tab.text("settings")
        tab.send(type="control", action="play")
        header, planes = tab.frame(lambda h: h["state"] == "stopped" and h["version"] == 2)
        saved = _model(client, tab, tmp_path)
        table = np.loadtxt(io.StringIO(client.get(f"/api/data.csv?session={tab.hello['session']}").text), delimiter=",",
                           skiprows=1)  # fmt: skip
    assert header["layer_sizes"][0] == 3 and tab.data["names"] == ["age", "height"]
    assert saved.feature_names == ["height", "weight", "age"]
    n_train = len(tab.data["train"])
    weight_mean = table[:n_train, 1].mean()  # the feature not drawn, at its training mean (standardized)
    grid = _grid(tab.data["bounds"], [weight_mean])[[1, 2, 0]]  # rows: height (y), weight, age (x)
    expected = np.argmax(saved.network.predict_proba(grid), axis=0).reshape(GRID, GRID)
    assert np.mean(planes[0] == expected) > 0.995


@pytest.mark.parametrize(
    "columns, words",
    [([0, 0, 3], "expected two features and a label, all different"), ([0, 1, 7], "label column=7: expected")],
)
def test_csv_columns_the_file_lacks_are_refused(client, columns, words):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws)
        client.post(f"/api/upload?session={tab.hello['session']}", content=CSV.encode())
        tab.send(type="settings", settings={"csv_columns": columns})
        reply = tab.text("settings")
    assert reply["type"] == "refused" and words in reply["message"]


def test_a_test_split_is_scored_apart_and_the_notebook_moons_keep_134_66(client):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"dataset": "moons", "n_samples": 200, "dev_fraction": 0.33, "test_fraction": 0.2})
        header, _ = tab.frame()
        assert [len(header["data"][k]) for k in ("train", "dev", "test")] == [94, 66, 40]  # 200 - 66 - 40
        assert header["test_accuracy"] is not None and header["test_cost"] is not None
        tab.send(type="settings", settings={"dataset": "notebook_moons"})
        header, _ = tab.frame(lambda h: "data" in h and h["version"] == 1)
    assert [len(header["data"][k]) for k in ("train", "dev", "test")] == [134, 66, 0]
    assert header["test_accuracy"] is None


def test_a_clicked_point_joins_the_training_set_and_marks_the_curves(client):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"stop_iterations": 200})
        tab.send(type="control", action="play")
        tab.frame(lambda h: h["state"] == "stopped")
        tab.send(type="settings", settings={"added": [[0.25, -0.5, 1]]})
        header, _ = tab.frame(lambda h: "data" in h and h["version"] == 1)
        tab.send(type="settings", settings={"added": [[0.25, -0.5, 1], [0, 0, 2]]})
        refused = tab.text("settings")
    assert len(header["data"]["train"]) == 135 and header["data"]["train"][-1] == [0.25, -0.5, 1]
    assert tab.events[-1]["change"] == "points added 0 \u2192 1"
    assert refused["type"] == "refused" and "expected a class from 0 to 1" in refused["message"]


def test_the_bayes_error_enters_the_diagnosis(client):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"stop_iterations": 2000, "bayes_error": 0.05})
        tab.send(type="control", action="play")
        header, _ = tab.frame(lambda h: h["state"] == "stopped")
    expected = practicalnn.diagnose(1 - header["train_accuracy"], 1 - header["dev_accuracy"], 0.05)
    assert header["diagnosis"]["summary"] == expected.summary() and "Bayes 5.00%" in expected.summary()


def test_each_layers_weight_norm_is_in_every_curve_point(client, tmp_path):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"stop_iterations": 700, "l2": 0.7})
        tab.send(type="control", action="play")
        tab.frame(lambda h: h["state"] == "stopped")
        saved = _model(client, tab, tmp_path)
    last = tab.points[-1]
    assert last["iteration"] == 700 and len(tab.points) >= 2
    expected = [np.linalg.norm(saved.network.W[layer]) for layer in (1, 2, 3)]
    assert last["w_norms"] == pytest.approx(expected, rel=1e-12)


def test_a_network_too_large_for_the_page_is_refused_with_the_reason_and_larger_ones_than_before_are_not(client):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws)
        tab.send(type="settings", settings={"hidden": [1024, 1024]})  # 2*1024 + 1024*1024 + 1024 per example
        refused = tab.text("settings")
        tab.send(type="settings", settings={"hidden": [100, 64, 64, 64, 64, 64, 64]})  # beyond the old 6 x 64
        accepted = tab.text("settings")
        header, _ = tab.frame(lambda h: h["version"] == 1)
    assert refused["type"] == "refused" and refused["message"].startswith(
        "hidden=[1024, 1024]: 1,051,648 multiply-adds"
    )
    assert "the page would stop following its controls" in refused["message"]
    assert accepted["type"] == "settings" and header["layer_sizes"] == [2, 100, 64, 64, 64, 64, 64, 64, 1]
    assert header["weights"] is None  # 26,880 weights: drawn as layers, not sent every frame


def test_a_reply_to_settings_says_which_frames_are_trained_with_them(client):
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"stop_iterations": 10_000_000})
        tab.send(type="control", action="play")
        tab.send(type="settings", settings={"l2": 0.1})
        tab.send(type="settings", settings={"l2": 0.2})
        first, second = tab.text("settings"), tab.text("settings")
        header, _ = tab.frame(lambda h: h["version"] >= second["version"])
        tab.send(type="control", action="pause")
    assert (first["version"], second["version"]) == (1, 2) and header["version"] == 2


def test_frames_come_from_chunks_of_many_iterations(client):
    """The chunk grows to about 15 ms of training (a regression: it stayed at 100 iterations, 1500
    kernel calls and frames for 150000 iterations)."""
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, {"stop_iterations": 60000})
        tab.send(type="control", action="play")
        tab.frame(lambda h: h["state"] == "stopped")
    steps = np.diff([p["iteration"] for p in tab.points])
    assert steps.max() > 300 and len(tab.points) < 300


def test_the_server_sends_without_nagles_delay():
    import socket

    from practicalnn.playground import Playground

    playground = Playground("127.0.0.1", 0)
    try:
        assert playground.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert playground.sock.proto == socket.IPPROTO_TCP  # so asyncio sets it on every connection too
    finally:
        playground.sock.close()


def test_settings_json_roundtrip_of_a_url_with_every_new_setting(client):
    url_state = {"dataset": "spirals", "classes": 4, "output": "softmax", "test_fraction": 0.1,
                 "keep_prob": [0.9, 0.8], "bayes_error": 0.02, "added": [[0.1, 0.2, 3]]}  # fmt: skip
    with client.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"type": "start", "settings": url_state}))
        hello = json.loads(ws.receive_text())
    assert {k: hello["settings"][k] for k in url_state} == url_state


@pytest.mark.parametrize("seed", [3, "notebook"])
def test_the_dropped_units_shown_are_those_the_next_step_drops(seed):
    """The units crossed in the drawing are the masks the trainer's next step draws (its reference
    path, watched as it draws them), for the first training example."""
    from practicalnn import fast
    from practicalnn.playground.engine import LiveRun
    from practicalnn.playground.settings import validate

    live = LiveRun(validate({"keep_prob": [0.6, 0.5], "input_keep_prob": 0.7, "seed": seed}))
    live.train(300)  # on the compiled path, which leaves the mask stream where the reference would
    shown = live.dropped()
    masks, drawn = live.trainer.streams.masks, []
    draw = masks.draw
    masks.draw = lambda shape, p: drawn.append(draw(shape, p)) or drawn[-1]
    with fast.disabled():
        live.trainer.fit(live.data.train_X, live.targets["train"], until=live.iteration + 1)
    assert [len(D) for D in drawn] == [2, 20, 3]
    assert shown == [np.flatnonzero(~D[:, 0]).tolist() for D in drawn]
    assert any(shown)


def test_the_python_export_replays_a_softmax_run_with_a_test_split_and_a_clicked_point(
    client, tmp_path, monkeypatch, capsys
):
    settings = {"dataset": "blobs", "classes": 3, "output": "softmax", "test_fraction": 0.2, "seed": 4,
                "added": [[0.0, 0.0, 2]], "stop_iterations": 400}  # fmt: skip
    with client.websocket_connect("/ws") as ws:
        tab = Tab(ws, settings)
        tab.send(type="control", action="play")
        final, _ = tab.frame(lambda h: h["state"] == "stopped")
        tab.send(type="export")
        reply = tab.text("export")
        data = client.get(f"/api/data.csv?session={tab.hello['session']}").text
    assert "--output softmax" in reply["command"] and "--dataset playground-data.csv" in reply["command"]
    lines = data.splitlines()
    assert lines[0] == "x1,x2,label" and len(lines) == 1 + 200 + 1  # every point, the clicked one too
    assert lines[len(tab.data["train"])] == "0,0,2"  # the clicked point closes the training rows
    (tmp_path / "playground-data.csv").write_text(data)
    monkeypatch.chdir(tmp_path)
    exec(reply["python"], {})
    printed = capsys.readouterr().out.split()
    assert printed == ["train", "accuracy", str(final["train_accuracy"]), "dev", "accuracy", str(final["dev_accuracy"])]
