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
    "request.invalid": (
        "Invalid request",
        {
            "fr": "La requête est invalide : {reason}",
            "en": "The request is invalid: {reason}",
            "es": "La solicitud no es válida: {reason}",
        },
    ),
    "request.too_large": (
        "Request too large",
        {
            "fr": "La requête est trop volumineuse.",
            "en": "The request is too large.",
            "es": "La solicitud es demasiado grande.",
        },
    ),
    "request.unsupported_media_type": (
        "Unsupported media type",
        {
            "fr": "Ce type de contenu n'est pas accepté.",
            "en": "This content type is not accepted.",
            "es": "Este tipo de contenido no se acepta.",
        },
    ),
    "request.not_found": (
        "Not found",
        {
            "fr": "Cette ressource n'existe pas.",
            "en": "This resource does not exist.",
            "es": "Este recurso no existe.",
        },
    ),
    "request.method_not_allowed": (
        "Method not allowed",
        {
            "fr": "Cette méthode n'est pas permise ici.",
            "en": "This method is not allowed here.",
            "es": "Este método no está permitido aquí.",
        },
    ),
    "request.rate_limited": (
        "Too many requests",
        {
            "fr": "Trop de demandes : réessayez dans un instant.",
            "en": "Too many requests: try again in a moment.",
            "es": "Demasiadas solicitudes: inténtelo de nuevo en un momento.",
        },
    ),
    "server.internal": (
        "Internal error",
        {
            "fr": "Une erreur interne est survenue ; elle a été enregistrée.",
            "en": "An internal error occurred; it has been logged.",
            "es": "Se produjo un error interno; se ha registrado.",
        },
    ),
    "service.unavailable": (
        "Service unavailable",
        {
            "fr": "Le service est momentanément indisponible.",
            "en": "The service is temporarily unavailable.",
            "es": "El servicio no está disponible en este momento.",
        },
    ),
    # staff authentication
    "auth.required": (
        "Authentication required",
        {
            "fr": "Connectez-vous pour accéder à cette ressource.",
            "en": "Sign in to access this resource.",
            "es": "Inicie sesión para acceder a este recurso.",
        },
    ),
    "auth.invalid_credentials": (
        "Invalid credentials",
        {
            "fr": "Identifiant ou mot de passe incorrect.",
            "en": "Wrong username or password.",
            "es": "Usuario o contraseña incorrectos.",
        },
    ),
    "auth.invalid_token": (
        "Invalid token",
        {
            "fr": "Le jeton de connexion est invalide ou expiré.",
            "en": "The access token is invalid or expired.",
            "es": "El token de acceso no es válido o ha caducado.",
        },
    ),
    "auth.forbidden": (
        "Forbidden",
        {
            "fr": "Votre compte n'a pas accès à cette ressource.",
            "en": "Your account cannot access this resource.",
            "es": "Su cuenta no tiene acceso a este recurso.",
        },
    ),
    "device.name_taken": (
        "Device name taken",
        {
            "fr": "Un appareil porte déjà le nom « {name} ».",
            "en": "A device is already named '{name}'.",
            "es": "Ya hay un dispositivo llamado «{name}».",
        },
    ),
    # proofs
    "proof.method_not_for_mode": (
        "Method not allowed for this mode",
        {
            "fr": "La preuve « {method} » ne vaut pas pour le mode « {mode} ».",
            "en": "Proof method '{method}' does not apply to mode '{mode}'.",
            "es": "El método de prueba «{method}» no vale para el modo «{mode}».",
        },
    ),
    "proof.mode_not_accepted": (
        "Mode not accepted",
        {
            "fr": "Ce mode de transport n'ouvre pas droit au tarif bas carbone.",
            "en": "This mode of transport does not qualify for the low-carbon fare.",
            "es": "Este modo de transporte no da derecho a la tarifa baja en carbono.",
        },
    ),
    "proof.method_unavailable": (
        "Proof method not available",
        {
            "fr": "Ce type de preuve n'est pas encore accepté en ligne.",
            "en": "This kind of proof is not accepted online yet.",
            "es": "Este tipo de prueba aún no se acepta en línea.",
        },
    ),
    "proof.evidence_invalid": (
        "Evidence invalid",
        {
            "fr": "La preuve est incomplète ou illisible : {reason}",
            "en": "The evidence is incomplete or unreadable: {reason}",
            "es": "La prueba está incompleta o es ilegible: {reason}",
        },
    ),
    "proof.too_old": (
        "Proof too old",
        {
            "fr": "Le voyage date de plus de {days} jours.",
            "en": "The trip is more than {days} days old.",
            "es": "El viaje tiene más de {days} días.",
        },
    ),
    "proof.in_future": (
        "Trip too far ahead",
        {
            "fr": "Le voyage est prévu dans plus de {days} jours.",
            "en": "The trip is more than {days} days ahead.",
            "es": "El viaje es dentro de más de {days} días.",
        },
    ),
    "proof.unknown_stop": (
        "Unknown stop",
        {
            "fr": "Cet arrêt d'arrivée est inconnu.",
            "en": "This arrival stop is unknown.",
            "es": "Esta parada de llegada es desconocida.",
        },
    ),
    "proof.stop_outside_lot": (
        "Stop outside the Lot",
        {
            "fr": "L'arrêt d'arrivée n'est pas dans le Lot ni une gare d'accès.",
            "en": "The arrival stop is neither in the Lot nor a gateway station.",
            "es": "La parada de llegada no está en el Lot ni es una estación de acceso.",
        },
    ),
    "proof.stop_mode_mismatch": (
        "Stop does not match mode",
        {
            "fr": "Cet arrêt n'est pas desservi par ce mode de transport.",
            "en": "This stop is not served by this mode of transport.",
            "es": "Esta parada no tiene servicio de este modo de transporte.",
        },
    ),
    "proof.too_many_persons": (
        "Too many persons",
        {
            "fr": "Un pass couvre au plus {max} personnes.",
            "en": "A pass covers at most {max} persons.",
            "es": "Un pase cubre como máximo {max} personas.",
        },
    ),
    "proof.already_used": (
        "Proof already used",
        {
            "fr": "Cette preuve a déjà donné un pass.",
            "en": "This proof has already been used for a pass.",
            "es": "Esta prueba ya se ha utilizado para un pase.",
        },
    ),
    "proof.attestation_unknown": (
        "Unknown attestation code",
        {
            "fr": "Ce code d'attestation vélo est inconnu.",
            "en": "This bike attestation code is unknown.",
            "es": "Este código de certificación de bicicleta es desconocido.",
        },
    ),
    "proof.attestation_expired": (
        "Attestation expired",
        {
            "fr": "Ce code d'attestation vélo a expiré (valable 24 h).",
            "en": "This bike attestation code has expired (valid 24 h).",
            "es": "Este código de certificación de bicicleta ha caducado (válido 24 h).",
        },
    ),
    "proof.photo_invalid": (
        "Photo unreadable",
        {
            "fr": "La photo doit être une image JPEG ou PNG lisible.",
            "en": "The photo must be a readable JPEG or PNG image.",
            "es": "La foto debe ser una imagen JPEG o PNG legible.",
        },
    ),
    "proof.photo_too_large": (
        "Photo too large",
        {
            "fr": "La photo est trop grande (au plus {max_mb} Mo).",
            "en": "The photo is too large (at most {max_mb} MB).",
            "es": "La foto es demasiado grande (como máximo {max_mb} MB).",
        },
    ),
    "review.already_decided": (
        "Already decided",
        {
            "fr": "Cette preuve a déjà été examinée ({decision}).",
            "en": "This proof has already been reviewed ({decision}).",
            "es": "Esta prueba ya ha sido revisada ({decision}).",
        },
    ),
    "booking.full": (
        "Slot full",
        {
            "fr": "Il ne reste plus assez de places à tarif bas carbone sur ce créneau.",
            "en": "Not enough low-carbon places are left on this slot.",
            "es": "No quedan suficientes plazas de tarifa baja en carbono en esta franja.",
        },
    ),
    "booking.duplicate": (
        "Already booked",
        {
            "fr": "Ce pass a déjà une réservation sur ce site.",
            "en": "This pass already holds a booking at this site.",
            "es": "Este pase ya tiene una reserva en este sitio.",
        },
    ),
    "booking.slot_not_found": (
        "Unknown slot",
        {
            "fr": "Ce créneau n'existe pas.",
            "en": "This slot does not exist.",
            "es": "Esta franja no existe.",
        },
    ),
    "booking.slot_exists": (
        "Slot exists",
        {
            "fr": "Un créneau commence déjà à cette heure sur ce site.",
            "en": "A slot already starts at that time at this site.",
            "es": "Ya empieza una franja a esa hora en este sitio.",
        },
    ),
    "booking.slot_past": (
        "Slot started",
        {
            "fr": "Ce créneau a déjà commencé.",
            "en": "This slot has already started.",
            "es": "Esta franja ya ha comenzado.",
        },
    ),
    "booking.started": (
        "Booking started",
        {
            "fr": "Le créneau a commencé : la réservation ne peut plus être annulée.",
            "en": "The slot has started: the booking can no longer be cancelled.",
            "es": "La franja ha comenzado: la reserva ya no se puede anular.",
        },
    ),
    "booking.outside_validity": (
        "Outside the pass's validity",
        {
            "fr": "Ce créneau est hors de la période de validité du pass (jusqu'au {valid_until}).",
            "en": "This slot is outside the pass's validity (until {valid_until}).",
            "es": "Esta franja está fuera de la validez del pase (hasta el {valid_until}).",
        },
    ),
    "booking.not_bookable": (
        "Site not bookable",
        {
            "fr": "Ce site ne propose pas de réservation.",
            "en": "This site takes no bookings.",
            "es": "Este sitio no admite reservas.",
        },
    ),
    "booking.too_many_persons": (
        "Too many persons",
        {
            "fr": "Ce pass couvre {persons} personne(s).",
            "en": "This pass covers {persons} person(s).",
            "es": "Este pase cubre {persons} persona(s).",
        },
    ),
    "booking.required": (
        "Booking required",
        {
            "fr": "Ce site demande une réservation avec le pass.",
            "en": "This site requires a booking with the pass.",
            "es": "Este sitio exige una reserva con el pase.",
        },
    ),
    # timetables
    "proof.no_matching_trip": (
        "No matching trip",
        {
            "fr": "Aucun trajet de la ligne ou du train {line} n'arrive à cet arrêt vers {time} ce jour-là "
            "d'après les horaires publiés. Vérifiez le numéro, l'arrêt, la date et l'heure.",
            "en": "According to the published timetables, no trip of line or train {line} arrives at this stop "
            "around {time} on that day. Check the number, the stop, the date and the time.",
            "es": "Según los horarios publicados, ningún trayecto de la línea o del tren {line} llega a esta "
            "parada hacia las {time} ese día. Compruebe el número, la parada, la fecha y la hora.",
        },
    ),
    # rail tickets
    "proof.barcode_unreadable": (
        "Ticket barcode unreadable",
        {
            "fr": "Ce code-barres de billet est illisible ou d'un format inconnu.",
            "en": "This ticket barcode is unreadable or of an unknown format.",
            "es": "Este código de barras del billete es ilegible o de un formato desconocido.",
        },
    ),
    "proof.barcode_not_found": (
        "No ticket barcode found",
        {
            "fr": "Aucun code-barres de billet n'a été trouvé dans ce fichier ; essayez une image plus nette.",
            "en": "No ticket barcode was found in this file; try a sharper image.",
            "es": "No se ha encontrado ningún código de barras de billete en este archivo; pruebe con una imagen más nítida.",
        },
    ),
    "proof.upload_too_large": (
        "File too large",
        {
            "fr": "Le fichier dépasse la taille maximale ({max_mb} Mo ou {max_megapixels} mégapixels).",
            "en": "The file exceeds the maximum size ({max_mb} MB or {max_megapixels} megapixels).",
            "es": "El archivo supera el tamaño máximo ({max_mb} MB o {max_megapixels} megapíxeles).",
        },
    ),
    "proof.upload_unsupported": (
        "File type not accepted",
        {
            "fr": "Envoyez une image PNG ou JPEG, ou un PDF.",
            "en": "Send a PNG or JPEG image, or a PDF.",
            "es": "Envíe una imagen PNG o JPEG, o un PDF.",
        },
    ),
    "proof.unknown_key": (
        "Ticket issuer key unknown",
        {
            "fr": "La clé de signature de ce billet (émetteur {issuer}, clé {key_id}) n'est pas dans la liste UIC connue du service.",
            "en": "This ticket's signing key (issuer {issuer}, key {key_id}) is not in the UIC key list known to the service.",
            "es": "La clave de firma de este billete (emisor {issuer}, clave {key_id}) no figura en la lista UIC conocida por el servicio.",
        },
    ),
    "proof.signature_invalid": (
        "Ticket signature invalid",
        {
            "fr": "La signature de ce billet n'est pas valide : il a été modifié ou n'est pas authentique.",
            "en": "This ticket's signature is not valid: it was altered or is not genuine.",
            "es": "La firma de este billete no es válida: ha sido modificado o no es auténtico.",
        },
    ),
    "proof.ticket_specimen": (
        "Specimen ticket",
        {
            "fr": "Ce billet est un spécimen de test, pas un titre de transport.",
            "en": "This ticket is a test specimen, not a travel ticket.",
            "es": "Este billete es un espécimen de prueba, no un título de transporte.",
        },
    ),
    "proof.ticket_incomplete": (
        "Ticket lacks trip details",
        {
            "fr": "Ce billet n'indique pas la date du voyage ou la gare d'arrivée.",
            "en": "This ticket does not state the travel date or the arrival station.",
            "es": "Este billete no indica la fecha del viaje o la estación de llegada.",
        },
    ),
    # bike tracks (GPX)
    "proof.gpx_invalid": (
        "GPX track unreadable",
        {
            "fr": "Le fichier n'est pas une trace GPX lisible : {reason}",
            "en": "The file is not a readable GPX track: {reason}",
            "es": "El archivo no es una traza GPX legible: {reason}",
        },
    ),
    "proof.gpx_unsafe": (
        "GPX track refused",
        {
            "fr": "Le fichier GPX contient des déclarations XML (DOCTYPE, entités) qui ne sont pas acceptées.",
            "en": "The GPX file holds XML declarations (DOCTYPE, entities) that are not accepted.",
            "es": "El archivo GPX contiene declaraciones XML (DOCTYPE, entidades) que no se aceptan.",
        },
    ),
    "proof.gpx_too_large": (
        "GPX file too large",
        {
            "fr": "Le fichier GPX dépasse {max_mib} Mio.",
            "en": "The GPX file is larger than {max_mib} MiB.",
            "es": "El archivo GPX supera los {max_mib} MiB.",
        },
    ),
    "proof.track_too_many_points": (
        "Track has too many points",
        {
            "fr": "La trace compte plus de {max} points : envoyez seulement le trajet d'arrivée.",
            "en": "The track has more than {max} points: send only the ride you arrived by.",
            "es": "La traza tiene más de {max} puntos: envíe solo el trayecto de llegada.",
        },
    ),
    "proof.track_without_times": (
        "Track without times",
        {
            "fr": "Des points de la trace n'ont pas d'heure : envoyez la trace enregistrée pendant le trajet, pas un itinéraire prévu.",
            "en": "Some points of the track have no time: send the track recorded during the ride, not a planned route.",
            "es": "Algunos puntos de la traza no tienen hora: envíe la traza grabada durante el trayecto, no una ruta planificada.",
        },
    ),
    "proof.track_too_few_points": (
        "Track has too few points",
        {
            "fr": "La trace compte {points} points ; il en faut au moins {min}.",
            "en": "The track has {points} points; at least {min} are needed.",
            "es": "La traza tiene {points} puntos; se necesitan al menos {min}.",
        },
    ),
    "proof.track_times_not_increasing": (
        "Track times out of order",
        {
            "fr": "Les heures de la trace ne se suivent pas (point n° {point}).",
            "en": "The track's times are out of order (point #{point}).",
            "es": "Las horas de la traza no siguen un orden creciente (punto n.º {point}).",
        },
    ),
    "proof.track_in_future": (
        "Track ends in the future",
        {
            "fr": "La trace se termine dans le futur : vérifiez l'horloge de l'appareil.",
            "en": "The track ends in the future: check the device's clock.",
            "es": "La traza termina en el futuro: compruebe el reloj del dispositivo.",
        },
    ),
    "proof.track_not_near_lot": (
        "Track does not end in the Lot",
        {
            "fr": "La trace se termine à {km} km de la gare ou du site partenaire le plus proche (au plus {max_km} km).",
            "en": "The track ends {km} km from the nearest station or partner site (at most {max_km} km).",
            "es": "La traza termina a {km} km de la estación o del sitio asociado más cercano (como máximo {max_km} km).",
        },
    ),
    "proof.track_too_short": (
        "Track too short",
        {
            "fr": "La trace fait {km} km ; il faut au moins {min_km} km à vélo.",
            "en": "The track is {km} km long; at least {min_km} km by bike are needed.",
            "es": "La traza mide {km} km; se necesitan al menos {min_km} km en bicicleta.",
        },
    ),
    "proof.track_too_fast": (
        "Track too fast for a bike",
        {
            "fr": "Une partie de la trace va à {kmh} km/h pendant plus de {minutes} minutes (au plus {max_kmh} km/h) : ce n'est pas un vélo.",
            "en": "Part of the track runs at {kmh} km/h for more than {minutes} minutes (at most {max_kmh} km/h): that is not a bike.",
            "es": "Una parte de la traza va a {kmh} km/h durante más de {minutes} minutos (como máximo {max_kmh} km/h): no es una bicicleta.",
        },
    ),
    "proof.track_average_too_fast": (
        "Average speed too high",
        {
            "fr": "La vitesse moyenne en mouvement est de {kmh} km/h ; à vélo elle ne dépasse pas {max_kmh} km/h.",
            "en": "The moving average speed is {kmh} km/h; by bike it does not exceed {max_kmh} km/h.",
            "es": "La velocidad media en movimiento es de {kmh} km/h; en bicicleta no supera los {max_kmh} km/h.",
        },
    ),
    "proof.track_too_slow": (
        "Average speed too low",
        {
            "fr": "La vitesse moyenne en mouvement est de {kmh} km/h ; à vélo elle est d'au moins {min_kmh} km/h.",
            "en": "The moving average speed is {kmh} km/h; by bike it is at least {min_kmh} km/h.",
            "es": "La velocidad media en movimiento es de {kmh} km/h; en bicicleta es de al menos {min_kmh} km/h.",
        },
    ),
    # passes
    "pass.invalid": (
        "Invalid pass",
        {
            "fr": "Ce pass n'est pas authentique.",
            "en": "This pass is not genuine.",
            "es": "Este pase no es auténtico.",
        },
    ),
    "pass.code_invalid": (
        "Invalid pass code",
        {
            "fr": "Ce code de pass est mal saisi.",
            "en": "This pass code is mistyped.",
            "es": "Este código de pase está mal escrito.",
        },
    ),
    "pass.not_found": (
        "Unknown pass",
        {
            "fr": "Aucun pass ne porte ce code.",
            "en": "No pass has this code.",
            "es": "Ningún pase tiene este código.",
        },
    ),
    "pass.expired": (
        "Pass expired",
        {
            "fr": "Ce pass a expiré le {valid_until}.",
            "en": "This pass expired on {valid_until}.",
            "es": "Este pase caducó el {valid_until}.",
        },
    ),
    "pass.not_yet_valid": (
        "Pass not yet valid",
        {
            "fr": "Ce pass n'est valable qu'à partir du {valid_from}.",
            "en": "This pass is valid only from {valid_from}.",
            "es": "Este pase solo es válido a partir del {valid_from}.",
        },
    ),
    "pass.revoked": (
        "Pass revoked",
        {
            "fr": "Ce pass a été annulé.",
            "en": "This pass has been revoked.",
            "es": "Este pase ha sido anulado.",
        },
    ),
    "pass.token_required": (
        "Pass token required",
        {
            "fr": "Présentez le jeton du pass.",
            "en": "Present the pass token.",
            "es": "Presente el token del pase.",
        },
    ),
    # redemptions
    "redemption.already_redeemed": (
        "Already used here",
        {
            "fr": "Ce pass a déjà été utilisé ici le {redeemed_at} ({device}).",
            "en": "This pass was already used here on {redeemed_at} ({device}).",
            "es": "Este pase ya se usó aquí el {redeemed_at} ({device}).",
        },
    ),
    "redemption.too_many_persons": (
        "Too many persons",
        {
            "fr": "Ce pass couvre {persons} personne(s).",
            "en": "This pass covers {persons} person(s).",
            "es": "Este pase cubre {persons} persona(s).",
        },
    ),
    "redemption.nonce_reused": (
        "Nonce reused",
        {
            "fr": "Ce nonce a déjà servi pour une autre demande.",
            "en": "This nonce was already used for another request.",
            "es": "Este nonce ya se usó para otra solicitud.",
        },
    ),
    "site.mode_not_accepted": (
        "Mode not accepted here",
        {
            "fr": "Ce site n'accepte pas les arrivées en {mode}.",
            "en": "This site does not accept arrivals by {mode}.",
            "es": "Este sitio no acepta llegadas en {mode}.",
        },
    ),
    "site.confidence_too_low": (
        "Proof not strong enough here",
        {
            "fr": "Ce site demande une preuve vérifiée.",
            "en": "This site requires a verified proof.",
            "es": "Este sitio exige una prueba verificada.",
        },
    ),
    "site.proof_too_old": (
        "Arrival too long ago for this site",
        {
            "fr": "Ce site accepte les arrivées de moins de {days} jour(s).",
            "en": "This site accepts arrivals of less than {days} day(s) ago.",
            "es": "Este sitio acepta llegadas de hace menos de {days} día(s).",
        },
    ),
    "site.inactive": (
        "Site inactive",
        {
            "fr": "Ce site ne participe plus au tarif bas carbone.",
            "en": "This site no longer takes part in the low-carbon fare.",
            "es": "Este sitio ya no participa en la tarifa baja en carbono.",
        },
    ),
    # reports
    "report.invalid_period": (
        "Invalid period",
        {
            "fr": "La période demandée est invalide.",
            "en": "The requested period is invalid.",
            "es": "El período solicitado no es válido.",
        },
    ),
    "ot.unknown": (
        "Unknown OT",
        {
            "fr": "Cet office de tourisme est inconnu.",
            "en": "This tourist office is unknown.",
            "es": "Esta oficina de turismo es desconocida.",
        },
    ),
    # OT dashboard: sites, partner accounts, offline-scan conflicts (h-reports)
    "site.invalid": (
        "Invalid site",
        {
            "fr": "Le site ne peut pas être enregistré : {field} : {reason}",
            "en": "The site cannot be saved: {field}: {reason}",
            "es": "El sitio no se puede guardar: {field}: {reason}",
        },
    ),
    "site.exists": (
        "Site already exists",
        {
            "fr": "Un site porte déjà l'identifiant {site} ; modifiez-le plutôt.",
            "en": "A site already has the id {site}; edit it instead.",
            "es": "Ya existe un sitio con el identificador {site}; modifíquelo.",
        },
    ),
    "account.username_taken": (
        "Username taken",
        {
            "fr": "L'identifiant {username} est déjà utilisé.",
            "en": "The username {username} is already taken.",
            "es": "El nombre de usuario {username} ya está en uso.",
        },
    ),
    "conflict.already_acknowledged": (
        "Conflict already acknowledged",
        {
            "fr": "Ce conflit a déjà été traité par {acknowledged_by}.",
            "en": "This conflict was already acknowledged by {acknowledged_by}.",
            "es": "Este conflicto ya fue atendido por {acknowledged_by}.",
        },
    ),
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
