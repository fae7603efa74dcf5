"""Lowering passes: one pass per module, each a function IR -> IR."""
