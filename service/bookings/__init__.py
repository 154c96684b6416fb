# Importing the room declares its refusal codes.
from service.bookings import refusals as refusals
