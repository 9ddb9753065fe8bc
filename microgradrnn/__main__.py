import sys

from microgradrnn.cli import main

sys.exit(main())
