"""Starting the user's own programs (PDF viewer, browser) from a bundled build.

A frozen build on Linux puts its own library folder first in ``LD_LIBRARY_PATH`` (and may
set other loader variables) so that its worker processes load the bundle's libraries; a
viewer started with that environment would load them too, and break. Frozen bundlers keep
what the user had as ``<NAME>_ORIG``: those values come back, the bundle's additions go.
Outside a frozen build the environment is passed on unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

# what a bundle sets for itself: the loader's path, and Qt's (a Qt viewer would load our
# plugins, built for another Qt)
_LOADER_VARIABLES = (
    "LD_LIBRARY_PATH",
    "LD_PRELOAD",
    "QT_PLUGIN_PATH",
    "QT_QPA_PLATFORM_PLUGIN_PATH",
    "QML2_IMPORT_PATH",
)
_SUFFIX = "_ORIG"


def user_environment(environment: Mapping[str, str], *, frozen: bool) -> dict[str, str]:
    """The environment a program of the user's should get."""
    result = dict(environment)
    if not frozen:
        return result
    for name in _LOADER_VARIABLES:
        result.pop(name, None)  # the bundle's; the user's own comes back just below
    for name, value in environment.items():
        if name.endswith(_SUFFIX):
            result[name.removesuffix(_SUFFIX)] = value
            del result[name]
    return result
