"""Draw docs/images/moons_three_models.png, the README's picture, with the library itself.

The notebook's three models (layers [2, 20, 3, 1], learning rate 0.3, 30000 iterations, the
notebook's random streams): no regularization, L2 with lambda 0.7, dropout with keep_prob 0.86;
each one's decision boundary over the plane with the test points on top.
Run from the repository root: ``python docs/images/make_front.py``.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import practicalnn as pnn

OUT = Path(__file__).with_name("moons_three_models.png")
RUNS = [
    ("no regularization", {}),
    ("L2, lambda = 0.7", {"l2": 0.7}),
    ("dropout, keep_prob = 0.86", {"keep_prob": 0.86}),
]


def main():
    data = pnn.load_moons()
    xs = np.arange(-1.5, 2.5, 0.01)
    ys = np.arange(-1.0, 1.5, 0.01)
    xx, yy = np.meshgrid(xs, ys)
    grid = np.vstack([xx.ravel(), yy.ravel()])  # (2, n): one column per point
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True)
    for ax, (title, extra) in zip(axes, RUNS):
        net = pnn.Network([2, 20, 3, 1], activation="relu", output="sigmoid")
        pnn.train(
            net,
            data.train_X,
            data.train_Y,
            rng="notebook",
            init="notebook",
            learning_rate=0.3,
            iterations=30000,
            **extra,
        )
        Z = net.predict(grid).reshape(xx.shape).astype(float)
        ax.contourf(xx, yy, Z, levels=[-0.5, 0.5, 1.5], cmap=plt.cm.Spectral, alpha=0.55)
        ax.scatter(
            data.test_X[0],
            data.test_X[1],
            c=data.test_Y.ravel(),
            cmap=plt.cm.Spectral,
            s=22,
            edgecolors="k",
            linewidths=0.4,
        )
        train_acc = net.accuracy(data.train_X, data.train_Y)
        test_acc = net.accuracy(data.test_X, data.test_Y)
        ax.set_title(f"{title}\ntrain {train_acc:.3f}, test {test_acc:.3f}", fontsize=10)
        ax.set_xlabel("x1")
    axes[0].set_ylabel("x2")
    fig.savefig(OUT, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return OUT


if __name__ == "__main__":
    main()
