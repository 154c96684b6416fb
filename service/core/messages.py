"""Human messages for every stable error code, in French, English and Spanish.

The code is the contract; the message is for people and may be reworded.
"""

from __future__ import annotations

from typing import Final

LANGS: Final = ("fr", "en", "es")
DEFAULT_LANG: Final = "fr"

# code -> (title, {lang: detail}); details may hold {placeholders}.
CATALOG: Final[dict[str, tuple[str, dict[str, str]]]] = {
    # requests
    "request.invalid": ("Invalid request", {
        "fr": "La requête est invalide : {reason}",
        "en": "The request is invalid: {reason}",
        "es": "La solicitud no es válida: {reason}",
    }),
    "request.too_large": ("Request too large", {
        "fr": "La requête est trop volumineuse.",
        "en": "The request is too large.",
        "es": "La solicitud es demasiado grande.",
    }),
    "request.unsupported_media_type": ("Unsupported media type", {
        "fr": "Ce type de contenu n'est pas accepté.",
        "en": "This content type is not accepted.",
        "es": "Este tipo de contenido no se acepta.",
    }),
    "not_found": ("Not found", {
        "fr": "Cette ressource n'existe pas.",
        "en": "This resource does not exist.",
        "es": "Este recurso no existe.",
    }),
    "method_not_allowed": ("Method not allowed", {
        "fr": "Cette méthode n'est pas permise ici.",
        "en": "This method is not allowed here.",
        "es": "Este método no está permitido aquí.",
    }),
    "rate_limited": ("Too many requests", {
        "fr": "Trop de demandes : réessayez dans un instant.",
        "en": "Too many requests: try again in a moment.",
        "es": "Demasiadas solicitudes: inténtelo de nuevo en un momento.",
    }),
    "internal": ("Internal error", {
        "fr": "Une erreur interne est survenue ; elle a été enregistrée.",
        "en": "An internal error occurred; it has been logged.",
        "es": "Se produjo un error interno; se ha registrado.",
    }),
    "service.unavailable": ("Service unavailable", {
        "fr": "Le service est momentanément indisponible.",
        "en": "The service is temporarily unavailable.",
        "es": "El servicio no está disponible en este momento.",
    }),
    # staff authentication
    "auth.required": ("Authentication required", {
        "fr": "Connectez-vous pour accéder à cette ressource.",
        "en": "Sign in to access this resource.",
        "es": "Inicie sesión para acceder a este recurso.",
    }),
    "auth.invalid_credentials": ("Invalid credentials", {
        "fr": "Identifiant ou mot de passe incorrect.",
        "en": "Wrong username or password.",
        "es": "Usuario o contraseña incorrectos.",
    }),
    "auth.invalid_token": ("Invalid token", {
        "fr": "Le jeton de connexion est invalide ou expiré.",
        "en": "The access token is invalid or expired.",
        "es": "El token de acceso no es válido o ha caducado.",
    }),
    "auth.forbidden": ("Forbidden", {
        "fr": "Votre compte n'a pas accès à cette ressource.",
        "en": "Your account cannot access this resource.",
        "es": "Su cuenta no tiene acceso a este recurso.",
    }),
    # proofs
    "proof.method_not_for_mode": ("Method not allowed for this mode", {
        "fr": "La preuve « {method} » ne vaut pas pour le mode « {mode} ».",
        "en": "Proof method '{method}' does not apply to mode '{mode}'.",
        "es": "El método de prueba «{method}» no vale para el modo «{mode}».",
    }),
    "proof.mode_not_accepted": ("Mode not accepted", {
        "fr": "Ce mode de transport n'ouvre pas droit au tarif bas carbone.",
        "en": "This mode of transport does not qualify for the low-carbon fare.",
        "es": "Este modo de transporte no da derecho a la tarifa baja en carbono.",
    }),
    "proof.method_unavailable": ("Proof method not available", {
        "fr": "Ce type de preuve n'est pas encore accepté en ligne.",
        "en": "This kind of proof is not accepted online yet.",
        "es": "Este tipo de prueba aún no se acepta en línea.",
    }),
    "proof.evidence_invalid": ("Evidence invalid", {
        "fr": "La preuve est incomplète ou illisible : {reason}",
        "en": "The evidence is incomplete or unreadable: {reason}",
        "es": "La prueba está incompleta o es ilegible: {reason}",
    }),
    "proof.too_old": ("Proof too old", {
        "fr": "Le voyage date de plus de {days} jours.",
        "en": "The trip is more than {days} days old.",
        "es": "El viaje tiene más de {days} días.",
    }),
    "proof.in_future": ("Trip too far ahead", {
        "fr": "Le voyage est prévu dans plus de {days} jours.",
        "en": "The trip is more than {days} days ahead.",
        "es": "El viaje es dentro de más de {days} días.",
    }),
    "proof.unknown_stop": ("Unknown stop", {
        "fr": "Cet arrêt d'arrivée est inconnu.",
        "en": "This arrival stop is unknown.",
        "es": "Esta parada de llegada es desconocida.",
    }),
    "proof.stop_outside_lot": ("Stop outside the Lot", {
        "fr": "L'arrêt d'arrivée n'est pas dans le Lot ni une gare d'accès.",
        "en": "The arrival stop is neither in the Lot nor a gateway station.",
        "es": "La parada de llegada no está en el Lot ni es una estación de acceso.",
    }),
    "proof.stop_mode_mismatch": ("Stop does not match mode", {
        "fr": "Cet arrêt n'est pas desservi par ce mode de transport.",
        "en": "This stop is not served by this mode of transport.",
        "es": "Esta parada no tiene servicio de este modo de transporte.",
    }),
    "proof.too_many_persons": ("Too many persons", {
        "fr": "Un pass couvre au plus {max} personnes.",
        "en": "A pass covers at most {max} persons.",
        "es": "Un pase cubre como máximo {max} personas.",
    }),
    "proof.already_used": ("Proof already used", {
        "fr": "Cette preuve a déjà donné un pass.",
        "en": "This proof has already been used for a pass.",
        "es": "Esta prueba ya se ha utilizado para un pase.",
    }),
    # passes
    "pass.invalid": ("Invalid pass", {
        "fr": "Ce pass n'est pas authentique.",
        "en": "This pass is not genuine.",
        "es": "Este pase no es auténtico.",
    }),
    "pass.code_invalid": ("Invalid pass code", {
        "fr": "Ce code de pass est mal saisi.",
        "en": "This pass code is mistyped.",
        "es": "Este código de pase está mal escrito.",
    }),
    "pass.not_found": ("Unknown pass", {
        "fr": "Aucun pass ne porte ce code.",
        "en": "No pass has this code.",
        "es": "Ningún pase tiene este código.",
    }),
    "pass.expired": ("Pass expired", {
        "fr": "Ce pass a expiré le {valid_until}.",
        "en": "This pass expired on {valid_until}.",
        "es": "Este pase caducó el {valid_until}.",
    }),
    "pass.not_yet_valid": ("Pass not yet valid", {
        "fr": "Ce pass n'est valable qu'à partir du {valid_from}.",
        "en": "This pass is valid only from {valid_from}.",
        "es": "Este pase solo es válido a partir del {valid_from}.",
    }),
    "pass.revoked": ("Pass revoked", {
        "fr": "Ce pass a été annulé.",
        "en": "This pass has been revoked.",
        "es": "Este pase ha sido anulado.",
    }),
    "pass.token_required": ("Pass token required", {
        "fr": "Présentez le jeton du pass.",
        "en": "Present the pass token.",
        "es": "Presente el token del pase.",
    }),
    # redemptions
    "redemption.already_redeemed": ("Already used here", {
        "fr": "Ce pass a déjà été utilisé ici le {redeemed_at} ({device}).",
        "en": "This pass was already used here on {redeemed_at} ({device}).",
        "es": "Este pase ya se usó aquí el {redeemed_at} ({device}).",
    }),
    "redemption.too_many_persons": ("Too many persons", {
        "fr": "Ce pass couvre {persons} personne(s).",
        "en": "This pass covers {persons} person(s).",
        "es": "Este pase cubre {persons} persona(s).",
    }),
    "redemption.nonce_reused": ("Nonce reused", {
        "fr": "Ce nonce a déjà servi pour une autre demande.",
        "en": "This nonce was already used for another request.",
        "es": "Este nonce ya se usó para otra solicitud.",
    }),
    "site.mode_not_accepted": ("Mode not accepted here", {
        "fr": "Ce site n'accepte pas les arrivées en {mode}.",
        "en": "This site does not accept arrivals by {mode}.",
        "es": "Este sitio no acepta llegadas en {mode}.",
    }),
    "site.confidence_too_low": ("Proof not strong enough here", {
        "fr": "Ce site demande une preuve vérifiée.",
        "en": "This site requires a verified proof.",
        "es": "Este sitio exige una prueba verificada.",
    }),
    "site.proof_too_old": ("Arrival too long ago for this site", {
        "fr": "Ce site accepte les arrivées de moins de {days} jour(s).",
        "en": "This site accepts arrivals of less than {days} day(s) ago.",
        "es": "Este sitio acepta llegadas de hace menos de {days} día(s).",
    }),
    "site.inactive": ("Site inactive", {
        "fr": "Ce site ne participe plus au tarif bas carbone.",
        "en": "This site no longer takes part in the low-carbon fare.",
        "es": "Este sitio ya no participa en la tarifa baja en carbono.",
    }),
    # reports
    "report.invalid_period": ("Invalid period", {
        "fr": "La période demandée est invalide.",
        "en": "The requested period is invalid.",
        "es": "El período solicitado no es válido.",
    }),
    "ot.unknown": ("Unknown OT", {
        "fr": "Cet office de tourisme est inconnu.",
        "en": "This tourist office is unknown.",
        "es": "Esta oficina de turismo es desconocida.",
    }),
}


def pick_lang(requested: str | None, accept_language: str | None = None) -> str:
    """The first supported language among an explicit choice and Accept-Language."""
    candidates: list[str] = []
    if requested:
        candidates.append(requested)
    if accept_language:
        weighted = []
        for position, part in enumerate(accept_language.split(",")):
            tag, _, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            weighted.append((-quality, position, tag.strip()))
        candidates.extend(tag for _, _, tag in sorted(weighted))
    for candidate in candidates:
        primary = candidate.lower().split("-")[0]
        if primary in LANGS:
            return primary
    return DEFAULT_LANG


def render(code: str, lang: str, params: dict[str, object]) -> tuple[str, str]:
    """(title, detail) for a code; unknown codes and missing params degrade, never fail."""
    title, details = CATALOG.get(code, ("Error", {}))
    template = details.get(lang) or details.get(DEFAULT_LANG) or title
    try:
        detail = template.format(**params)
    except (KeyError, IndexError, ValueError):
        detail = template
    return title, detail
