"""``python -m app`` is the same as the ``caducee`` command."""

from app.cli.main import main

raise SystemExit(main())
