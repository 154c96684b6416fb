# Importing the room declares its refusal codes.
from service.accounts import refusals as refusals
