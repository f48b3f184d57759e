"""Per-environment verification policies: read by readers, set and removed by admins
(the same store records `provenance-linker policy …` manages)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from ...access.tokens import Principal
from ...errors import UsageError
from ...trust import environment_policies as policies
from ..auth import admin, reader
from ..deps import Service, service
from ..problems import JSON

router = APIRouter(default_response_class=JSON, tags=["policies"])
ENVIRONMENT = Path(..., min_length=1, max_length=128, description="environment name")


@router.get("/v1/policies", summary="Environments with a verification policy")
def list_policies(_: Principal = Depends(reader), svc: Service = Depends(service)) -> JSON:
    return JSON({"policies": policies.list_policies(svc.store)})


@router.get("/v1/policies/{environment}", summary="An environment's policy (YAML in `text`)")
def get_policy(environment: str = ENVIRONMENT, _: Principal = Depends(reader),
               svc: Service = Depends(service)) -> JSON:
    return JSON(policies.get_policy(svc.store, environment))


@router.put("/v1/policies/{environment}", summary="Set an environment's policy (admin); "
            "the body is the YAML policy")
async def put_policy(request: Request, environment: str = ENVIRONMENT,
                     principal: Principal = Depends(admin),
                     svc: Service = Depends(service)) -> JSON:
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError("policy is not UTF-8 text", where="request body") from exc
    described = await run_in_threadpool(
        policies.set_policy, svc.store, environment, text, source="request body",
        actor=f"token:{principal.name}", roles={"admin"})
    return JSON(described)


@router.delete("/v1/policies/{environment}", summary="Remove an environment's policy "
               "(admin): verification there uses the default policy again")
def delete_policy(environment: str = ENVIRONMENT, principal: Principal = Depends(admin),
                  svc: Service = Depends(service)) -> JSON:
    policies.delete_policy(svc.store, environment, actor=f"token:{principal.name}",
                           roles={"admin"})
    return JSON({"environment": environment, "deleted": True})
