"""An attestation code: 7 random symbols and a check symbol (service.passes.codes)."""

CODE_BODY_LENGTH = 7
CODE_LENGTH = CODE_BODY_LENGTH + 1
