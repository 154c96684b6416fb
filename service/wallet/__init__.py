"""The pass in the phone's wallet: Apple Wallet (`.pkpass`) and Google Wallet (a save link)."""

from service.wallet import refusals as refusals
