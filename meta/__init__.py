"""Meta endpoints: health and the OpenAPI description of the whole API."""
