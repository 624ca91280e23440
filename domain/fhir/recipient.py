"""The project extension naming a resource's recipient (the ROR itself does not name them)."""

from domain.errors import InvalidEmail
from domain.fhir.rejection import ResourceRejected
from domain.fhir.systems import RECIPIENT_EXTENSION
from domain.fhir.values import Json, extensions, text
from domain.habilitation import normalise_email


def recipient_of(body: Json) -> str | None:
    for extension in extensions(body, RECIPIENT_EXTENSION):
        value = text(extension, "valueString")
        if not value:
            continue
        try:
            return normalise_email(value)
        except InvalidEmail:
            raise ResourceRejected(
                f"Destinataire invalide : « {value} » n'est pas une adresse e-mail "
                f"(extension {RECIPIENT_EXTENSION})."
            ) from None
    return None
