"""The per-application view of a person that entity resolution compares."""

from __future__ import annotations

from dataclasses import dataclass

from fraudgraph.types import Application


@dataclass(frozen=True, slots=True)
class PartyRecord:
    """Who an application says the applicant is, as written (normalised by the resolver)."""

    record_id: str
    name: str = ""
    id_number: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    employer: str = ""

    @classmethod
    def from_application(cls, application: Application) -> PartyRecord:
        """The party fields of an :class:`Application`."""
        return cls(
            application.application_id,
            application.name,
            application.id_number,
            application.phone,
            application.email,
            application.address,
            application.employer,
        )
