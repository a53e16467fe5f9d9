"""Annuaire Santé: the offline index of the MSSanté extraction file, the liste blanche of
MSSanté domains and the FHIR client. Plain Python, no Qt; everything here may block, so the
desktop window calls it from a worker thread."""
