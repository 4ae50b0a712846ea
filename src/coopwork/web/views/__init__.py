"""Web views, one module per area. Each parses the request, calls one service or page query, and
renders; ``coopwork.web.http.coop_view`` turns domain errors into 4xx pages."""
