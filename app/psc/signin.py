"""One sign-in by the method she chose, as the command line names it:

- ``browser`` (default): the provider's page in the system browser (CPS card or e-CPS);
- ``qr:FICHIER.png``: the device grant; the QR code written as a PNG, the verification URL
  and user code said, at most two minutes' wait for the phone;
- ``ciba:ID_NATIONAL``: OpenID CIBA, the phone of that national id asked directly.

``SignInMethod.sign_in`` returns a ``TokenKeeper``; ``say`` receives the French lines to
show (the URL, the user code): never a token.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.psc import qr
from app.psc.errors import PscConfigurationError

if TYPE_CHECKING:  # a command line naming the method does not load the client (jose, HTTP)
    from app.psc.client import Opener, PscClient
    from app.psc.keeper import TokenKeeper

METHODS = ("browser", "qr", "ciba")


@dataclass(frozen=True)
class SignInMethod:
    kind: str = "browser"
    qr_path: Path | None = None
    national_id: str | None = None

    @classmethod
    def parse(cls, text: str) -> SignInMethod:
        """``browser``, ``qr:FICHIER.png`` or ``ciba:ID_NATIONAL``; ValueError (French)."""
        kind, _, rest = text.strip().partition(":")
        if kind == "browser" and not rest:
            return cls()
        if kind == "qr" and rest:
            return cls("qr", qr_path=Path(rest))
        if kind == "ciba" and rest.strip():
            return cls("ciba", national_id=rest.strip())
        raise ValueError(f"« {text} » : attendu browser, qr:FICHIER.png ou ciba:ID_NATIONAL.")

    @property
    def label(self) -> str:
        return {"browser": "navigateur", "qr": "code QR (e-CPS)", "ciba": "CIBA"}[self.kind]

    def sign_in(
        self,
        client: PscClient,
        say: Callable[[str], None],
        *,
        open_url: Opener | None = None,
        cancel: threading.Event | None = None,
    ) -> TokenKeeper:
        if self.kind == "browser":
            say("Connexion Pro Santé Connect : poursuivez dans le navigateur (carte CPS ou e-CPS)…")
            tokens = client.sign_in_browser(open_url, cancel=cancel)
        elif self.kind == "qr":
            if self.qr_path is None:
                raise PscConfigurationError("qr without a file")
            device = client.start_device()
            qr.write_png(device.qr_url, self.qr_path)
            say(
                f"Code QR écrit dans {self.qr_path} : flashez-le avec l'application e-CPS "
                f"(valable {device.expires_in / 60:.0f} minutes)."
            )
            say(f"Ou ouvrez {device.verification_uri} et saisissez le code {device.user_code}")
            try:
                tokens = client.wait_device(device, cancel=cancel)
            finally:
                self.qr_path.unlink(missing_ok=True)  # useless once answered or expired
        else:
            request = client.start_ciba(self.national_id or "")
            say(
                "Validez la connexion sur le téléphone associé à votre e-CPS "
                f"(valable {request.expires_in / 60:.0f} minutes)…"
            )
            tokens = client.wait_ciba(request, cancel=cancel)
        from app.psc.keeper import TokenKeeper

        return TokenKeeper(client, tokens)
