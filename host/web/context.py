"""What every UI route handler reads through: the host's services, the Host API servicer (the one
service layer, rule 9), the change feed, the login and whether changes are allowed."""

from __future__ import annotations

from dataclasses import dataclass, field

from host.api.servicer import HostServicer
from host.api.services import HostServices
from host.domain.asset_catalog import AssetCatalog
from host.web.auth import Auth
from host.web.feed import ChangeFeed


@dataclass
class WebApp:
    services: HostServices
    auth: Auth
    read_only: bool = False
    servicer: HostServicer = field(init=False)
    feed: ChangeFeed = field(init=False)
    catalog: AssetCatalog = field(init=False)  # every asset with its status: the catalog and the graph read it

    def __post_init__(self) -> None:
        self.servicer = HostServicer(self.services)
        self.feed = ChangeFeed(self.services.engine, self.services.workspace)
        self.catalog = AssetCatalog(self.services.engine, self.services.workspace, self.services.clock)
        self.feed.warm("locations", self.catalog.definitions)
