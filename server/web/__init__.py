"""HTTP and WebSocket edge: the Starlette app, middleware, routes, request and response shapes, OpenAPI."""
