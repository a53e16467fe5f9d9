"""``python -m app`` is the same as the ``caducee`` command."""

import gc
import sys

if __name__ == "__main__":
    if getattr(sys, "frozen", False):
        # In a frozen build (PyInstaller), the sync's worker processes start this same
        # program: they must become workers here, before the command line is even imported.
        import multiprocessing

        multiprocessing.freeze_support()
    # The command's imports make few cycles: no collection walks them as they load (the
    # command line turns the collector back on once they are in, see ``main``).
    gc.disable()

    from app.cli.main import leave, main

    leave(main(), sys.argv[1:])
