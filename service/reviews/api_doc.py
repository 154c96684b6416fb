"""OpenAPI of the reviews routes beyond what Litestar infers: refusals, examples, security."""

from service.core.openapi import REVIEW_ID, STAFF, STAFF_REFUSALS, Doc, Operations

OPERATIONS: Operations = {
    ("get", "/api/v1/review/proofs"): Doc(
        ("request.invalid", "ot.unknown", *STAFF_REFUSALS),
        [
            {
                "id": REVIEW_ID,
                "status": "pending",
                "mode": "train",
                "persons": 2,
                "arrival_date": None,
                "arrival_stop_id": None,
                "site_id": None,
                "ot": None,
                "submitted_at": "2026-07-14T08:40:00Z",
                "photo_url": f"/api/v1/review/proofs/{REVIEW_ID}/photo",
            }
        ],
        security=STAFF,
    ),
    ("get", "/api/v1/review/proofs/{review_id}/photo"): Doc(("request.not_found", *STAFF_REFUSALS), security=STAFF),
    ("post", "/api/v1/review/proofs/{review_id}/approve"): Doc(
        (
            "request.invalid",
            "request.not_found",
            "review.already_decided",
            "review.date_required",
            "review.place_required",
            "proof.too_old",
            "proof.in_future",
            "proof.unknown_stop",
            "proof.stop_mode_mismatch",
            "proof.stop_outside_lot",
            "proof.evidence_invalid",
            *STAFF_REFUSALS,
        ),
        {"id": REVIEW_ID, "status": "accepted", "pass_code": "K7M2QX9RTA"},
        {"date": "2026-07-14", "arrival_stop_id": "StopArea:OCE87613042"},
        STAFF,
    ),
    ("post", "/api/v1/review/proofs/{review_id}/reject"): Doc(
        ("request.invalid", "request.not_found", "review.already_decided", *STAFF_REFUSALS),
        {"id": REVIEW_ID, "status": "rejected", "pass_code": None},
        {"reason": "Photo illisible"},
        STAFF,
    ),
}
