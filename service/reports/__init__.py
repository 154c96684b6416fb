# Importing the room declares its refusal codes.
from service.reports import refusals as refusals
