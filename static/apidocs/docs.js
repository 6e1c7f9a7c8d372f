// The API document in Swagger UI (vendored, see static/vendor/), from this server only.
window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // The document's own server is the one that serves this page; no validator badge (it would
  // send the document to an outside service).
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
