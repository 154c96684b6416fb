# Importing the room declares its refusal codes.
from service.territory import refusals as refusals
