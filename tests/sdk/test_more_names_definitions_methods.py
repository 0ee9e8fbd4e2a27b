"""Definitions.map_asset_specs / map_resolved_asset_specs / with_resources, as Dagster documents them."""

from __future__ import annotations

import sdk as dg


class Offset(dg.ConfigurableResource):
    value: int = 0


@dg.asset(group_name="raw")
def orders() -> int:
    return 1


@dg.asset(group_name="marts")
def revenue(orders: int, offset: Offset) -> int:
    return orders + offset.value


def test_map_asset_specs_changes_the_selected_specs() -> None:
    defs = dg.Definitions(assets=[orders, revenue, dg.AssetSpec("external")], resources={"offset": Offset()})
    owned = defs.map_asset_specs(func=lambda spec: spec.replace_attributes(owners=["team:data"]))
    assert all(list(s.owners) == ["team:data"] for s in owned.resolve_all_asset_specs())
    tagged = defs.map_asset_specs(
        func=lambda spec: spec.merge_attributes(tags={"tier": "gold"}), selection=dg.AssetSelection.groups("marts")
    )
    tags = {s.key.to_user_string(): dict(s.tags) for s in tagged.resolve_all_asset_specs()}
    assert tags["revenue"] == {"tier": "gold"} and tags["orders"] == {} and tags["external"] == {}
    resolved = defs.map_resolved_asset_specs(
        func=lambda spec: spec.replace_attributes(group_name="g"), selection="orders"
    )
    groups = {s.key.to_user_string(): s.group_name for s in resolved.resolve_all_asset_specs()}
    assert groups["orders"] == "g" and groups["revenue"] == "marts"
    assert [s.group_name for s in defs.resolve_all_asset_specs()][:2] == ["raw", "marts"]  # the original is unchanged


def test_with_resources_adds_resources() -> None:
    defs = dg.Definitions(assets=[orders, revenue]).with_resources({"offset": Offset(value=10)})
    result = dg.materialize([orders, revenue], resources=defs.resources)
    assert result.asset_value(revenue.key) == 11
