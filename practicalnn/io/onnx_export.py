"""A trained network as a standard ONNX inference graph, built with the ``onnx`` package.

The graph computes what ``SavedNetwork.predict_proba`` and ``predict`` compute, in float32:

    inputs (one per feature when the names are known, else one ``X`` of shape [N, n_x])
      -> standardize with the training statistics: (x - mean) / scale
      -> for each layer: Z = A @ W.T + b, then the hidden activation (relu, leaky_relu, tanh, sigmoid)
      -> the output: sigmoid -> ``probabilities`` [N, 2] = [1 - p, p]; softmax -> [N, n_y];
         identity -> ``predictions`` [N, n_y]
      -> for classifiers, ``label`` [N]: the class of the largest probability, as the original labels
         (int64, float or string, as they were) when known, else the class index.

Rows are examples here (ONNX's and scikit-learn's convention); the engine's columns-as-examples layout
is transposed once, in the weights. Nothing is written unless the whole graph was built and passed
``onnx.checker``: the file is written atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ConfigError, argument_error

_ACTIVATIONS = {"relu": "Relu", "tanh": "Tanh", "sigmoid": "Sigmoid", "leaky_relu": "LeakyRelu"}
#: The ONNX opset the graph is built for (every operator it uses exists there unchanged); a graph with
#: table preprocessing needs 19, where Equal takes strings.
OPSET = 17
TABLE_OPSET = 19


def require_onnx():
    """The ``onnx`` module, or a one-line error saying which extra to install."""
    try:
        import onnx
    except ImportError:
        raise ConfigError('ONNX export needs the onnx package: pip install "practicalnn[onnx]"') from None
    return onnx


def _parts(model):
    """(network, standardizer, classes, feature_names) of a Network or SavedNetwork."""
    network = getattr(model, "network", model)
    if not hasattr(network, "layer_sizes") or not hasattr(network, "output"):
        raise argument_error(
            "model", type(model).__name__, "a Network, a SavedNetwork or a fitted practicalnn estimator"
        )
    return (
        network,
        getattr(model, "standardizer", None),
        getattr(model, "classes", None),
        getattr(model, "feature_names", None),
    )


def _input_names(feature_names, n_x):
    if feature_names is None:
        return None
    names = [str(n) for n in feature_names]
    if len(names) != n_x or len(set(names)) != n_x or any(not n for n in names):
        raise argument_error("feature_names", names, f"{n_x} distinct, non-empty names (one per input)")
    reserved = {"probabilities", "predictions", "label"}
    if reserved & set(names):
        raise argument_error("feature_names", sorted(reserved & set(names)), "names other than the graph's outputs")
    return names


def _labels_tensor(classes, helper, numpy_helper):
    """The class labels as a constant tensor (int64, double or string), for the Gather of ``label``."""
    labels = np.asarray(classes)
    if labels.dtype.kind in "iub":
        return numpy_helper.from_array(labels.astype(np.int64), "classes"), 7  # TensorProto.INT64
    if labels.dtype.kind == "f":
        return numpy_helper.from_array(labels.astype(np.float64), "classes"), 11  # DOUBLE
    if labels.dtype.kind in "UO":
        strings = [str(c).encode() for c in labels]
        return helper.make_tensor("classes", 8, [len(strings)], strings), 8  # STRING
    raise argument_error("classes", labels.tolist(), "integer, float or string class labels")


def affine(network, layer):
    """``(W, b)`` of layer ``layer``'s pre-activation at inference. A batch-normalized layer's is affine too
    and folds into one Gemm: gamma * (W x - mean) / sqrt(var + eps) + beta = (s * W) x + (beta - s * mean)
    with s = gamma / sqrt(var + eps), the running averages' mean and var."""
    if layer not in network.normalized:
        return network.W[layer], network.b[layer]
    s = network.gamma[layer] / np.sqrt(network.running.var[layer] + network.bn_epsilon)
    return s * network.W[layer], network.beta[layer] - s * network.running.mean[layer]


def build(model):
    """The ONNX ModelProto for ``model`` (a Network or SavedNetwork); checked by ``onnx.checker``.

    Raises ConfigError (a one-line message) when part of the model cannot be expressed in ONNX.
    """
    onnx = require_onnx()
    from onnx import TensorProto, helper, numpy_helper

    network, standardizer, classes, feature_names = _parts(model)
    if network.hidden.name not in _ACTIVATIONS:
        raise argument_error("model", f"hidden activation {network.hidden.name}", f"one of {', '.join(_ACTIVATIONS)}")
    n_x = network.layer_sizes[0]
    nodes, inits, inputs = [], [], []
    preprocessing = getattr(model, "preprocessing", None)
    names = _input_names(feature_names, n_x) if preprocessing is None else None
    if preprocessing is not None:
        names = _table_inputs(preprocessing, nodes, inits, inputs, helper, numpy_helper, TensorProto)
    elif names is None:
        inputs.append(helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", n_x]))
    else:
        inputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", 1]) for n in names]
        nodes.append(helper.make_node("Concat", names, ["X"], axis=1))
    current = "X"

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array, np.float32), name))
        return name

    if standardizer is not None:
        nodes.append(helper.make_node("Sub", [current, const("mean", standardizer.mean_.ravel())], ["centred"]))
        nodes.append(helper.make_node("Div", ["centred", const("scale", standardizer.scale_.ravel())], ["scaled"]))
        current = "scaled"
    L = network.n_layers
    for layer in range(1, L + 1):
        weights, bias = affine(network, layer)
        W, b = const(f"W{layer}T", weights.T), const(f"b{layer}", bias.ravel())
        nodes.append(helper.make_node("Gemm", [current, W, b], [f"Z{layer}"]))
        current = f"Z{layer}"
        if layer < L:
            kind = _ACTIVATIONS[network.hidden.name]
            extra = {"alpha": float(network.hidden.slope)} if kind == "LeakyRelu" else {}
            nodes.append(helper.make_node(kind, [current], [f"A{layer}"], **extra))
            current = f"A{layer}"
    scaling = getattr(model, "target_scaling", None)
    if scaling is not None:
        nodes.append(helper.make_node("Mul", [current, const("target_std", [scaling[1]])], ["unscaled"]))
        nodes.append(helper.make_node("Add", ["unscaled", const("target_mean", [scaling[0]])], ["target"]))
        current = "target"
    outputs = _output_nodes(network, classes, current, nodes, inits, helper, numpy_helper, TensorProto)
    _check_names_distinct(names, nodes, inits)
    graph = helper.make_graph(nodes, "practicalnn", inputs, outputs, inits)
    opset = OPSET if preprocessing is None else TABLE_OPSET
    proto = helper.make_model(graph, producer_name="practicalnn", opset_imports=[helper.make_opsetid("", opset)])
    proto.ir_version = min(proto.ir_version, 9)  # readable by onnxruntime releases of the last two years
    meta = {
        "layer_sizes": ",".join(map(str, network.layer_sizes)),
        "activation": network.hidden.name,
        "output": network.output.name,
    }
    if names is not None:
        meta["feature_names"] = ",".join(names)
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _table_inputs(prep, nodes, inits, inputs, helper, numpy_helper, TensorProto):
    """One graph input per original column (numeric: float [N, 1]; categorical: string [N, 1], a missing
    value fed as the string "missing"), encoded as the TablePreprocessor encodes it: NaN -> median
    (IsNaN + Where), (x - mean) / scale; categories one-hot (Equal against the known categories + Cast;
    an unknown one is all zeros); concatenated into ``X`` in the network's input order. Returns the
    column names."""
    names, encoded = [], []
    for i, column in enumerate(prep.columns_):
        name, tag = str(column.name), f"pnn_col{i}"
        names.append(name)
        if column.kind == "numeric":
            inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", 1]))
            stats = {k: np.asarray([getattr(column, k)], np.float32) for k in ("median", "mean", "scale")}
            inits.extend(numpy_helper.from_array(v, f"{tag}_{k}") for k, v in stats.items())
            nodes.append(helper.make_node("IsNaN", [name], [f"{tag}_nan"]))
            nodes.append(helper.make_node("Where", [f"{tag}_nan", f"{tag}_median", name], [f"{tag}_filled"]))
            nodes.append(helper.make_node("Sub", [f"{tag}_filled", f"{tag}_mean"], [f"{tag}_centred"]))
            nodes.append(helper.make_node("Div", [f"{tag}_centred", f"{tag}_scale"], [f"{tag}_out"]))
        else:
            inputs.append(helper.make_tensor_value_info(name, TensorProto.STRING, ["N", 1]))
            categories = [str(c).encode() for c in column.categories]
            inits.append(helper.make_tensor(f"{tag}_categories", TensorProto.STRING, [1, len(categories)], categories))
            nodes.append(helper.make_node("Equal", [name, f"{tag}_categories"], [f"{tag}_is"]))
            nodes.append(helper.make_node("Cast", [f"{tag}_is"], [f"{tag}_out"], to=TensorProto.FLOAT))
        encoded.append(f"{tag}_out")
    nodes.append(helper.make_node("Concat", encoded, ["X"], axis=1))
    return names


def _check_names_distinct(names, nodes, inits):
    """An input named like a value the graph computes (or one of its outputs) cannot be expressed."""
    taken = {o for n in nodes for o in n.output} | {t.name for t in inits}
    clash = sorted(set(names or []) & taken)
    if clash:
        raise argument_error(
            "feature_names", clash, "input names other than the graph's own values and outputs (rename them)"
        )


def _output_nodes(network, classes, current, nodes, inits, helper, numpy_helper, TensorProto):
    n_y, output = network.layer_sizes[-1], network.output.name
    if output == "identity":
        nodes.append(helper.make_node("Identity", [current], ["predictions"]))
        return [helper.make_tensor_value_info("predictions", TensorProto.FLOAT, ["N", n_y])]
    if output == "sigmoid":
        if n_y != 1:
            raise argument_error("model", f"a sigmoid output of {n_y} units", "one sigmoid unit (a binary classifier)")
        nodes.append(helper.make_node("Sigmoid", [current], ["p"]))
        inits.append(numpy_helper.from_array(np.ones((1, 1), np.float32), "one"))
        nodes.append(helper.make_node("Sub", ["one", "p"], ["q"]))
        nodes.append(helper.make_node("Concat", ["q", "p"], ["probabilities"], axis=1))
        n_classes = 2
    elif output == "softmax":
        nodes.append(helper.make_node("Softmax", [current], ["probabilities"], axis=1))
        n_classes = n_y
    else:
        raise argument_error("model", f"output {output}", "a sigmoid, softmax or identity output")
    nodes.append(helper.make_node("ArgMax", ["probabilities"], ["index"], axis=1, keepdims=0))
    label_type = TensorProto.INT64
    if classes is None:
        nodes.append(helper.make_node("Identity", ["index"], ["label"]))
    else:
        if len(classes) != n_classes:
            raise argument_error("classes", list(classes), f"{n_classes} labels for a {output} output")
        tensor, label_type = _labels_tensor(classes, helper, numpy_helper)
        inits.append(tensor)
        nodes.append(helper.make_node("Gather", ["classes", "index"], ["label"], axis=0))
    return [
        helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", n_classes]),
        helper.make_tensor_value_info("label", label_type, ["N"]),
    ]


def to_onnx(model, path=None):
    """Export ``model`` (Network or SavedNetwork) as ONNX; write it to ``path`` when given.

    Returns the ``onnx.ModelProto``. The file appears only once the whole graph is built and checked.
    """
    proto = build(model)
    if path is not None:
        from .paths import atomic_write

        atomic_write(Path(path), proto.SerializeToString(), "onnx")
    return proto
