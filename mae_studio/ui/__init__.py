"""The studio window (PySide6). Widgets never import torch; they receive numpy arrays."""
