"""labgate: the front door and control plane of a shared reasoning model on a GPU supercomputer."""

__version__ = "0.1.0"
