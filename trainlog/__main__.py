"""``python -m trainlog`` runs the command line."""

import sys

from trainlog.cli.main import main

sys.exit(main())
