"""Validators and fields every mechanism uses."""

from marshmallow import ValidationError, fields, validate

from contracts.units import registry


def known_unit(value):
    if value not in registry():
        raise ValidationError(f"未知单位：{value}")


def coordinating_unit(value):
    known_unit(value)
    if registry().get(value).kind not in ("npc", "agency"):
        raise ValidationError(f"{value} 不是协同联动单位")


def supervised_unit(value):
    known_unit(value)
    if registry().get(value).kind != "supervised":
        raise ValidationError(f"{value} 不是被监督单位")


def UnitId(**kw):  # noqa: N802
    return fields.String(validate=known_unit, **kw)


def CoordinatingUnitId(**kw):  # noqa: N802
    return fields.String(validate=coordinating_unit, **kw)


def Subject(**kw):  # noqa: N802
    """A supervised unit or an official (free id, bounded)."""
    return fields.String(validate=validate.Length(min=1, max=120), **kw)


def unique_list(value):
    if len(set(value)) != len(value):
        raise ValidationError("列表中有重复项")
