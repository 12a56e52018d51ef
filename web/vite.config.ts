import { defineConfig, defaultClientConditions } from 'vite';
import react from '@vitejs/plugin-react';

// The SDK is a workspace package: its `audenci-source` export is its TypeScript source, so the app never
// builds against a stale `packages/sdk/dist`. `npm run dev` proxies the API to a server on :3000.
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['audenci-source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The API server's Content-Security-Policy allows no inline script: never inline the entry or a
    // module-preload polyfill into index.html.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // scripts/bundle-budget.mjs reads the entry chunk and its static imports from the manifest.
    manifest: true,
  },
  server: {
    proxy: { '/api': 'http://localhost:3000', '/auth': 'http://localhost:3000' },
  },
});
