"""practicalnn export: a saved model as a standard ONNX graph (or a PyTorch state dict)."""

from __future__ import annotations

import sys


def register(sub):
    p = sub.add_parser(
        "export",
        help="write a saved model as ONNX (--onnx) or as a PyTorch module (--torch)",
        description="Export a model saved by 'practicalnn train --save' (or an estimator's save) so that other "
        "tools can serve it: --onnx writes the whole inference graph (standardization, the network, "
        "probabilities and labels) as a standard ONNX model checked by onnx.checker; --torch writes "
        "a torch.nn.Sequential with the same weights as a torch.export program (float64, any batch "
        "size; it outputs the "
        "probabilities or values). Nothing is written if the model "
        "cannot be expressed.",
    )
    p.add_argument("model", help="a practicalnn model file")
    p.add_argument("--onnx", metavar="PATH", help="write the ONNX model here")
    p.add_argument(
        "--torch", metavar="PATH", help="write the torch.nn.Sequential here as an exported program (torch.export.load)"
    )
    p.set_defaults(run=run)


def run(args):
    from ..errors import ConfigError
    from ..io.onnx_export import to_onnx
    from ..io.torch_bridge import require_torch, to_torch

    if not args.onnx and not args.torch:
        raise ConfigError("export: give --onnx PATH, --torch PATH or both")
    from ..estimators.files import read

    model = read(args.model, "model")
    saved = model.saved_network() if hasattr(model, "saved_network") else model
    if args.onnx:
        proto = to_onnx(saved, args.onnx)
        inputs = ", ".join(i.name for i in proto.graph.input)
        outputs = ", ".join(o.name for o in proto.graph.output)
        print(f"ONNX model written to {args.onnx} (inputs: {inputs}; outputs: {outputs})")
    if args.torch:
        torch = require_torch()
        import io as _io

        from ..io.paths import atomic_write

        buffer = _io.BytesIO()
        module = to_torch(saved)
        example = torch.zeros(2, saved.network.layer_sizes[0], dtype=torch.float64)
        program = torch.export.export(module, (example,), dynamic_shapes=({0: torch.export.Dim("batch")},))
        torch.export.save(program, buffer)
        atomic_write(args.torch, buffer.getvalue(), "torch")
        print(f"torch program written to {args.torch} (load with torch.export.load(path).module())")
    sys.stdout.flush()
    return 0
