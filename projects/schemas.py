from pydantic import BaseModel, RootModel


class PermissionOut(BaseModel):
    key: str
    description: str
    description_sv: str


class PermissionList(RootModel[list[PermissionOut]]):
    """A bare array, as the contract gives it: the catalogue is small and fixed."""
