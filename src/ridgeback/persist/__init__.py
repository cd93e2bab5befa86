"""Persistence: model directories (JSON + npz, atomic, validated on load), training
checkpoints and ONNX export. Never pickle."""

from .loading import load
from .model_dir import save
from .npz import ModelFormatError
from .onnx import export_onnx

__all__ = ["save", "load", "ModelFormatError", "export_onnx"]
