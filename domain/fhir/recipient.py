"""The project extension naming a resource's recipient (the ROR itself does not name them)."""

from domain.errors import InvalidEmail, InvalidText
from domain.fhir.rejection import ResourceRejected
from domain.fhir.systems import RECIPIENT_EXTENSION
from domain.fhir.values import Json, extensions, text
from domain.habilitation import normalise_email
from domain.text import printable


def recipient_of(body: Json) -> str | None:
    for extension in extensions(body, RECIPIENT_EXTENSION):
        value = text(extension, "valueString")
        if not value:
            continue
        try:
            return normalise_email(value)
        except InvalidEmail:
            raise ResourceRejected(
                f"Destinataire invalide : « {printable(value)} » n'est pas une adresse e-mail "
                f"(extension {RECIPIENT_EXTENSION})."
            ) from None
        except InvalidText as error:
            raise ResourceRejected(f"Destinataire invalide : {error.message}") from None
    return None
