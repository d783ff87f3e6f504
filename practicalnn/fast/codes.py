"""The integer codes the compiled kernels and their dispatcher share: which activation, output,
optimizer, and how a kernel call ended. Plain Python, so the dispatcher can name them without
importing Numba."""

RELU, LEAKY_RELU, TANH, SIGMOID = 0, 1, 2, 3
OUT_SIGMOID, OUT_SOFTMAX, OUT_IDENTITY = 0, 1, 2
GD, MOMENTUM, RMSPROP, ADAM = 0, 1, 2, 3
OK, COST_NOT_FINITE, GRAD_NOT_FINITE = 0, 1, 2
