import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const webDir = fileURLToPath(new URL('.', import.meta.url));

/** The operator console: `vite build web` writes web/dist, which the server serves at `/`. */
export default defineConfig({
  root: webDir,
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
  },
  server: {
    // `vite web` in development: the console talks to a server on 8080 (npm start).
    proxy: { '/api': 'http://127.0.0.1:8080', '/ws': { target: 'ws://127.0.0.1:8080', ws: true } },
    fs: { allow: ['..'] },
  },
});
