"""What leaves the process: model files (safetensors + a JSON header, never pickle), estimator files,
checkpoints that resume bit-identically, and export to ONNX and PyTorch."""
