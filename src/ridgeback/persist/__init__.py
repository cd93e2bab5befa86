"""Persistence: model directories (JSON + npz, atomic, validated on load), training
checkpoints and ONNX export. Never pickle."""

from .model_dir import ModelFormatError, load, save
from .onnx import export_onnx

__all__ = ["save", "load", "ModelFormatError", "export_onnx"]
