"""Régions and départements (INSEE 2016, ANS ConceptMap ASS_X09) and how a resource's are derived."""

from domain.errors import InvalidFilter

REGIONS: dict[str, str] = {
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
    "11": "Île-de-France",
    "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté",
    "28": "Normandie",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}

# Pre-2016 INSEE region codes: still the prefix of ROR offer identifiers (`91/11359`).
OLD_REGIONS: dict[str, str] = {
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
    "11": "Île-de-France",
    "21": "Champagne-Ardenne",
    "22": "Picardie",
    "23": "Haute-Normandie",
    "24": "Centre",
    "25": "Basse-Normandie",
    "26": "Bourgogne",
    "31": "Nord-Pas-de-Calais",
    "41": "Lorraine",
    "42": "Alsace",
    "43": "Franche-Comté",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "54": "Poitou-Charentes",
    "72": "Aquitaine",
    "73": "Midi-Pyrénées",
    "74": "Limousin",
    "82": "Rhône-Alpes",
    "83": "Auvergne",
    "91": "Languedoc-Roussillon",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}

OLD_TO_NEW_REGION: dict[str, str] = {
    "01": "01",
    "02": "02",
    "03": "03",
    "04": "04",
    "06": "06",
    "11": "11",
    "21": "44",
    "22": "32",
    "23": "28",
    "24": "24",
    "25": "28",
    "26": "27",
    "31": "32",
    "41": "44",
    "42": "44",
    "43": "27",
    "52": "52",
    "53": "53",
    "54": "75",
    "72": "75",
    "73": "76",
    "74": "75",
    "82": "84",
    "83": "84",
    "91": "76",
    "93": "93",
    "94": "94",
}

_ASS_X09 = (
    "01:84 02:32 03:84 04:93 05:93 06:93 07:84 08:44 09:76 10:44 11:76 12:76 13:93 14:28 15:84 16:75 17:75 "
    "18:24 19:75 2A:94 2B:94 21:27 22:53 23:75 24:75 25:27 26:84 27:28 28:24 29:53 30:76 31:76 32:76 33:75 "
    "34:76 35:53 36:24 37:24 38:84 39:27 40:75 41:24 42:84 43:84 44:52 45:24 46:76 47:75 48:76 49:52 50:28 "
    "51:44 52:44 53:52 54:44 55:44 56:53 57:44 58:27 59:32 60:32 61:28 62:32 63:84 64:75 65:76 66:76 67:44 "
    "68:44 69:84 70:27 71:27 72:52 73:84 74:84 75:11 76:28 77:11 78:11 79:75 80:32 81:76 82:76 83:93 84:93 "
    "85:52 86:75 87:75 88:44 89:27 90:27 91:11 92:11 93:11 94:11 95:11 971:01 972:02 973:03 974:04 976:06"
)
DEPARTEMENT_TO_REGION: dict[str, str] = dict(pair.split(":") for pair in _ASS_X09.split())

# FINESS numbers code the overseas départements on two characters.
_FINESS_OVERSEAS = {"9A": "971", "9B": "972", "9C": "973", "9D": "974", "9F": "976", "9J": "976", "9E": "975"}


def region_of_departement(departement: str) -> str | None:
    return DEPARTEMENT_TO_REGION.get(departement)


def departement_from_postal_code(postal_code: str) -> str | None:
    code = postal_code.strip().replace(" ", "")
    if len(code) != 5 or not code.isdigit():
        return None
    if code.startswith(("97", "98")):
        dep = code[:3]
        return dep if dep in DEPARTEMENT_TO_REGION else None
    if code.startswith("20"):
        return "2A" if int(code[:3]) < 202 else "2B"
    dep = code[:2]
    return dep if dep in DEPARTEMENT_TO_REGION else None


def departement_from_finess(finess: str) -> str | None:
    prefix = finess[:2].upper()
    if prefix in _FINESS_OVERSEAS:
        dep = _FINESS_OVERSEAS[prefix]
        return dep if dep in DEPARTEMENT_TO_REGION else None
    return prefix if prefix in DEPARTEMENT_TO_REGION else None


def check_region(code: str) -> str:
    code = code.strip()
    if len(code) == 1 and code.isdigit():
        code = "0" + code
    if code not in REGIONS:
        raise InvalidFilter(f"« {code} » n'est pas un code de région (par exemple 76 pour l'Occitanie).")
    return code


def check_departement(code: str) -> str:
    code = code.strip().upper()
    if len(code) == 1 and code.isdigit():
        code = "0" + code
    if code not in DEPARTEMENT_TO_REGION:
        raise InvalidFilter(f"« {code} » n'est pas un code de département (par exemple 11, 2A ou 974).")
    return code
