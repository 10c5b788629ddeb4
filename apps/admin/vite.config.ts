import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The contracts package is read from source in the monorepo (its `@peer-mentor/source` export).
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['@peer-mentor/source'] },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1' },
  build: { target: 'es2022', sourcemap: false },
});
