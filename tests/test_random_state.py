"""No function reads or writes NumPy's global random state."""

import numpy as np
import pytest

import practicalnn
from practicalnn import Network, load_moons, notebook, train
from practicalnn.cli import main


@pytest.fixture
def global_state_untouched():
    np.random.seed(12345)
    before = np.random.get_state()
    yield
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:]


def test_training_in_every_mode_leaves_global_state_alone(global_state_untouched):
    data = load_moons()
    for rng, init in (("notebook", "notebook"), (0, "he"), (np.random.default_rng(1), "xavier"), (None, "glorot")):
        net = Network([2, 5, 3, 1])
        train(
            net,
            data.train_X,
            data.train_Y,
            rng=rng,
            init=init,
            iterations=50,
            keep_prob=0.8,
            input_keep_prob=0.9,
            record_every=10,
        )
        net.predict(data.test_X)
        net.accuracy(data.test_X, data.test_Y)
    train(
        Network([2, 5, 1]),
        data.train_X,
        data.train_Y,
        rng=0,
        init="normal",
        iterations=20,
        batch_size=32,
        optimizer="adam",
    )


def test_notebook_api_leaves_global_state_alone(global_state_untouched):
    train_X, train_Y, test_X, test_Y = notebook.load_moons()
    params = notebook.initialize_parameters([2, 20, 3, 1])
    a3, cache = notebook.forward_propagation_with_dropout(train_X, params, 0.86)
    notebook.backward_propagation_with_dropout(train_X, train_Y, cache, 0.86)
    params = notebook.model(train_X, train_Y, num_iterations=20, print_cost=False, plot_cost=False, keep_prob=0.8)
    notebook.predict_dec(params, test_X)


def test_cli_leaves_global_state_alone(global_state_untouched, capsys):
    assert main(["train", "--iterations", "30", "--keep-prob", "0.8", "--json"]) == 0
    assert practicalnn.load_dataset("circles").train_X.shape == (2, 300)
