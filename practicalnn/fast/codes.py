"""The integer codes the compiled kernels and their dispatcher share: which activation, output,
optimizer, and how a kernel call ended. Plain Python, so the dispatcher can name them without
importing Numba."""

RELU, LEAKY_RELU, TANH, SIGMOID = 0, 1, 2, 3
OUT_SIGMOID, OUT_SOFTMAX, OUT_IDENTITY = 0, 1, 2
GD, MOMENTUM, RMSPROP, ADAM = 0, 1, 2, 3
OK, COST_NOT_FINITE, GRAD_NOT_FINITE, COST_GREW = 0, 1, 2, 3

#: A recorded cost above COST_GROWTH times the first recorded one (and above COST_FLOOR) means the
#: run diverged even while it stays finite (a sigmoid network at a huge learning rate sits at 1e98).
COST_GROWTH, COST_FLOOR = 1e6, 1e6


def cost_limit(first_cost):
    """The largest cost a run whose first recorded cost is ``first_cost`` may record and go on.
    Plain Python that the kernels compile too (shared._cost_limit), so both paths apply one rule."""
    return max(COST_GROWTH * abs(first_cost), COST_FLOOR)
