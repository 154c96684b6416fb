"""Every error code the service answers with, and its one HTTP status.

The code is the contract (docs/API.md lists them; the OpenAPI document is built
from this table); the messages are in service/core/messages.py. A test holds
the two tables and every `Problem(status, "code")` of the code to this one.
"""

from __future__ import annotations

from typing import Final

STATUS: Final[dict[str, int]] = {
    # any request
    "request.invalid": 400,
    "auth.required": 401,
    "request.not_found": 404,
    "request.method_not_allowed": 405,
    "request.too_large": 413,
    "request.unsupported_media_type": 415,
    "request.rate_limited": 429,
    "server.internal": 500,
    "service.unavailable": 503,
    # staff
    "auth.invalid_credentials": 401,
    "auth.invalid_token": 401,
    "auth.forbidden": 403,
    "device.name_taken": 409,
    "auth.too_many_attempts": 429,
    # claims
    "proof.already_used": 409,
    "proof.declined": 409,
    "proof.method_not_for_mode": 422,
    "proof.mode_not_accepted": 422,
    "proof.method_unavailable": 422,
    "proof.evidence_invalid": 422,
    "proof.too_old": 422,
    "proof.in_future": 422,
    "proof.unknown_stop": 422,
    "proof.stop_outside_lot": 422,
    "proof.stop_mode_mismatch": 422,
    "proof.too_many_persons": 422,
    "proof.no_matching_trip": 422,
    "proof.attestation_unknown": 422,
    "proof.attestation_expired": 422,
    "proof.photo_invalid": 422,
    "proof.photo_too_large": 422,
    "proof.barcode_unreadable": 422,
    "proof.barcode_not_found": 422,
    "proof.upload_too_large": 422,
    "proof.upload_unsupported": 422,
    "proof.unknown_key": 422,
    "proof.signature_invalid": 422,
    "proof.key_not_valid": 422,
    "proof.ticket_specimen": 422,
    "proof.ticket_incomplete": 422,
    "proof.gpx_invalid": 422,
    "proof.gpx_unsafe": 422,
    "proof.gpx_too_large": 422,
    "proof.track_too_many_points": 422,
    "proof.track_without_times": 422,
    "proof.track_too_few_points": 422,
    "proof.track_times_not_increasing": 422,
    "proof.track_in_future": 422,
    "proof.track_not_near_lot": 422,
    "proof.track_is_loop": 422,
    "proof.track_too_short": 422,
    "proof.track_too_fast": 422,
    "proof.track_average_too_fast": 422,
    "proof.track_too_slow": 422,
    # review of manual proofs
    "review.already_decided": 409,
    "review.date_required": 422,
    "review.place_required": 422,
    # passes
    "pass.token_required": 401,
    "pass.not_found": 404,
    "pass.expired": 410,
    "pass.revoked": 410,
    "pass.invalid": 422,
    "pass.code_invalid": 422,
    "pass.not_yet_valid": 422,
    "qr.link_invalid": 403,
    "qr.link_expired": 410,
    # redemptions and the sites' rules
    "redemption.already_redeemed": 409,
    "redemption.nonce_reused": 409,
    "redemption.persons_already_in": 409,
    "redemption.too_many_persons": 422,
    "site.mode_not_accepted": 403,
    "site.confidence_too_low": 403,
    "site.proof_too_old": 403,
    "site.inactive": 403,
    # bookings
    "booking.slot_not_found": 404,
    "booking.full": 409,
    "booking.duplicate": 409,
    "booking.slot_exists": 409,
    "booking.started": 409,
    "booking.required": 409,
    "booking.slot_past": 422,
    "booking.outside_validity": 422,
    "booking.not_bookable": 422,
    "booking.too_many_persons": 422,
    # reports
    "report.invalid_period": 400,
    "ot.unknown": 404,
    # bounds and abuse at the desk
    "redemption.scanned_in_future": 422,
    "redemption.scan_too_old": 422,
    "redemption.unknown_codes_limited": 429,
    # partner sites and their staff, conflicts
    "site.invalid": 422,
    "site.exists": 409,
    "account.username_taken": 409,
    "conflict.already_acknowledged": 409,
}
