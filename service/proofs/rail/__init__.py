"""Rail tickets as arrival proofs: UIC 918.3 containers (with UIC 918.9 FCB
content), SNCF's unsigned `i0CV`/`i1CV` barcodes, reading them from photos and
PDFs, and the UIC public key list that verifies the signed ones.

Parsers and verifiers here are pure (bytes in, facts out); `repository.py` and
`commands.py` are the thin layer that stores and imports the key list.
"""
