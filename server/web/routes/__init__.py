"""HTTP and WebSocket endpoints: thin — parse, authorise, call the domain, shape the answer."""
