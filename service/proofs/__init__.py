# Importing the room declares its refusal codes.
from service.proofs import refusals as refusals
