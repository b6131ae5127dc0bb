"""trainlog's built-in plugins (installed as ``trainlog_plugins``): methods, sinks, renderers.

They register through the same hooks a third-party plugin uses.
"""
