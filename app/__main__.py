"""``python -m app`` is the same as the ``caducee`` command."""

import multiprocessing

if __name__ == "__main__":
    # In a frozen build (PyInstaller), the sync's worker processes start this same
    # program: they must become workers here, before the command line is even imported.
    multiprocessing.freeze_support()

    from app.cli.main import main

    raise SystemExit(main())
