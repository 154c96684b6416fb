// Swagger UI of /schema, started from a file (the page's CSP allows no inline script).
// The bundle and preset are the swagger-ui-py package's files, loaded before this module.
const { SwaggerUIBundle, SwaggerUIStandalonePreset } = window;

SwaggerUIBundle({
  url: "/schema/openapi.json",
  dom_id: "#swagger-container",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  // no call to an outside validator: the page works offline and reaches nobody
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
});
