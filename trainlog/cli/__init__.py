"""The ``trainlog`` command line: one module per subcommand (``add_parser`` and ``run``)."""
