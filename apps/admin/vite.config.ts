import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import adminPackage from './package.json' with { type: 'json' };

// The contracts package is read from source in the monorepo (its `@peer-mentor/source` export).
// The package's version is inlined at build time, for the footer (which release is deployed).
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['@peer-mentor/source'] },
  define: { 'import.meta.env.PM_ADMIN_VERSION': JSON.stringify(adminPackage.version) },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1' },
  build: { target: 'es2022', sourcemap: false },
});
