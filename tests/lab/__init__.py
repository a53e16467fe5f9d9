"""The test lab: real servers and virtual cards on 127.0.0.1, started and stopped by pytest.

- ``pki``: a throwaway PKI shaped like IGC-Santé (``app.sandbox.pki``), CRLs served over HTTP;
- ``cards``: SoftHSM2 virtual CPS cards (full, and CPS3-like restricted to PKCS#1 v1.5);
- ``dovecot``: Dovecot IMAP, mutual TLS + SASL EXTERNAL, or password login;
- ``smtp``: a submission server requiring client certificates, delivering through Dovecot LMTP;
- Pro Santé Connect (``app.sandbox.psc``): the provider, a Dovecot and a submission server
  taking its tokens (XOAUTH2/OAUTHBEARER), and ``phone`` reading QR codes (docs/psc.md).

Everything lives in one temporary directory removed at the end of the session. Under CI
(``CI=true``) a lab piece that cannot start fails the run instead of skipping.
"""
