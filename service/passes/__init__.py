# Importing the room declares its refusal codes.
from service.passes import refusals as refusals
