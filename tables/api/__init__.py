"""The open API, version 1 (`/api/v1/`, django-ninja): the published disclosures as JSON for
programs, read-only and anonymous, exactly what the public pages show.

Only `PublishedVersion` rows are read: of each submission its newest version (a 更正 replaces
what the public sees), unless a version is asked for by its id, as the public version pages do.
Drafts, submitted, returned and approved submissions have no published version, so nothing of
them can be listed or guessed. Amounts are strings of exact decimals in 元, never JSON numbers
(which clients read as binary floats).

- `main.py`: the `NinjaAPI` instance (Chinese errors, conditional GET, throttling, docs);
- `endpoints.py`: the operations, thin: a selector, then a schema;
- `selectors.py`: the reads the public insight functions do not already provide;
- `schemas.py`: the response schemas (Pydantic), with their Chinese descriptions;
- `errors.py`, `caching.py`, `throttling.py`, `docs.py`: errors in Chinese JSON, ETag/304,
  the anonymous rate limit, and the Swagger page under the site's Content-Security-Policy;
- `views.py`: the Chinese introduction at `/api/`.
"""
