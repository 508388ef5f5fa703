"use strict";
// Swagger UI from the package's own copy (fastapi-offline): the page's CSP allows no inline
// script, and a kiosk LAN may have no internet.
window.addEventListener("load", () => {
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });
});
