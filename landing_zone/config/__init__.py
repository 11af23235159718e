"""project.yaml: the pydantic model, the line-aware loader and the semantic validators."""

from landing_zone.config.errors import ConfigError, Problem
from landing_zone.config.loader import load_project
from landing_zone.config.model import Project

__all__ = ["ConfigError", "Problem", "Project", "load_project"]
