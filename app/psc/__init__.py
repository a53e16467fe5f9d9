"""Pro Santé Connect (PSC): the OpenID Connect sign-in that MSSanté operators accept
through SASL XOAUTH2 / OAUTHBEARER (Référentiel #2 v1.0.1 "API LPS", ECO.1.2.1).

Plain Python, no Qt:

- ``errors``: every refusal, with its French message;
- ``http``: bounded JSON over HTTPS with the system's authorities (never the IGC-Santé
  policy of the mail servers);
- ``discovery``: the issuer's ``.well-known/openid-configuration`` (issuer matched exactly);
- ``tokens``: the token response and the ID token checked (RS256 through the JWKS, iss,
  aud, exp, nonce) with joserfc;
- ``client``: ``PscClient``, the three ways to sign in: authorization code + PKCE in the
  system browser with a loopback redirect (RFC 8252), the device grant shown as a QR code
  (RFC 8628), OpenID CIBA in poll mode where the provider offers it; refresh;
- ``keeper``: ``TokenKeeper``, the tokens in memory only, refreshed before they expire;
- ``qr``: the QR code PNG of a device sign-in;
- ``config``: issuer, client id and scopes from the command line, ``config.toml`` or the
  operator's edition.
"""
