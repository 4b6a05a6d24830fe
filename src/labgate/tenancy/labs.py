"""Labs: created and changed by platform administrators, listed to everyone for their own."""

from __future__ import annotations

from sqlalchemy import select

from labgate.identity.principal import Principal
from labgate.store.tenancy import Lab
from labgate.tenancy.access import require_platform_admin, require_reader, sees_everything
from labgate.tenancy.core import ServiceCore
from labgate.tenancy.errors import Conflict, InvalidInput
from labgate.tenancy.inputs import LabCreate, LabUpdate, changes
from labgate.tenancy.views import LabView


class LabOps(ServiceCore):
    async def create_lab(self, actor: Principal, spec: LabCreate) -> LabView:
        require_platform_admin(actor, "create labs")
        clash = f"lab {spec.id!r} exists already"
        async with self._writing(clash, "lab_exists") as s:
            if await s.get(Lab, spec.id) is not None:
                raise Conflict(clash, "lab_exists")
            lab = Lab(
                id=spec.id,
                name=spec.name or spec.id,
                share=spec.share,
                provisioning=spec.provisioning,
                created_at=self.now(),
            )
            s.add(lab)
        view = LabView.of(lab)
        await self._record(actor, "lab.create", f"lab:{lab.id}", view.as_dict())
        return view

    async def update_lab(self, actor: Principal, lab_id: str, update: LabUpdate) -> LabView:
        require_platform_admin(actor, "change labs")
        changed = changes(update)
        for name in ("name", "share", "provisioning"):
            if name in changed and changed[name] is None:
                raise InvalidInput(f"a lab's {name} cannot be null", "invalid_value")
        async with self.sessions.begin() as s:
            lab = await self._lab(s, lab_id)
            before = {name: getattr(lab, name) for name in changed}
            for name, value in changed.items():
                setattr(lab, name, value)
        view = LabView.of(lab)
        await self._record(
            actor, "lab.update", f"lab:{lab_id}", {"changed": changed, "before": before}
        )
        return view

    async def list_labs(self, actor: Principal) -> list[LabView]:
        """Every lab for platform admins and auditors; the caller's own lab for anyone else."""
        stmt = select(Lab).order_by(Lab.id)
        if not sees_everything(actor):
            stmt = stmt.where(Lab.id == (actor.lab or ""))
        async with self.sessions() as s:
            return [LabView.of(lab) for lab in (await s.execute(stmt)).scalars()]

    async def get_lab(self, actor: Principal, lab_id: str) -> LabView:
        require_reader(actor, sees_everything(actor) or actor.lab == lab_id, f"lab {lab_id!r}")
        async with self.sessions() as s:
            return LabView.of(await self._lab(s, lab_id))
