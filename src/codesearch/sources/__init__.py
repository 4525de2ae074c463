"""Readers for publisher files, taken exactly as CMS ships them."""

from codesearch.sources.crosswalk import read_crosswalk
from codesearch.sources.hcpcs import read_hcpcs

__all__ = ["read_crosswalk", "read_hcpcs"]
