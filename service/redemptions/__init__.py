# Importing the room declares its refusal codes.
from service.redemptions import refusals as refusals
