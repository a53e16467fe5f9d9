"""The HTML pages of the lab's PSC-like provider (French, as PSC's are).

Plain forms that a browser, or a test speaking HTTP, can drive: the sign-in page of the
authorization endpoint (carte CPS or e-CPS), the page waiting for the e-CPS, and the
"e-CPS de démonstration" page where the phone approves or refuses a request by its code.
"""

from __future__ import annotations

from html import escape

_STYLE = """
body{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1d2b3a}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}
.box{border:1px solid #c5d0dc;border-radius:6px;padding:1rem;margin:1rem 0}
.code{font-size:2rem;letter-spacing:.2rem;font-family:monospace}
.error{color:#a4000f;font-weight:bold}.note{color:#555;font-size:.9rem}
button{font-size:1rem;padding:.4rem 1rem;margin-right:.5rem}
"""


def _page(title: str, body: str, *, refresh: str | None = None) -> bytes:
    meta = (
        f'<meta http-equiv="refresh" content="2;url={escape(refresh, quote=True)}">'
        if refresh
        else ""
    )
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>{meta}<style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    ).encode()


def _error(error: str | None) -> str:
    return f'<p class="error" role="alert">{escape(error)}</p>' if error else ""


def sign_in(
    action: str, tx: str, client_id: str, *, error: str | None = None, national_id: str = ""
) -> bytes:
    """The authorization endpoint's page: sign in with the CPS card or the e-CPS."""
    hidden = f'<input type="hidden" name="tx" value="{escape(tx, quote=True)}">'

    def method_form(method: str, title: str, explain: str, button: str) -> str:
        return (
            f'<form class="box" method="post" action="{escape(action, quote=True)}">'
            f'<h2>{title}</h2><p class="note">{explain}</p>{hidden}'
            f'<input type="hidden" name="method" value="{method}">'
            f'<label>Identifiant national (RPPS) <input name="national_id" '
            f'inputmode="numeric" autocomplete="username" '
            f'value="{escape(national_id, quote=True)}"></label><p>'
            f'<button name="action" value="approve">{button}</button>'
            '<button name="action" value="cancel">Annuler</button></p></form>'
        )

    return _page(
        "Pro Santé Connect — bac à sable",
        f"<p>L'application <b>{escape(client_id)}</b> demande à vous identifier.</p>"
        + _error(error)
        + method_form(
            "cps",
            "Carte CPS",
            "Bac à sable : la lecture de la carte dans le navigateur n'est pas simulée ; "
            "saisir l'identifiant national tient lieu de carte et de code PIN.",
            "Se connecter avec ma carte CPS",
        )
        + method_form(
            "ecps",
            "e-CPS",
            "Une demande de validation est envoyée à votre application e-CPS.",
            "Envoyer la demande à mon e-CPS",
        ),
    )


def ecps_wait(poll_url: str, user_code: str, device_url: str) -> bytes:
    """The browser waits while the phone approves (refreshed every 2 s)."""
    return _page(
        "Validez sur votre e-CPS",
        "<p>Une demande a été envoyée à votre application e-CPS. Vérifiez que le code "
        f'affiché est le même :</p><p class="code">{escape(user_code)}</p>'
        '<p class="note">Bac à sable : l\'application e-CPS est la page '
        f'<a href="{escape(device_url, quote=True)}">e-CPS de démonstration</a>.</p>',
        refresh=poll_url,
    )


def device(
    action: str,
    user_code: str = "",
    *,
    client_id: str | None = None,
    national_id: str = "",
    binding_message: str | None = None,
    error: str | None = None,
    done: str | None = None,
) -> bytes:
    """The "e-CPS de démonstration": enter or receive the code, then approve or refuse."""
    if done:
        return _page("e-CPS de démonstration", f'<p role="status">{escape(done)}</p>')
    asker = (
        f"<p>L'application <b>{escape(client_id)}</b> demande à vous identifier.</p>"
        if client_id
        else ""
    )
    if binding_message:
        asker += f"<p>Message affiché sur l'ordinateur : <b>{escape(binding_message)}</b></p>"

    return _page(
        "e-CPS de démonstration",
        '<p class="note">Bac à sable : cette page tient lieu de l\'application e-CPS du '
        "téléphone. Elle n'identifie personne pour de vrai.</p>"
        + asker
        + _error(error)
        + f'<form class="box" method="post" action="{escape(action, quote=True)}">'
        f'<label>Code affiché <input name="user_code" value="{escape(user_code, quote=True)}"'
        ' autocomplete="off"></label><p>'
        '<label>Identifiant national (RPPS) <input name="national_id" inputmode="numeric" '
        f'value="{escape(national_id, quote=True)}"></label></p><p>'
        '<button name="action" value="approve">Approuver</button>'
        '<button name="action" value="refuse">Refuser</button></p></form>',
    )


def message(title: str, text: str, *, status: str = "alert") -> bytes:
    return _page(title, f'<p role="{status}">{escape(text)}</p>')
