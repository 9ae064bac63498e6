import sys

from csms_cli.cli import main

sys.exit(main())
