"""Plan and size childcare facilities for children under three."""

__version__ = "0.1.0"
