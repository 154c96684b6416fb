# Importing the room declares its refusal codes.
from service.reviews import refusals as refusals
