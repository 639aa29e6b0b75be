"""Reading RDF files safely: format by suffix, errors with file and line."""

from api.rdf.parsing import (
    RDF_SUFFIXES,
    MissingInputError,
    RdfInputError,
    RdfSyntaxError,
    UnknownFormatError,
    UnsafeInputError,
    expand_paths,
    parse_file,
    parse_into,
    parse_paths,
    rdf_format,
)

__all__ = [
    "RDF_SUFFIXES",
    "MissingInputError",
    "RdfInputError",
    "RdfSyntaxError",
    "UnknownFormatError",
    "UnsafeInputError",
    "expand_paths",
    "parse_file",
    "parse_into",
    "parse_paths",
    "rdf_format",
]
