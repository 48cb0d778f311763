import sys

from greenllm.cli import main

sys.exit(main())
