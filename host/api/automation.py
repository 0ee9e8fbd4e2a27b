"""Host API methods for declarative automation (why did an asset (not) run); HostServicer inherits them.

Each method converts the request, calls a plain function of host/domain/automation_history.py, and
returns its reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc

from host.api.errors import grpc_errors
from host.domain import automation_history
from host.errors import ConfigError
from protos.keys import asset_key_str
from protos.weir.v1 import host_pb2

if TYPE_CHECKING:
    from host.api.services import HostServices


class AutomationMethods:
    """Mixed into HostServicer, which provides `self.app`."""

    app: HostServices

    @grpc_errors
    def GetAutomationEvaluation(
        self, request: host_pb2.GetAutomationEvaluationRequest, context: grpc.ServicerContext
    ) -> host_pb2.AutomationEvaluation:
        if not request.asset_key.path:
            raise ConfigError("name the asset: asset_key is required")
        return automation_history.get_evaluation(
            self.app.engine, asset_key_str(request.asset_key), tick_id=request.tick_id, location=request.location
        )

    @grpc_errors
    def ListAutomationEvaluations(
        self, request: host_pb2.ListAutomationEvaluationsRequest, context: grpc.ServicerContext
    ) -> host_pb2.ListAutomationEvaluationsReply:
        if request.limit < 0 or request.before_tick_id < 0 or request.tick_id < 0:
            raise ConfigError("limit, tick_id and before_tick_id cannot be negative")
        return automation_history.list_evaluations(self.app.engine, self.app.workspace, request)
