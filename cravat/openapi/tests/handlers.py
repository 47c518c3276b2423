"""Handler functions the test specs' operationIds name: as a Connexion user writes them, no request argument."""

from __future__ import annotations

from typing import Any

from cravat import errors

PETS: dict[int, dict[str, Any]] = {}


def listPets(limit=None):  # noqa: N802 - the spec's operationId
    pets = sorted(PETS.values(), key=lambda p: p["id"])
    return pets[:limit] if limit is not None else pets


def createPets(body):  # noqa: N802
    PETS[body["id"]] = body
    return None, 201, {"Location": f"/pets/{body['id']}"}


def showPetById(petId):  # noqa: N802, N803
    try:
        return PETS[int(petId)]
    except (KeyError, ValueError):
        raise errors.NotFound(f"Pet {petId} not found.") from None


def echo(**arguments: Any) -> dict[str, Any]:
    """Every argument it was given, as JSON can carry them."""
    return {k: (v.filename if hasattr(v, "filename") else v.decode("utf-8", "replace") if isinstance(v, bytes) else v)
            for k, v in arguments.items()}


def echo_status(body, status):
    return body, status


def takes_pet_id(pet_id, limit=10):
    return {"pet_id": pet_id, "limit": limit}


def wrong_answer():
    return {"id": "not a number"}


async def async_pets(limit=2):
    return {"limit": limit}


def needs_more(colour):
    return colour


def lookup_fails(name):
    raise LookupError(f"no {name!r} here")


class Petstore2:
    """The Swagger 2.0 petstore's operations that the tests call."""

    @staticmethod
    def updatePetWithForm(petId, name=None, status=None):  # noqa: N802, N803
        return {"petId": petId, "name": name, "status": status}

    @staticmethod
    def uploadFile(petId, additionalMetadata=None, file=None):  # noqa: N802, N803
        name = file.filename if file is not None else None  # a FieldStorage has no truth value
        return {"petId": petId, "additionalMetadata": additionalMetadata, "file": name}

    @staticmethod
    def findPetsByStatus(status):  # noqa: N802
        return {"status": status}

    def __getattr__(self, name):
        raise AttributeError(name)


for _name in ("addPet", "updatePet", "getPetById", "deletePet", "getInventory", "placeOrder", "getOrderById",
              "loginUser"):
    setattr(Petstore2, _name, staticmethod(echo))


echo_again = echo  # a second operation with echo's behaviour (operationIds are unique)


def connexion_style(name):
    """A handler module written for Connexion: its own NoContent and problem()."""
    import connexion

    if name == "none":
        return connexion.NoContent, 204
    if name == "gone":
        return connexion.problem(410, "Gone", f"{name} is gone", headers={"X-Why": "retired"})
    return {"name": name}
