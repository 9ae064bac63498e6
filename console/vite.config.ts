// The console builds into dist/ for the path /console/. `npm run dev` serves it with the API and
// the local identity provider of `make run` behind a proxy (same origin, as in every deployment)
// and a development /console/config.json.
import type { IncomingMessage, ServerResponse } from "node:http";
import react from "@vitejs/plugin-react";
import type { Plugin } from "vite";
import { defineConfig } from "vite";

const API_TARGET = process.env.CONSOLE_API_TARGET ?? "http://127.0.0.1:8080";
const DEV_CLIENT_ID = "local-operator-tools";

// What the local gateway writes at /console/config.json, for the dev server's own origin (the
// identity provider is proxied, so the redirect back stays on this origin).
function devConfig(): Plugin {
  return {
    name: "csms-dev-config",
    configureServer(server) {
      server.middlewares.use("/console/config.json", serveDevConfig);
    },
    configurePreviewServer(server) {
      server.middlewares.use("/console/config.json", serveDevConfig);
    },
  };
}

function serveDevConfig(req: IncomingMessage, res: ServerResponse): void {
  const origin = `http://${req.headers.host ?? "localhost:5173"}`;
  const logoutUri = encodeURIComponent(`${origin}/console/`);
  res.setHeader("Content-Type", "application/json");
  res.setHeader("Cache-Control", "no-store");
  res.end(
    JSON.stringify({
      apiBaseUrl: "",
      auth: {
        authorizeUrl: `${origin}/local-idp/oauth2/authorize`,
        tokenUrl: `${origin}/local-idp/oauth2/token`,
        clientId: DEV_CLIENT_ID,
        scope: "openid email profile",
        logoutUrl: `${origin}/local-idp/logout?client_id=${DEV_CLIENT_ID}&logout_uri=${logoutUri}`,
      },
      environment: "local",
    }),
  );
}

export default defineConfig({
  base: "/console/",
  plugins: [react(), devConfig()],
  build: { outDir: "dist", sourcemap: false, reportCompressedSize: true },
  server: {
    proxy: {
      "/api": { target: API_TARGET },
      "/local-idp": { target: API_TARGET },
    },
  },
  preview: {
    proxy: {
      "/api": { target: API_TARGET },
      "/local-idp": { target: API_TARGET },
    },
  },
});
