"""tecomp's version (also written into exported libraries' metadata)."""

__version__ = "0.1.0"
