"""A minimal IAM Access Analyzer service for the emulator: moto 5.2.5 has none.

Only what `aws_accessanalyzer_analyzer` needs: Create/Get/List/Delete analyzers and
resource tags. Analyzers are ACTIVE at once and never produce findings. `register()`
adds the service to moto's server routing (signing name `access-analyzer`).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse, EmptyResult
from moto.core.utils import utcnow

SERVICE = "accessanalyzer"  # moto/botocore service name
ANALYZER_TYPES = ("ACCOUNT", "ORGANIZATION", "ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS")


class ConflictException(ServiceException):
    code = "ConflictException"


class ResourceNotFoundException(ServiceException):
    code = "ResourceNotFoundException"


class ValidationException(ServiceException):
    code = "ValidationException"


@dataclass
class Analyzer:
    arn: str
    name: str
    type: str
    tags: dict[str, str] = field(default_factory=dict)
    configuration: dict[str, Any] | None = None
    created_at: datetime = field(default_factory=utcnow)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "arn": self.arn,
            "name": self.name,
            "type": self.type,
            "createdAt": self.created_at,
            "status": "ACTIVE",
            "tags": dict(self.tags),
        }
        if self.configuration:
            data["configuration"] = self.configuration
        return data


class AccessAnalyzerBackend(BaseBackend):
    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.analyzers: dict[str, Analyzer] = {}

    @property
    def _url_module(self) -> ModuleType:
        return sys.modules[__name__]  # url_bases / url_paths live in this module

    def create_analyzer(self, name: str, analyzer_type: str, tags: dict[str, str] | None, configuration: dict[str, Any] | None) -> Analyzer:
        if analyzer_type not in ANALYZER_TYPES:
            raise ValidationException(f"Invalid analyzer type: {analyzer_type}")
        if name in self.analyzers:
            raise ConflictException(f"Analyzer {name} already exists")
        arn = f"arn:{self.partition}:access-analyzer:{self.region_name}:{self.account_id}:analyzer/{name}"
        analyzer = Analyzer(arn=arn, name=name, type=analyzer_type, tags=dict(tags or {}), configuration=configuration)
        self.analyzers[name] = analyzer
        return analyzer

    def get_analyzer(self, name: str) -> Analyzer:
        if name not in self.analyzers:
            raise ResourceNotFoundException(f"Analyzer {name} not found")
        return self.analyzers[name]

    def list_analyzers(self, analyzer_type: str | None) -> list[Analyzer]:
        return [a for a in self.analyzers.values() if analyzer_type in (None, a.type)]

    def delete_analyzer(self, name: str) -> None:
        self.get_analyzer(name)
        del self.analyzers[name]

    def by_arn(self, arn: str) -> Analyzer:
        for analyzer in self.analyzers.values():
            if analyzer.arn == arn:
                return analyzer
        raise ResourceNotFoundException(f"Resource {arn} not found")


accessanalyzer_backends = BackendDict(AccessAnalyzerBackend, SERVICE)


class AccessAnalyzerResponse(BaseResponse):
    """REST-JSON handlers; parameters are parsed from the botocore model."""

    def __init__(self) -> None:
        super().__init__(service_name=SERVICE)
        self.automated_parameter_parsing = True

    @property
    def backend(self) -> AccessAnalyzerBackend:
        return accessanalyzer_backends[self.current_account][self.region]

    def create_analyzer(self) -> ActionResult:
        analyzer = self.backend.create_analyzer(
            self._get_param("analyzerName"),
            self._get_param("type"),
            self._get_param("tags"),
            self._get_param("configuration"),
        )
        return ActionResult({"arn": analyzer.arn})

    def get_analyzer(self) -> ActionResult:
        return ActionResult({"analyzer": self.backend.get_analyzer(self._get_param("analyzerName")).to_dict()})

    def list_analyzers(self) -> ActionResult:
        analyzers = self.backend.list_analyzers(self._get_param("type"))
        return ActionResult({"analyzers": [a.to_dict() for a in analyzers]})

    def delete_analyzer(self) -> ActionResult:
        self.backend.delete_analyzer(self._get_param("analyzerName"))
        return EmptyResult()

    def list_tags_for_resource(self) -> ActionResult:
        return ActionResult({"tags": dict(self.backend.by_arn(self._get_param("resourceArn")).tags)})

    def tag_resource(self) -> ActionResult:
        self.backend.by_arn(self._get_param("resourceArn")).tags.update(self._get_param("tags") or {})
        return EmptyResult()

    def untag_resource(self) -> ActionResult:
        tags = self.backend.by_arn(self._get_param("resourceArn")).tags
        for key in self._get_param("tagKeys") or []:
            tags.pop(key, None)
        return EmptyResult()


url_bases = [r"https?://access-analyzer\.(.+)\.amazonaws\.com"]
url_paths = {
    "{0}/analyzer$": AccessAnalyzerResponse.dispatch,
    "{0}/analyzer/(?P<analyzerName>[^/]+)$": AccessAnalyzerResponse.dispatch,
    "{0}/tags/(?P<resourceArn>.+)$": AccessAnalyzerResponse.dispatch,
}


def register() -> None:
    """Route `access-analyzer` requests in moto's server to this backend."""
    import moto.backend_index as backend_index
    import moto.backends as backends

    if any(name == SERVICE for name, _ in backend_index.backend_url_patterns):
        return
    backend_index.backend_url_patterns.append((SERVICE, re.compile(url_bases[0])))
    original = backends.get_backend

    def get_backend(name: Any) -> Any:
        return accessanalyzer_backends if name == SERVICE else original(name)

    backends.get_backend = get_backend
