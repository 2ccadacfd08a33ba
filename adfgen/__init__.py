"""adfgen: YAML specs of OAuth 2.0 REST APIs in, a complete and secure Azure Data Factory out."""

__version__ = "0.1.0"
