from pydantic import BaseModel, ConfigDict


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    symbol: str
    name_sv: str
    name_en: str
    unece_code: str


class UnitList(BaseModel):
    items: list[UnitOut]
    next_cursor: None = None
