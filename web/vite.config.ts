import { copyFile } from "node:fs/promises";
import { resolve } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vitest/config";

// The Static Web App reads its routes and headers from staticwebapp.config.json in the
// folder it deploys (dist/): copied there from web/, where it is kept and reviewed.
function staticWebAppConfig(): Plugin {
  return {
    name: "casai-staticwebapp-config",
    apply: "build",
    async writeBundle(options) {
      const out = options.dir ?? resolve(import.meta.dirname, "dist");
      await copyFile(
        resolve(import.meta.dirname, "staticwebapp.config.json"),
        resolve(out, "staticwebapp.config.json"),
      );
    },
  };
}

export default defineConfig({
  plugins: [react(), staticWebAppConfig()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // bench/bench_web_bundle.py reads dist/.vite/manifest.json for the sign-in route's JS.
    manifest: true,
    sourcemap: false,
    // No inline script or style anywhere: the CSP has no 'unsafe-inline'.
    assetsInlineLimit: 0,
    // The budget that matters is the gzip size the bench checks (bench_web_bundle.py).
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `npm run dev` next to `make run` (the dev host on 7071 answers /api).
    proxy: { "/api": "http://127.0.0.1:7071" },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
