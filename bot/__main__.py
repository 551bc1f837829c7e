"""``python -m bot`` is the same as ``vzayemodiia``."""

from bot.cli import main

raise SystemExit(main())
