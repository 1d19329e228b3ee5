"""Headless commands on top of the core engine. No Qt import on these paths."""
