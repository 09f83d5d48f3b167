// electron-vite: main (ESM, out/main/index.js), preload (ONE CommonJS file, out/preload/index.cjs: a sandboxed
// preload can only require('electron')) and the renderer (out/renderer/index.html).
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      // Dependencies stay in node_modules; the native module must never be bundled.
      externalizeDeps: true,
      rolldownOptions: {
        // The writer thread's entry (electron/core/writer-thread.ts) is a bundle of its own.
        input: {
          index: resolve(root, 'electron/main.ts'),
          'writer-worker': resolve(root, 'electron/core/writer-worker.ts'),
        },
        external: ['better-sqlite3'],
      },
    },
  },
  preload: {
    build: {
      // Everything the preload imports is inlined: a sandboxed preload has no require() for files.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [react()],
    build: {
      rolldownOptions: { input: { index: resolve(root, 'renderer/index.html') } },
    },
  },
});
