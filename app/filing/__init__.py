"""Filing received documents into the patient's folder (issue 8).

``names`` (safe Windows names), ``ins`` (a minimal INS check, to be replaced by
``app.mssante.ins``), ``db`` (``<profile>/filing.sqlite3``: patients, journal, queue),
``patients`` (the registry, CSV and folder imports), ``matching`` (document identity ->
patient), ``filer`` (atomic, never-overwriting writes inside the patients root), ``journal``
(who filed what where, duplicates, undo), ``service`` (the operations the CLI and the window
call), ``destination`` (where the write step puts a document: a patient's folder, or
``practice_import``: the practice software's import folder), ``patients_refresh`` (the
patient list read again from the practice software's export), ``reader`` (the one call
into ``app.mssante.documents``). No Qt, no network. See docs/filing.md and
docs/practice-software.md.
"""
