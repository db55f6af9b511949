"""Interfaces: safe, atomic files (model files, checkpoints)."""

from .atomic import atomic_write
from .modelfile import read_model_file, write_model_file

__all__ = ["atomic_write", "read_model_file", "write_model_file"]
