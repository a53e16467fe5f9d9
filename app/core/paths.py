"""Where Caducée keeps its files.

Everything the application writes goes below one *profile*. By default the profile is split
over the per-user directories that platformdirs gives for the platform (data, cache, logs).
With an explicit profile directory (``--profile-dir DIR`` or ``CADUCEE_PROFILE_DIR``) every
file, temporary files included, stays inside that one directory, which is what the tests,
the demo and support use.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app.core.errors import CaduceeError
from app.core.private import private_directory

PROFILE_ENV = "CADUCEE_PROFILE_DIR"
_APP_DIR_NAME = "Caducee"  # ASCII on purpose: some Windows tools still mangle accents in paths


class ProfileError(CaduceeError, OSError):
    default_message = "Le dossier de profil est inutilisable."


@dataclass(frozen=True)
class Profile:
    """The set of directories one running instance writes to."""

    data_dir: Path
    cache_dir: Path
    log_dir: Path
    tmp_dir: Path
    explicit: bool

    @classmethod
    def from_dir(cls, root: Path) -> Profile:
        """A self-contained profile: everything below ``root``."""
        root = root.expanduser().resolve()
        return cls(
            data_dir=root,
            cache_dir=root / "cache",
            log_dir=root / "logs",
            tmp_dir=root / "tmp",
            explicit=True,
        )

    @classmethod
    def default(cls) -> Profile:
        """The per-user directories of this platform."""
        return cls(
            data_dir=Path(platformdirs.user_data_dir(_APP_DIR_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(_APP_DIR_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(_APP_DIR_NAME, appauthor=False)),
            tmp_dir=Path(tempfile.gettempdir()),
            explicit=False,
        )

    @classmethod
    def resolve(cls, cli_value: str | os.PathLike[str] | None = None) -> Profile:
        """The command-line value wins over the environment, which wins over the default."""
        chosen = cli_value if cli_value else os.environ.get(PROFILE_ENV)
        return cls.from_dir(Path(chosen)) if chosen else cls.default()

    @property
    def config_file(self) -> Path:
        return self.data_dir / "config.toml"

    def ensure(self) -> None:
        """Create the directories (private to the user) and route temporary files inside.

        Called by commands that write; read-only commands leave the disk untouched.
        """
        directories = [self.data_dir, self.cache_dir, self.log_dir]
        if self.explicit:
            directories.append(self.tmp_dir)
        for directory in directories:
            try:
                private_directory(directory)  # an older Caducée's 0755 one tightened too
            except OSError as error:
                raise ProfileError(
                    f"cannot create {directory}: {error.strerror}",
                    user_message=f"Impossible d'utiliser le dossier {directory} "
                    f"({error.strerror}). Choisissez un autre dossier de profil.",
                ) from error
        if self.explicit:
            # The standard library (and what builds on it) then creates temporary files here.
            tempfile.tempdir = str(self.tmp_dir)

    def describe(self) -> dict[str, str]:
        return {
            "data": str(self.data_dir),
            "config": str(self.config_file),
            "cache": str(self.cache_dir),
            "logs": str(self.log_dir),
            "tmp": str(self.tmp_dir),
        }
